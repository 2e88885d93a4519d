"""The real days of ``../shared/real``: as API JSON every entry loads; as perturbed text pages none is mis-paired."""

from __future__ import annotations

import collections

import duckdb
import polars as pl
import pytest

from pipeline.ingest import ingest_landing
from pipeline.ingest.dispatch import parse_text
from pipeline.settings import Settings
from tests.conftest import write_file
from tests.real_pages import REAL_DIR, real_days, render

DAYS = real_days()
pytestmark = pytest.mark.skipif(not DAYS, reason=f"real daily papers not found at {REAL_DIR} (shared data absent)")


def _score(layout: str, seed: int, rate: float) -> tuple[int, int, int]:
    """(true entries, true entries loaded, loaded rows whose title is not one of the page's titles)."""
    total = loaded = mispaired = 0
    for day in DAYS:
        page = parse_text(render(day, layout, seed, rate))
        truth = collections.Counter(day.titles)
        got = collections.Counter(page.entries["title"].to_list())
        mispaired += sum(n for title, n in got.items() if title not in truth)
        loaded += sum(min(n, got[title]) for title, n in truth.items())
        total += sum(truth.values())
    return total, loaded, mispaired


@pytest.mark.parametrize(("layout", "rate", "min_loaded"), [
    ("blank_separated", 0.0, 0.99), ("blank_separated", 0.15, 0.985),
    ("line_pairs", 0.0, 0.99), ("line_pairs", 0.15, 0.985),
])
def test_perturbed_text_pages_are_never_mispaired(layout: str, rate: float, min_loaded: float) -> None:
    total, loaded, mispaired = _score(layout, seed=1, rate=rate)
    assert total == 1519
    assert mispaired == 0
    assert loaded / total >= min_loaded, f"{loaded}/{total}"


def test_every_real_api_entry_loads_and_no_entry_is_rejected_for_an_optional_field(world: Settings) -> None:
    for day in DAYS:
        (world.landing_dir / f"{day.day}.json").write_bytes((REAL_DIR / f"{day.day}.json").read_bytes())
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.mentions_rejected) == (59, 1519, 0)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        titles = con.sql("SELECT title FROM raw.paper_mentions ORDER BY snapshot_id, position").pl()
        issues = con.sql("SELECT field, reason, count(*) AS n FROM raw.field_issues GROUP BY ALL ORDER BY ALL").pl()
        n_arxiv = con.execute("SELECT count(DISTINCT arxiv_id) FROM raw.paper_mentions").fetchone()[0]
    assert sorted(titles["title"].to_list()) == sorted(t for day in DAYS for t in day.titles)
    assert n_arxiv == 1057
    counts = {(f, r): n for f, r, n in issues.rows()}
    # From shared/real/README.md: 887 empty author lists, 47 summaries equal to the title.
    assert counts[("authors_count", "greater_than_or_equal_to(1)")] == 887
    assert counts[("abstract", "abstract_differs_from_title")] == 47
    short = sum(1 for day in DAYS for it in day.items if len((it["paper"].get("summary") or "").strip()) < 20)
    assert counts[("abstract", "str_length(20, None)")] == short


def test_a_real_text_page_ingests_with_its_header_date(world: Settings) -> None:
    day = DAYS[0]
    write_file(world.landing_dir / "saved-page.txt", render(day, "blank_separated", seed=3, rate=0.15), day=day.day)
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert summary.snapshots_loaded == 1 and summary.mentions_loaded >= 0.99 * len(day.items)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        loaded = con.sql("SELECT title FROM raw.paper_mentions").pl()["title"].to_list()
    assert set(loaded) <= set(day.titles)
    assert pl.Series(loaded).n_unique() == len(loaded)
