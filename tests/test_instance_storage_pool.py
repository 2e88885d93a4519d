"""The project's SQLite event log keeps its connections (pipeline/instance_storage.py), a live
watcher (the webserver's run view) still sees every commit of another process, and a step blocked
on the warehouse pool asks again every second."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import sqlalchemy as sa
from dagster import DagsterInstance

from dagster._core.execution.plan.instance_concurrency_context import _calculate_timeout_interval

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
