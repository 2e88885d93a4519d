"""Landing sensor and daily schedule, evaluated as Dagster would."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context, define_asset_job, materialize

from pipeline.assets import ingest_snapshots
from pipeline.automation import build_landing_sensor, build_schedule
from pipeline.ingest import ingest_landing
from pipeline.ingest.held import index_path
from pipeline.resources import build_resources
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file

JOB = define_asset_job("daily_refresh")


def tick(sensor, cursor: str | None):
    with DagsterInstance.ephemeral() as instance:
        # The sensor reads the landing dir from the warehouse resource, built from the world's env vars.
        return sensor(build_sensor_context(instance=instance, cursor=cursor, resources={"paths": build_resources()["paths"]}))


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def skip_message(result: SensorResult | SkipReason) -> str | None:
    """The skip message of a tick that starts no run (a skip may save the cursor), else None."""
    if isinstance(result, SkipReason):
        return result.skip_message
    return None if result.run_requests else result.skip_reason.skip_message


def test_sensor_requests_one_run_for_new_files_then_skips(world: Settings) -> None:
    sensor = build_landing_sensor(JOB)
    first = tick(sensor, None)
    assert "no new complete files" in skip_message(first)

    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON)
    second = tick(sensor, None)
    assert isinstance(second, SensorResult)
    assert len(second.run_requests) == 1
    assert second.run_requests[0].tags["papertrends/new_files"] == "2"

    third = tick(sensor, second.cursor)
    assert skip_message(third) is not None

    # Same files seen again from scratch (lost cursor): same run key, so Dagster dedups the run.
    again = tick(sensor, None)
    assert again.run_requests[0].run_key == second.run_requests[0].run_key


def test_sensor_ignores_partial_files_and_duplicate_content(world: Settings) -> None:
    sensor = build_landing_sensor(JOB)
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    cursor = tick(sensor, None).cursor
    write_file(world.landing_dir / "2026-11-19.txt.part", pages.LINE_PAIRS)
    write_file(world.landing_dir / ".2026-11-19.txt", pages.LINE_PAIRS)
    write_file(world.landing_dir / "copy.txt", pages.BLANK_SEPARATED)
    assert skip_message(tick(sensor, cursor)) is not None
    (world.landing_dir / "2026-11-19.txt.part").rename(world.landing_dir / "2026-11-19.txt")
    result = tick(sensor, cursor)
    assert result.run_requests[0].tags["papertrends/new_files"] == "1"


def test_sensor_starts_no_run_for_files_the_warehouse_already_holds(world: Settings) -> None:
    """After a run ingested the landing dir, a fresh sensor (no cursor, as `make dev` after `make run`) starts nothing."""
    api = write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON).read_bytes()
    blank = write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED).read_bytes()
    junk = write_file(world.landing_dir / "junk.txt", "not a digest at all").read_bytes()
    # The ingest step of `make run` (the Dagster asset, under the warehouse lock) writes the index.
    assert materialize([ingest_snapshots], resources=build_resources()).success
    assert query(world.warehouse, "SELECT (SELECT count(*) FROM raw.snapshots), (SELECT count(*) FROM raw.rejected_files)") == [(2, 1)]
    # Loaded and rejected contents are both held: the next ingest skips them all.
    assert index_path(world.warehouse).read_text().split() == sorted(hashlib.sha256(d).hexdigest() for d in (api, blank, junk))

    sensor = build_landing_sensor(JOB)
    first = tick(sensor, None)
    assert skip_message(first) == "no new complete files in the landing dir (3 known, 3 held by the warehouse)"
    write_file(world.landing_dir / "2026-11-20.txt", pages.LINE_PAIRS)
    second = tick(sensor, first.cursor)
    assert second.run_requests[0].tags["papertrends/new_files"] == "1"


def test_sensor_neither_blocks_nor_fails_while_a_run_holds_the_warehouse(world: Settings) -> None:
    """Another process holding the warehouse lock and a write connection does not stop a tick."""
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    ingest_landing(world.landing_dir, world.warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; from pathlib import Path; from pipeline.warehouse import warehouse_lock\n"
         "with warehouse_lock(Path(sys.argv[1])), duckdb.connect(sys.argv[1]) as con:\n"
         "    print('holding', flush=True); sys.stdin.read()", str(world.warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON)
        started = time.perf_counter()
        result = tick(build_landing_sensor(JOB), None)
        assert time.perf_counter() - started < 5  # no lock wait (the run's lock timeout is 120 s)
        assert result.run_requests[0].tags["papertrends/new_files"] == "1"
    finally:
        holder.communicate("")


def test_schedule_is_daily_at_six_utc_by_default_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = build_schedule(JOB)
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == ("daily_refresh_schedule", "0 6 * * *", "UTC")
    monkeypatch.setenv("PAPERTRENDS_SCHEDULE_CRON", "30 4 * * *")
    assert build_schedule(JOB).cron_schedule == "30 4 * * *"
