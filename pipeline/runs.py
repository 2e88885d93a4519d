"""Runs of ``make run`` on the persistent Dagster instance, and the pool slot of a killed one.

``make run`` executes ``daily_refresh`` in process on the instance that
``make dev`` shows (``DAGSTER_HOME``, default ``.dagster_home``), so its runs,
materializations and check results are in the UI. The warehouse steps hold a
slot of the ``warehouse`` pool (limit 1). A run whose process is killed
(SIGKILL, power loss) never gives its slot back, and no run launcher watches
an in-process run, so Dagster's run monitoring cannot see that its worker died.
Each CLI run is therefore tagged with its host and process id; before a run
starts, runs that hold a slot but whose process is gone are marked failed and
their slots freed. Runs that ended with slots still claimed are freed too
(``dagster dev``'s daemon does the same after
``run_monitoring.free_slots_after_run_end_seconds``, see .dagster_home/dagster.yaml).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dagster import DagsterInstance, RunsFilter
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

from pipeline.instance_storage import pool_postgres_connections
from pipeline.settings import PROJECT_ROOT

PID_TAG = "papertrends/pid"
HOST_TAG = "papertrends/host"


def warehouse_instance() -> DagsterInstance:
    """The persistent instance of ``make dev``: ``DAGSTER_HOME``, else the project's ``.dagster_home``."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    return pool_postgres_connections(DagsterInstance.get())


def run_tags() -> dict[str, str]:
    """Who executes this run, so a later run can tell whether it is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def worker_is_dead(tags: dict[str, str]) -> bool:
    """True only when the run was started here by a CLI process that no longer exists."""
    pid = tags.get(PID_TAG)
    if not pid or not pid.isdigit() or tags.get(HOST_TAG) != socket.gethostname():
        return False  # not ours (e.g. launched by dagster dev): left to run monitoring
    return int(pid) != os.getpid() and not _process_alive(int(pid))


def release_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark CLI runs whose process is gone failed, free the slots of every ended run; say what was done."""
    messages = []
    in_progress = instance.get_runs(
        filters=RunsFilter(statuses=IN_PROGRESS_RUN_STATUSES, tags={HOST_TAG: socket.gethostname()})
    )
    for run in in_progress:
        if worker_is_dead(dict(run.tags)):
            instance.report_run_failed(
                run, f"worker process {run.tags[PID_TAG]} on {run.tags[HOST_TAG]} is gone (killed?): run marked failed"
            )
            messages.append(f"run {run.run_id[:8]}: its process {run.tags[PID_TAG]} is gone; marked failed")
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in sorted(storage.get_concurrency_run_ids()):
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                messages.append(f"run {run_id[:8]} had ended: freed its warehouse pool slot")
    return messages
