"""The skip of a no-op run trusts only what was delivered: analytics file and report of the current build."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from pipeline.definitions import build_definitions
from pipeline.delivery import build_id, delivered, report_marker
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def api_day(world: Settings, day: str, ids: list[str]) -> None:
    items = [pages.api_item(arxiv, f"Paper {arxiv} about alpha models", pages.ABSTRACT_A) for arxiv in ids]
    write_file(world.landing_dir / f"{day}.json", json.dumps(items), day)


def refresh(**kwargs):
    return build_definitions().resolve_job_def("daily_refresh").execute_in_process(**kwargs)


def test_failed_publish_is_delivered_by_the_next_no_op_run(world: Settings) -> None:
    """Refresh (2 mentions), a new day (3 more) whose publish fails, then a run with nothing new:
    the analytics file and the report end with all 5 mentions and the newest day."""
    api_day(world, "2026-11-16", ["2611.00001", "2611.00002"])
    assert refresh().success
    assert query(world.analytics, "SELECT rows_paper_mentions FROM meta") == [(2,)]
    api_day(world, "2026-11-17", ["2611.00003", "2611.00004", "2611.00005"])
    # publish fails: its temporary file's name is taken by a directory it cannot remove
    blocker = world.analytics.with_name(f"{world.analytics.name}.tmp-{os.getpid()}")
    blocker.mkdir()
    (blocker / "x").write_text("x")
    failed = refresh(raise_on_error=False)
    assert not failed.success
    assert next(e for e in failed.all_events if e.is_step_failure).step_key == "deliver"  # publish, then the report
    assert query(world.analytics, "SELECT rows_paper_mentions FROM meta") == [(2,)]
    (blocker / "x").unlink()
    blocker.rmdir()
    assert refresh().success  # nothing new landed
    assert query(world.analytics, "SELECT rows_paper_mentions, newest_snapshot_date::VARCHAR FROM meta") == [
        (5, "2026-11-17")]
    assert "2026-11-17" in (world.report_dir / "trends.html").read_text(encoding="utf-8")


def test_delivered_needs_matching_meta_and_report(world: Settings) -> None:
    state = ("raw", "project")
    assert not delivered(world.analytics, world.report_dir, state)  # nothing there
    with duckdb.connect(str(world.analytics)) as con:
        con.execute("CREATE TABLE meta AS SELECT ? AS build_id", [build_id(state)])
    world.report_dir.mkdir()
    report = world.report_dir / "trends.html"
    report.write_text(f"<head>{report_marker(build_id(('raw', 'older project')))}</head>")
    assert not delivered(world.analytics, world.report_dir, state)  # the report failed for this build
    report.write_text(f"<head>{report_marker(build_id(state))}</head>")
    assert delivered(world.analytics, world.report_dir, state)
    assert not delivered(world.analytics, world.report_dir, ("raw", "another project"))


def test_delivery_code_change_changes_the_build_id(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.delivery as delivery

    before = build_id(("raw", "project"))
    monkeypatch.setattr(delivery, "delivery_fingerprint", lambda: "edited publish.py")
    assert build_id(("raw", "project")) != before
    assert build_id(None) is None
