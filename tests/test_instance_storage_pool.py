"""The project's SQLite event log keeps its connections (pipeline/instance_storage.py), a live
watcher (the webserver's run view) still sees every commit of another process, and a step blocked
on the warehouse pool asks again every second, asleep in between (pipeline/executor.py)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from dagster import DagsterInstance, job, op

from dagster._core.execution.plan.instance_concurrency_context import _calculate_timeout_interval

from pipeline.executor import DAGSTER_INTERVAL, in_process_executor, seconds_to_next_claim
from pipeline.instance_storage import CLAIM_RETRY_S, HomeEventLogStorage
from pipeline.resources import WAREHOUSE_POOL
from pipeline.settings import PROJECT_ROOT
from tests.test_instance_storage import tiny


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home


def test_a_run_reuses_one_connection_with_commits_that_do_not_wait_for_the_disk(tmp_path: Path) -> None:
    with DagsterInstance.from_config(str(_home(tmp_path))) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, HomeEventLogStorage)
        storage._engine.dispose()  # noqa: SLF001 - count from no open connection
        opened: list[object] = []
        sa.event.listen(storage._engine, "connect", lambda conn, _: opened.append(conn))  # noqa: SLF001
        run_id = tiny.execute_in_process(instance=instance).run_id
        n_events = len(instance.all_logs(run_id))
        with storage._engine.connect() as conn:  # noqa: SLF001
            synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    # one op, one thread: every event and every read of the run goes through one pooled connection
    # (Dagster's own class opens one per statement: more than n_events)
    assert n_events >= 10
    assert len(opened) == 1
    assert synchronous == 1  # NORMAL: in WAL mode, no fsync per commit


def test_a_watcher_sees_events_another_instance_commits(tmp_path: Path) -> None:
    home = _home(tmp_path)
    with DagsterInstance.from_config(str(home)) as writer, DagsterInstance.from_config(str(home)) as watcher:
        run = writer.get_run_by_id(tiny.execute_in_process(instance=writer).run_id)
        seen: list[str] = []
        arrived = threading.Event()

        def on_event(entry, _cursor) -> None:  # noqa: ANN001 - Dagster's callback signature
            seen.append(entry.message)
            if entry.message == "hello from elsewhere":
                arrived.set()

        watcher.event_log_storage.watch(run.run_id, None, on_event)
        try:
            writer.report_engine_event("hello from elsewhere", run)
            # the commit only appends to event_log.db-wal: the watcher must wake on that file
            assert arrived.wait(20), f"the watcher saw {seen}"
        finally:
            watcher.event_log_storage.end_watch(run.run_id, on_event)


def test_a_step_blocked_on_the_warehouse_pool_asks_again_every_second(tmp_path: Path) -> None:
    with DagsterInstance.from_config(str(_home(tmp_path))) as instance:
        storage = instance.event_log_storage
        # what a run does on its first step in the pool: the limit comes from dagster.yaml (default_limit: 1)
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        first = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-a", "dbt_models")
        blocked = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "ingest_snapshots")
        # run-a frees the slot (its step ended): run-b's next ask gets it
        storage.free_concurrency_slot_for_step("run-a", "dbt_models")
        second = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-b", "ingest_snapshots")
    assert (first.is_claimed, blocked.is_claimed, second.is_claimed) == (True, False, True)
    assert CLAIM_RETRY_S == 1.0 and blocked.sleep_interval == 1.0
    # Dagster's executor waits the storage's interval, whatever the number of asks so far; without one,
    # its own backoff after 20 asks would be 1.1**20 = 6.7 s
    assert _calculate_timeout_interval(blocked.sleep_interval, 20) == 1.0
    assert round(_calculate_timeout_interval(None, 20), 1) == 6.7


BLOCKED_S = 2.5  # how long another run holds the warehouse slot


@op(pool=WAREHOUSE_POOL)
def writes() -> None:
    """A step of the warehouse pool, as the ingest, dbt and deliver steps are."""


@job(executor_def=in_process_executor)
def pooled() -> None:
    writes()


def test_a_blocked_run_sleeps_between_its_asks_instead_of_spinning(tmp_path: Path) -> None:
    with DagsterInstance.from_config(str(_home(tmp_path))) as instance:
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "run-a", "dbt_models").is_claimed
        release = threading.Timer(BLOCKED_S, storage.free_concurrency_slot_for_step, ["run-a", "dbt_models"])
        cpu, wall = time.process_time(), time.monotonic()
        release.start()
        try:
            result = pooled.execute_in_process(instance=instance)
        finally:
            release.cancel()
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        blocked = [e for e in instance.all_logs(result.run_id) if f"blocked by limit for pool {WAREHOUSE_POOL}" in (e.message or "")]
    assert result.success and blocked
    # it waited for the slot (freed after BLOCKED_S, then taken at its next ask within CLAIM_RETRY_S) ...
    assert BLOCKED_S <= wall < BLOCKED_S + CLAIM_RETRY_S + 10
    # ... asleep: a run that loops until the slot is free uses a core all along (5.1 CPU s for 4 s blocked
    # without pipeline/executor.py; more than 0.6 even on a quarter of a core); the run itself takes ~0.1 CPU s
    assert cpu < 0.6, f"{cpu:.2f} CPU s while blocked for {wall:.1f} s"


def test_dagster_still_never_sleeps_on_a_blocked_claim_so_the_fix_is_needed() -> None:
    """The day Dagster's own interval is right this fails: then pipeline/executor.py can go."""
    waiting = SimpleNamespace(_pending_claims={"ingest_snapshots"}, _pending_timeouts={"ingest_snapshots": time.time() + 5})
    assert DAGSTER_INTERVAL(waiting) == 0
    assert 4 < seconds_to_next_claim(waiting) <= 5
    assert seconds_to_next_claim(SimpleNamespace(_pending_claims=set(), _pending_timeouts={})) == 0
    due = SimpleNamespace(_pending_claims={"dbt_models"}, _pending_timeouts={"dbt_models": time.time() - 1})
    assert seconds_to_next_claim(due) == 0
