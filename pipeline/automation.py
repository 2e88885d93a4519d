"""The daily schedule and the landing sensor that start ``daily_refresh``."""


import hashlib
import json
import os

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipeline.ingest.discover import list_landing_files, sha256
from pipeline.settings import Settings

DEFAULT_CRON = "0 6 * * *"


def build_schedule(job: JobDefinition) -> ScheduleDefinition:
    """Daily at 06:00 UTC unless PAPERTRENDS_SCHEDULE_CRON says otherwise."""
    return ScheduleDefinition(
        name="daily_refresh_schedule",
        job=job,
        cron_schedule=os.environ.get("PAPERTRENDS_SCHEDULE_CRON", DEFAULT_CRON),
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Runs the whole refresh once a day.",
    )


def new_landing_hashes(cursor: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Hashes of complete landing files not seen before, and the next cursor.

    The cursor maps ``name|size|mtime_ns`` to the content hash of the files
    present at the last tick, so an unchanged file is not read again and the
    cursor does not grow with files that were removed.
    """
    known = set(cursor.values())
    updated, new = {}, []
    for file in list_landing_files(Settings.from_env().landing_dir):
        key = f"{file.name}|{file.size_bytes}|{file.mtime_ns}"
        updated[key] = cursor.get(key) or sha256(file.path.read_bytes())
        if updated[key] not in known:
            known.add(updated[key])
            new.append(updated[key])
    return sorted(new), updated


def build_landing_sensor(job: JobDefinition):
    @sensor(
        name="landing_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts one daily_refresh when new complete files are in the landing dir.",
    )
    def landing_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        cursor = json.loads(context.cursor) if context.cursor else {}
        new, updated = new_landing_hashes(cursor)
        if not new:
            return SkipReason(f"no new complete files in the landing dir ({len(updated)} known)")
        run_key = hashlib.sha256("".join(new).encode()).hexdigest()
        return SensorResult(
            run_requests=[RunRequest(run_key=run_key, tags={"papertrends/new_files": str(len(new))})],
            cursor=json.dumps(updated),
        )

    return landing_sensor
