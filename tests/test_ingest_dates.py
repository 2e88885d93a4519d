"""Snapshot dates: future-dated files are rejected, year-less headers get one day of grace, empty API days load."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl

from pipeline.ingest import ingest_landing
from pipeline.ingest.dispatch import latest_not_after
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file


def _stamp(path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def rows(world: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_latest_not_after_is_one_rule_for_every_yearless_date() -> None:
    frame = pl.DataFrame({"m": [11, 2, 12, 2], "d": [21, 29, 31, 30],
                          "limit": [date(2026, 11, 20), date(2026, 3, 1), date(2026, 12, 31), date(2026, 3, 1)]})
    got = frame.select(latest_not_after(pl.col("m"), pl.col("d"), pl.col("limit")).alias("x"))["x"].to_list()
    # Nov 21 after Nov 20 -> the year before; Feb 29 -> the last leap year; Feb 30 never exists.
    assert got == [date(2025, 11, 21), date(2024, 2, 29), date(2026, 12, 31), None]


def test_header_date_gets_one_day_of_grace_for_time_zones(world: Settings) -> None:
    page = pages.BLANK_SEPARATED.replace("Nov 18", "Nov 21")
    path = write_file(world.landing_dir / "saved page.txt", page)
    _stamp(path, datetime(2026, 11, 20, 23, 30, tzinfo=UTC))  # saved in a time zone already on Nov 21
    ingest_landing(world.landing_dir, world.warehouse)
    assert rows(world, "SELECT snapshot_date, snapshot_date_source FROM raw.snapshots") == [(date(2026, 11, 21), "header")]


def test_header_date_two_days_ahead_is_last_year(world: Settings) -> None:
    page = pages.BLANK_SEPARATED.replace("Nov 18", "Nov 22")
    path = write_file(world.landing_dir / "saved page.txt", page)
    _stamp(path, datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    ingest_landing(world.landing_dir, world.warehouse)
    assert rows(world, "SELECT snapshot_date FROM raw.snapshots") == [(date(2025, 11, 22),)]


def test_future_dated_files_are_rejected_with_a_reason(world: Settings) -> None:
    today = datetime.now(UTC).date()
    write_file(world.landing_dir / "2099-01-01.txt", pages.BLANK_SEPARATED)
    future_api = [dict(pages.API_ITEMS[0], publishedAt="2098-05-05T08:00:00.000Z")]
    write_file(world.landing_dir / "feed.json", json.dumps(future_api))
    tomorrow = (today + timedelta(days=1)).isoformat()
    write_file(world.landing_dir / f"{tomorrow}.json", pages.HF_API_JSON)  # one day ahead: allowed
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert (summary.snapshots_loaded, summary.files_rejected) == (1, 2)
    reasons = dict(rows(world, "SELECT file_name, reason FROM raw.rejected_files"))
    assert reasons["2099-01-01.txt"].startswith("snapshot dated 2099-01-01 (from file_name), more than 1 day after its ingest day")
    assert reasons["feed.json"].startswith("snapshot dated 2098-05-05 (from api)")


def test_an_empty_api_day_is_a_snapshot_with_no_entries_and_an_empty_text_page_is_rejected(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-21.json", "[]")
    write_file(world.landing_dir / "2026-11-22.txt", pages.HEADER)
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert (summary.snapshots_loaded, summary.files_rejected) == (1, 1)
    assert rows(world, "SELECT file_name, n_entries, n_rejected FROM raw.snapshots") == [("2026-11-21.json", 0, 0)]
    assert rows(world, "SELECT file_name, reason FROM raw.rejected_files") == [
        ("2026-11-22.txt", "no entries found in blank_separated layout")]


def test_a_file_dated_too_far_ahead_is_read_again_once_its_day_comes(world: Settings) -> None:
    """The ingest clock says 11-20: a page named 11-25 is rejected (retry on 11-24); at 11-23 it is
    still skipped, at 11-24 (one day ahead is allowed) it loads and its rejection is gone."""
    write_file(world.landing_dir / "2026-11-25.txt", pages.BLANK_SEPARATED, "2026-11-20")
    first = ingest_landing(world.landing_dir, world.warehouse, clock=lambda: datetime(2026, 11, 20, 9))
    assert (first.snapshots_loaded, first.files_rejected) == (0, 1)
    assert rows(world, "SELECT file_name, retry_on FROM raw.rejected_files") == [("2026-11-25.txt", date(2026, 11, 24))]
    early = ingest_landing(world.landing_dir, world.warehouse, clock=lambda: datetime(2026, 11, 23, 9))
    assert (early.snapshots_loaded, early.files_rejected, early.files_skipped) == (0, 0, 1)
    due = ingest_landing(world.landing_dir, world.warehouse, clock=lambda: datetime(2026, 11, 24, 9))
    assert (due.snapshots_loaded, due.mentions_loaded, due.files_rejected) == (1, 3, 0)
    assert rows(world, "SELECT count(*) FROM raw.rejected_files") == [(0,)]
    assert rows(world, "SELECT snapshot_date FROM raw.snapshots") == [(date(2026, 11, 25),)]
