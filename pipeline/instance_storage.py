"""The event log storage of the project's Dagster instance (``.dagster_home/dagster.yaml``).

Dagster's default SQLite event log writes every event to a database per run
and every asset and check event a second time to an index database, each
write on a new connection; a refresh emits mostly asset and check events
(one planned event per asset and check at run creation, then their results).
``ConsolidatedSqliteEventLogStorage`` writes each event once, to one file. Its
``base_dir`` can only come from the config (a path or ``{env: DAGSTER_HOME}``),
so an instance opened by path (``DagsterInstance.from_config(home)``, as the
benchmarks and tests do) would read another instance's events; this subclass
puts the file in the directory of the instance that owns it.

It also keeps its connections. Dagster's class builds a new SQLAlchemy engine
and opens a new SQLite connection for every statement (NullPool): each new
connection reads the schema again, and closing the last connection of a WAL
database checkpoints it. A +1 refresh on 200 snapshots (347 events) opened
1,054 connections; under cProfile storing its events took 9.98 s (commit 2.28 s,
close 1.89, execute 2.63, connect and engines 1.7) of a 39 s profile. Here one
engine per process pools the connections (26 opened; store_event 1.93 s), and
they run with ``synchronous=NORMAL``, SQLite's setting for WAL: a commit is
durable when the process is killed (kill -9 keeps every committed event) and
only a power cut can lose the last few events, never the file. Since the
database file then changes only at checkpoints, the live-log watcher of the
webserver also watches the ``-wal`` file, which changes at every commit.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from dagster._core.instance import DagsterInstance
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from dagster._utils.concurrency import ConcurrencyClaimStatus
from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
from watchdog.observers import Observer


# A step blocked on a pool (the `warehouse` slot: another refresh is writing) asks again after this
# many seconds. Without it Dagster backs off to 1.1**n s, up to 15 s: a refresh that has waited a
# minute behind another asks every ~7 s, so it starts up to that long after the slot is free. One
# ask is one SQLite transaction.
CLAIM_RETRY_S = 1.0


class HomeEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """All events in ``<instance root>/event_log.db``, one write per event; opened when the instance registers."""

    def __init__(self, inst_data: ConfigurableClassData | None = None) -> None:  # noqa: D107 - base_dir comes later
        self._home_inst_data = inst_data

    @classmethod
    def config_type(cls) -> dict:
        return {}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> HomeEventLogStorage:
        return cls(inst_data=inst_data)

    def register_instance(self, instance: DagsterInstance) -> None:
        self._tables: set[str] = set()  # tables known to exist (has_table)
        super().__init__(instance.root_directory, self._home_inst_data)
        super().register_instance(instance)

    @cached_property
    def _engine(self) -> sa.Engine:
        """One engine per storage, its connections pooled (SQLAlchemy's QueuePool for a SQLite file)."""
        engine = sa.create_engine(self._conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        sa.event.listen(engine, "connect", _wal_normal_sync)
        return engine

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def claim_concurrency_slot(self, concurrency_key: str, run_id: str, step_key: str,
                               priority: int | None = None) -> ConcurrencyClaimStatus:
        """As Dagster's, but a blocked step asks again every ``CLAIM_RETRY_S`` instead of backing off."""
        return with_claim_retry(super().claim_concurrency_slot(concurrency_key, run_id, step_key, priority))

    def has_table(self, table_name: str) -> bool:
        """Asked ~140 times per refresh; a table, once there, stays (migrations only add)."""
        if table_name not in self._tables:
            with self._engine.connect() as conn:
                if self._engine.dialect.has_table(conn, table_name):
                    self._tables.add(table_name)
        return table_name in self._tables

    def watch(self, run_id: str, cursor: str | None, callback: Callable[..., Any]) -> None:
        """As Dagster's, but woken by the ``-wal`` file too (a commit no longer touches the database file)."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
            self._obs.schedule(_WalWatchdog(self), self._base_dir, recursive=True)
        self._watchers[run_id][callback] = cursor

    def dispose(self) -> None:
        super().dispose()
        if "_engine" in self.__dict__:
            self._engine.dispose()


def with_claim_retry(status: ConcurrencyClaimStatus) -> ConcurrencyClaimStatus:
    """A blocked claim told to ask again in ``CLAIM_RETRY_S`` (Dagster's executor waits what the storage says)."""
    return status if status.is_claimed else status.with_sleep_interval(CLAIM_RETRY_S)


def _wal_normal_sync(dbapi_connection: Any, _record: Any) -> None:
    """Commits without an fsync each; the WAL is synced at checkpoints (https://sqlite.org/pragma.html#pragma_synchronous)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _WalWatchdog(PatternMatchingEventHandler):
    """Calls the storage's ``on_modified`` when its database or its write-ahead log changes."""

    def __init__(self, storage: HomeEventLogStorage) -> None:
        path = storage.get_db_path()
        super().__init__(patterns=[path, f"{path}-wal"])
        self._storage = storage

    def on_modified(self, event: FileSystemEvent) -> None:
        self._storage.on_modified()


# Team mode (storage: postgres): dagster-postgres opens a new PostgreSQL connection for every
# statement (SQLAlchemy NullPool, so an instance holds none while idle), and a refresh makes
# about a thousand: each event stored, each asset record read for data versions. A run
# process keeps a small pool instead, as Dagster's webserver does (``optimize_for_webserver``),
# with no statement timeout, as before. Measured on one team refresh of three tiny pages
# (2 busy cores): 1,053 connections opened, 6.5 s of the run process's time in connect().
# The webserver's pool keeps ONE connection per storage: storing an asset event holds one
# while it opens a second (the asset index), and that second one was opened and closed again
# each time: 43 of the 49 connections a pooled refresh still opened. Three are kept.
POOL_SIZE = 3
POOL_RECYCLE_S = 3600
POOL_MAX_OVERFLOW = 10  # a long-lived process (code server, daemon) may use a few at once
_POOLED: weakref.WeakSet[DagsterInstance] = weakref.WeakSet()


def pool_postgres_connections(instance: DagsterInstance) -> DagsterInstance:
    """Keep this process's PostgreSQL connections of ``instance`` open between statements, and let a step
    blocked on a pool ask again every ``CLAIM_RETRY_S`` as in the embedded mode (team mode only)."""
    if instance not in _POOLED and type(instance.run_storage).__module__.startswith("dagster_postgres"):
        for storage in {id(s): s for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)}.values():
            _keep_connections(storage)
        _ask_every_second(instance.event_log_storage)
        _POOLED.add(instance)
    return instance


def _ask_every_second(storage: Any) -> None:
    """dagster-postgres's claims through ``with_claim_retry`` (``storage: postgres:`` takes no class of ours)."""
    claim = storage.claim_concurrency_slot

    def claim_concurrency_slot(concurrency_key: str, run_id: str, step_key: str,
                               priority: int | None = None) -> ConcurrencyClaimStatus:
        return with_claim_retry(claim(concurrency_key, run_id, step_key, priority))

    storage.claim_concurrency_slot = claim_concurrency_slot


def _keep_connections(storage: Any) -> None:
    """dagster-postgres's ``optimize_for_webserver`` with ``POOL_SIZE`` connections kept instead of one."""
    from dagster_postgres.utils import create_pg_engine

    old = storage._engine  # noqa: SLF001 - the engine dagster-postgres's own optimize_for_webserver replaces
    options = old.url.query.get("options")
    storage._engine = create_pg_engine(  # noqa: SLF001
        storage.postgres_url, storage._token_provider, isolation_level="AUTOCOMMIT", pool_size=POOL_SIZE,  # noqa: SLF001
        pool_recycle=POOL_RECYCLE_S, max_overflow=POOL_MAX_OVERFLOW,
        **({"connect_args": {"options": options}} if options else {}))
    old.dispose()
