"""Landing sensor and daily schedule, evaluated as Dagster would."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context, define_asset_job

from pipeline.automation import build_landing_sensor, build_schedule
from pipeline.resources import build_resources
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file

JOB = define_asset_job("daily_refresh")


def tick(sensor, cursor: str | None):
    with DagsterInstance.ephemeral() as instance:
        # The sensor reads the landing dir from the warehouse resource, built from the world's env vars.
        return sensor(build_sensor_context(instance=instance, cursor=cursor, resources={"paths": build_resources()["paths"]}))


def test_sensor_requests_one_run_for_new_files_then_skips(world: Settings) -> None:
    sensor = build_landing_sensor(JOB)
    first = tick(sensor, None)
    assert isinstance(first, SkipReason)
    assert "no new complete files" in first.skip_message

    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON)
    second = tick(sensor, None)
    assert isinstance(second, SensorResult)
    assert len(second.run_requests) == 1
    assert second.run_requests[0].tags["papertrends/new_files"] == "2"

    third = tick(sensor, second.cursor)
    assert isinstance(third, SkipReason)

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
    assert isinstance(tick(sensor, cursor), SkipReason)
    (world.landing_dir / "2026-11-19.txt.part").rename(world.landing_dir / "2026-11-19.txt")
    result = tick(sensor, cursor)
    assert result.run_requests[0].tags["papertrends/new_files"] == "1"


def test_schedule_is_daily_at_six_utc_by_default_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = build_schedule(JOB)
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == ("daily_refresh_schedule", "0 6 * * *", "UTC")
    monkeypatch.setenv("PAPERTRENDS_SCHEDULE_CRON", "30 4 * * *")
    assert build_schedule(JOB).cron_schedule == "30 4 * * *"
