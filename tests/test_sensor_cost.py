"""The landing sensor asks the warehouse what it holds only for files its cursor does not know
(pipeline/automation.py): in team mode that question opens the lake, so a quiet tick must not ask it."""

from __future__ import annotations

from dagster import materialize

from pipeline.assets import ingest_snapshots
from pipeline.ingest.held import index_path
from pipeline.resources import build_resources
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file
from tests.test_automation import JOB, skip_message, tick
from pipeline.automation import build_landing_sensor


def test_a_tick_whose_cursor_knows_every_file_does_not_read_what_the_warehouse_holds(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON)
    assert materialize([ingest_snapshots], resources=build_resources()).success
    sensor = build_landing_sensor(JOB)
    first = tick(sensor, None)  # a fresh cursor: both files are asked about, and both are held
    assert skip_message(first) == "no new complete files in the landing dir (2 known, 2 held by the warehouse)"

    # what the warehouse holds cannot be read any more: only a tick that asks for it would fail
    index = index_path(world.warehouse)
    index.unlink()
    index.mkdir()
    assert skip_message(tick(sensor, first.cursor)) == "no new complete files in the landing dir (2 known)"

    index.rmdir()  # no index at all: a new file now starts a run
    write_file(world.landing_dir / "2026-11-20.txt", pages.LINE_PAIRS)
    assert tick(sensor, first.cursor).run_requests[0].tags["papertrends/new_files"] == "1"
