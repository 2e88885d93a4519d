"""The project's SQLite event log keeps its connections (pipeline/instance_storage.py), and a live
watcher (the webserver's run view) still sees every commit of another process."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import sqlalchemy as sa
from dagster import DagsterInstance

from pipeline.instance_storage import HomeEventLogStorage
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
