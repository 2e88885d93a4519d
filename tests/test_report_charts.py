"""The report keeps each chart's SVG and reuses it when the same chart comes again (pipeline/report.py, Charts):
the page is the one a fresh drawing gives, and only the last report's charts are kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb

from pipeline.publish import publish
from pipeline.report import CHART_CACHE, Charts, build_report, render
from pipeline.settings import PROJECT_ROOT, Settings
from tests.test_publish import NO_MANIFEST, build_small_warehouse

# A report whose charts are all kept must not need matplotlib at all (its import is ~0.3 s of a refresh).
WITHOUT_MATPLOTLIB = """
import sys
from pathlib import Path
sys.modules["matplotlib"] = None  # any import of matplotlib now fails
from pipeline.report import build_report
build_report(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def _published(world: Settings) -> Settings:
    build_small_warehouse(world.warehouse)
    publish(world.warehouse, world.analytics, pipeline_version="1.2.3", manifest=NO_MANIFEST)
    return world


def _fresh_page(world: Settings) -> str:
    with duckdb.connect(str(world.analytics), read_only=True) as con:
        return render(con, Charts())  # no directory: every chart drawn


def test_a_second_report_reuses_every_chart_and_is_the_freshly_drawn_page(world: Settings) -> None:
    _published(world)
    first = build_report(world.analytics, world.report_dir).read_text(encoding="utf-8")
    kept = sorted((world.report_dir / CHART_CACHE).glob("*.svg"))
    n_charts = first.count("<svg")
    assert n_charts >= 3 and 1 <= len(kept) <= n_charts  # identical charts (same data and size) share one file
    assert first == _fresh_page(world)

    done = subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB, str(world.analytics), str(world.report_dir)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (world.report_dir / "trends.html").read_text(encoding="utf-8") == first
    assert sorted((world.report_dir / CHART_CACHE).glob("*.svg")) == kept


def test_only_the_charts_of_the_last_report_are_kept_and_a_kept_chart_is_what_is_shown(world: Settings) -> None:
    _published(world)
    build_report(world.analytics, world.report_dir)
    cache = world.report_dir / CHART_CACHE
    kept = sorted(cache.glob("*.svg"))
    stale = cache / ("0" * 32 + ".svg")
    stale.write_text("<svg>an older report's chart</svg>", encoding="utf-8")
    # mark one kept chart: the next page must show the kept file, not a new drawing
    marked = kept[0]
    marked.write_text(marked.read_text(encoding="utf-8").replace("<svg", '<svg data-kept="yes"', 1), encoding="utf-8")

    text = build_report(world.analytics, world.report_dir).read_text(encoding="utf-8")

    assert not stale.exists()
    assert sorted(cache.glob("*.svg")) == kept
    assert len(re.findall(r'<svg data-kept="yes"', text)) >= 1
