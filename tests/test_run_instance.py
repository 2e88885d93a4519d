"""`make run` on the persistent instance: a killed run never blocks the next one.

``python -m pipeline.cli run`` runs in a subprocess on a temporary
DAGSTER_HOME holding a copy of the project's .dagster_home/dagster.yaml
(pool ``warehouse``, limit 1). The first run is killed with SIGKILL (its whole
process group, dbt included) as soon as the instance shows it holding the
pool slot; the next run must complete, mark the killed run failed and leave
its runs, materializations and check results in that instance (what
``make dev`` shows). The landing dir is configured and empty when the first
run starts: no sample may be written into it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from pipeline.resources import WAREHOUSE_POOL
from pipeline.settings import PROJECT_ROOT
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import query

CLAIM_DEADLINE_S = 300  # the slot is claimed by the first writing step, ~10-60 s after start on 2 busy cores


def cli_env(root: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"),
            "PAPERTRENDS_LANDING_DIR": str(root / "landing"), "PAPERTRENDS_WAREHOUSE": str(root / "warehouse.duckdb"),
            "PAPERTRENDS_ANALYTICS": str(root / "analytics.duckdb"), "PAPERTRENDS_REPORT_DIR": str(root / "reports")}


def wait_for_slot(instance: DagsterInstance, process: subprocess.Popen) -> str:
    """Poll the instance until a run holds the warehouse slot; return its run id."""
    deadline = time.monotonic() + CLAIM_DEADLINE_S
    while time.monotonic() < deadline:
        claimed = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots
        if claimed:
            return claimed[0].run_id
        assert process.poll() is None, process.communicate()[0][-3000:]  # it ended before claiming: its output says why
        time.sleep(0.05)
    pytest.fail(f"no run claimed the {WAREHOUSE_POOL} slot within {CLAIM_DEADLINE_S}s")


def test_killed_run_does_not_block_the_next_one(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    (tmp_path / "landing").mkdir()
    env = cli_env(tmp_path)
    command = [sys.executable, "-m", "pipeline.cli", "run"]
    first = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    try:
        instance = DagsterInstance.from_config(str(home))
        killed_id = wait_for_slot(instance, first)
        os.killpg(first.pid, signal.SIGKILL)
        output = first.communicate(timeout=60)[0]
        assert first.returncode == -signal.SIGKILL
        assert "no sample data is generated for a configured landing dir" in output
        assert list((tmp_path / "landing").iterdir()) == []  # a configured landing dir gets no samples
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots  # still held
        assert instance.get_run_by_id(killed_id).status == DagsterRunStatus.STARTED

        write_file(tmp_path / "landing" / "2026-11-20.txt", pages.BLANK_SEPARATED)
        second = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        assert f"run {killed_id[:8]}: its process" in second.stderr

        killed = instance.get_run_by_id(killed_id)
        assert killed.status == DagsterRunStatus.FAILURE
        runs = instance.get_runs()
        assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]  # newest first
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []
        # what `make dev` shows: materializations and check results of the run, in this instance
        latest = instance.get_latest_materialization_event(AssetKey(["marts", "papers"]))
        assert latest is not None and latest.run_id == runs[0].run_id
        checks = [e for e in instance.all_logs(runs[0].run_id) if e.dagster_event
                  and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"]
        assert checks
        assert query(tmp_path / "warehouse.duckdb", "SELECT count(*) FROM marts.papers") == [(3,)]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
