"""Every empty day counts: a second ``[]`` day repeats the first one's bytes, yet it is an observed day."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb

from pipeline.definitions import build_definitions
from pipeline.ingest.loader import ingest_landing
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file


def query(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def api_day(world: Settings, day: date, n: int) -> None:
    items = [pages.api_item(f"2610.{day.day:02d}{i:03d}", f"Paper {day.day} {i} about alpha models", pages.ABSTRACT_A)
             for i in range(n)]
    write_file(world.landing_dir / f"{day}.json", json.dumps(items), day.isoformat())


def test_a_repeated_empty_day_is_recorded_as_observed_not_as_a_snapshot(world: Settings) -> None:
    write_file(world.landing_dir / "2026-10-11.json", "[]", "2026-10-11")
    write_file(world.landing_dir / "2026-10-18.json", "[]", "2026-10-18")
    far = date.today() + timedelta(days=5)  # a typo or a bad clock: not an observed day (yet)
    write_file(world.landing_dir / f"{far}.json", "[]", "2026-10-18")
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert (summary.snapshots_loaded, summary.dates_observed) == (1, 1)
    assert query(world.warehouse, "SELECT snapshot_date::VARCHAR FROM raw.snapshots") == [("2026-10-11",)]
    assert query(world.warehouse, "SELECT file_name, snapshot_date::VARCHAR FROM raw.observed_dates") == [
        ("2026-10-18.json", "2026-10-18")]
    again = ingest_landing(world.landing_dir, world.warehouse)  # idempotent
    assert again.dates_observed == 0
    assert query(world.warehouse, "SELECT count(*) FROM raw.observed_dates") == [(1,)]


def test_two_empty_sundays_in_two_weeks_make_both_weeks_complete(world: Settings) -> None:
    """Mon 10-05 .. Fri 10-09 and Mon 10-12 .. Fri 10-16 with papers, Sun 10-11 and Sun 10-18 empty:
    the second Sunday closes week 10-12, so it is the last complete week (it was 10-05)."""
    for week in (date(2026, 10, 5), date(2026, 10, 12)):
        for offset in range(5):
            api_day(world, week + timedelta(days=offset), 2)
        sunday = week + timedelta(days=6)
        write_file(world.landing_dir / f"{sunday}.json", "[]", sunday.isoformat())
    result = build_definitions().resolve_job_def("daily_refresh").execute_in_process(raise_on_error=False)
    assert result.success
    assert query(world.analytics, "SELECT week_start::VARCHAR FROM marts.last_complete_week") == [("2026-10-12",)]
    assert query(world.analytics, "SELECT newest_observed_date::VARCHAR, n_snapshots FROM meta_quality") == [
        ("2026-10-18", 11)]
    assert query(world.warehouse, "SELECT max(snapshot_date)::VARCHAR FROM staging.stg_observed_dates") == [
        ("2026-10-18",)]
    fresh = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "snapshots_fresh")
    assert fresh.metadata["newest_snapshot_date"].value == "2026-10-18"
