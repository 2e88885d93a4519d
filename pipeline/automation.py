"""The daily schedules (refresh, and the optional fetch) and the landing sensor that starts ``daily_refresh``."""


import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    schedule,
    sensor,
)

from pipeline.ingest.discover import list_landing_files, sha256
from pipeline.ingest.held import read_held
from pipeline.resources import WarehouseResource
from pipeline.settings import DEFAULT_SCHEDULE_CRON, FetchSettings, schedule_cron

DEFAULT_CRON = DEFAULT_SCHEDULE_CRON
# Before the refresh at 06:00: the new files start a refresh through landing_sensor anyway.
FETCH_CRON = "30 5 * * *"
# Upvotes keep rising for 1-2 weeks after a paper is listed: re-fetch that far back.
REFETCH_DAYS = 14
# The run tags Dagster reads a single-run partition range from (RunRequest.partition_key_range reads them too).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def build_schedule(job: JobDefinition) -> ScheduleDefinition:
    """Daily at 06:00 UTC unless PAPERTRENDS_SCHEDULE_CRON says otherwise."""
    return ScheduleDefinition(
        name="daily_refresh_schedule",
        job=job,
        cron_schedule=schedule_cron(),
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Runs the whole refresh once a day.",
    )


def new_landing_hashes(landing_dir: Path, cursor: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Hashes of complete landing files not seen at an earlier tick, and the next cursor.

    The cursor maps ``name|size|mtime_ns`` to the content hash of the files
    present at the last tick, so an unchanged file is not read again and the
    cursor does not grow with files that were removed. The sensor then drops
    what the warehouse already holds (``pipeline.ingest.held``): such a file
    never starts a run, whoever put it there.
    """
    known = set(cursor.values())
    updated, new = {}, []
    for file in list_landing_files(landing_dir):
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
    def landing_sensor(context: SensorEvaluationContext, paths: WarehouseResource) -> SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        new, updated = new_landing_hashes(paths.settings.landing_dir, cursor)
        if not new:  # every file was seen at an earlier tick: nothing to ask the warehouse
            return SensorResult(skip_reason=f"no new complete files in the landing dir ({len(updated)} known)",
                                cursor=json.dumps(updated))
        # Only for contents the cursor does not know: the index file, not the warehouse (opening the DuckDB
        # file could make a starting run fail to get it); in team mode the lake itself, read-only, which
        # costs a connection, two extensions and an ATTACH, so not at every tick. A skip still saves the
        # cursor, so files the warehouse holds are not hashed again at every tick.
        held = read_held(paths.settings)
        new = [sha for sha in new if sha not in (held or set())]
        if not new:
            return SensorResult(
                skip_reason=f"no new complete files in the landing dir ({len(updated)} known, "
                f"{'no index of the warehouse yet' if held is None else f'{len(held)} held by the warehouse'})",
                cursor=json.dumps(updated),
            )
        run_key = hashlib.sha256("".join(new).encode()).hexdigest()
        return SensorResult(
            run_requests=[RunRequest(run_key=run_key, tags={"papertrends/new_files": str(len(new))})],
            cursor=json.dumps(updated),
        )

    return landing_sensor


def fetch_window(today: date, start: date) -> tuple[date, date]:
    """Today, yesterday and the ``REFETCH_DAYS`` days before yesterday, not before the first partition."""
    return max(start, today - timedelta(days=1 + REFETCH_DAYS)), today


def build_fetch_schedule(job: Any, fetch: FetchSettings) -> ScheduleDefinition:
    """One run a day of ``job`` (the fetch asset job) over the whole window, read by the single-run backfill policy.

    Running by default only when ``PAPERTRENDS_FETCH=1``: without it nothing leaves the machine.
    """

    @schedule(
        name="hf_daily_papers_schedule",
        job=job,
        cron_schedule=FETCH_CRON,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING if fetch.enabled else DefaultScheduleStatus.STOPPED,
        description=f"Fetches today, yesterday and the {REFETCH_DAYS} days before (late upvotes) in one run; on with PAPERTRENDS_FETCH=1.",
    )
    def hf_daily_papers_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        now = context.scheduled_execution_time or datetime.now(UTC)
        first, last = fetch_window(now.astimezone(UTC).date(), fetch.start)
        if first > last:
            return SkipReason(f"PAPERTRENDS_FETCH_START {fetch.start} is after today ({last})")
        return RunRequest(
            run_key=f"hf_daily_papers_{last.isoformat()}",
            tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
        )

    return hf_daily_papers_schedule
