"""The project's Dagster instance settings: every event once, in the instance's own event_log.db."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance, job, op

from pipeline.instance_storage import HomeEventLogStorage
from pipeline.settings import PROJECT_ROOT


@op
def one() -> int:
    return 1


@job
def tiny() -> None:
    one()


def test_events_are_written_once_in_the_directory_of_the_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(elsewhere))  # opened by path: DAGSTER_HOME must not matter
    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, HomeEventLogStorage)
        assert instance.event_log_storage.supports_global_concurrency_limits  # the warehouse pool needs it
        run_id = tiny.execute_in_process(instance=instance).run_id
        n_events = len(instance.all_logs(run_id))
    assert n_events > 0
    assert (home / "event_log.db").exists() and not elsewhere.exists()
    assert not list(home.rglob(f"{run_id}.db"))  # no per-run shard: one write per event
    with DagsterInstance.from_config(str(home)) as reopened:
        assert len(reopened.all_logs(run_id)) == n_events
