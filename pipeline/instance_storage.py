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
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from dagster._core.instance import DagsterInstance
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._serdes import ConfigurableClassData


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
        super().__init__(instance.root_directory, self._home_inst_data)
        super().register_instance(instance)


# Team mode (storage: postgres): dagster-postgres opens a new PostgreSQL connection for every
# statement (SQLAlchemy NullPool, so an instance holds none while idle), and a refresh makes
# about a thousand: each event stored, each asset record read for data versions. A run
# process keeps a small pool instead, as Dagster's webserver does (``optimize_for_webserver``);
# no statement timeout (0), as before. Measured on one team refresh of three tiny pages
# (2 busy cores): 1,053 connections opened, 6.5 s of the run process's time in connect().
POOL_RECYCLE_S = 3600
POOL_MAX_OVERFLOW = 10  # a long-lived process (code server, daemon) may use a few at once
_POOLED: weakref.WeakSet[DagsterInstance] = weakref.WeakSet()


def pool_postgres_connections(instance: DagsterInstance) -> DagsterInstance:
    """Keep this process's PostgreSQL connections of ``instance`` open between statements (team mode only)."""
    if instance not in _POOLED and type(instance.run_storage).__module__.startswith("dagster_postgres"):
        instance.optimize_for_webserver(statement_timeout=0, pool_recycle=POOL_RECYCLE_S, max_overflow=POOL_MAX_OVERFLOW)
        _POOLED.add(instance)
    return instance
