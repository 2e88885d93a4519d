"""The real days of ``../shared/real``: as API JSON every entry loads; as perturbed text pages none is mis-paired.

Each text page is rendered from a real day (``tests/real_pages.py``), clean or
with perturbations drawn with a fixed seed, and its parse is checked against
the JSON: every loaded title is a true title of that day, every loaded
abstract is made only of paragraphs rendered for that title, and at least
99.5% of the true entries load.
"""

from __future__ import annotations

import collections
import re

import duckdb
import polars as pl
import pytest

from pipeline.ingest import ingest_landing
from pipeline.ingest.dispatch import check_document, parse_batch
from pipeline.settings import Settings
from tests.conftest import write_file
from tests.real_pages import PERTURBATIONS, REAL_DIR, REAL_DIRS, RealDay, real_days, render, render_page

DAYS = real_days()
ALL_DAYS = real_days(REAL_DIRS)
pytestmark = pytest.mark.skipif(len(ALL_DAYS) != 118, reason=f"the 118 real days not found under {REAL_DIR.parent} (shared data absent)")
# From shared/real/README.md: 1,519 + 1,652 entries.
ALL_ENTRIES = 3171
MIN_LOADED = 0.995


def _lines(text: str, layout: str) -> list[str]:
    """Paragraphs (lines in ``line_pairs``) with each line stripped, as the parser keeps them."""
    parts = re.split(r"\n[ \t]*\n" if layout == "blank_separated" else r"\n", text)
    return ["\n".join(line.strip() for line in part.split("\n") if line.strip()) for part in parts if part.strip()]


def score(days: list[RealDay], layout: str, seed: int, rate: float, kinds: tuple[str, ...] = PERTURBATIONS) -> dict[str, int]:
    """Counts over all pages: true entries, entries loaded, loaded rows with a wrong title or a wrong abstract."""
    pages = [render_page(day, layout, seed, rate, kinds) for day in days]
    docs = pl.DataFrame({"doc_id": range(len(pages)), "layout": [check_document(p.text) for p in pages], "text": [p.text for p in pages]})
    entries, _ = parse_batch(docs)
    loaded_rows = entries.filter(pl.col("reject_reason").is_null()).select("doc_id", "title", "abstract")
    by_doc = {key[0]: frame for key, frame in loaded_rows.partition_by("doc_id", as_dict=True).items()}
    counts = collections.Counter()
    for doc_id, (day, page) in enumerate(zip(days, pages)):
        truth = collections.Counter(day.titles)
        rows = by_doc.get(doc_id, loaded_rows.clear()).select("title", "abstract").rows()
        got = collections.Counter(title for title, _ in rows)
        counts["total"] += sum(truth.values())
        counts["loaded"] += sum(min(n, got[title]) for title, n in truth.items())
        counts["wrong_title"] += sum(n for title, n in got.items() if title not in truth)
        for title, abstract in rows:
            if title in truth and abstract is not None:
                owned = {p for unit in page.owned[title] for p in _lines(unit, layout)}
                counts["wrong_abstract"] += not set(_lines(abstract, layout)) <= owned
        for kind, n in page.perturbations.items():
            counts[kind] += n
    return counts


@pytest.mark.parametrize("layout", ["blank_separated", "line_pairs"])
@pytest.mark.parametrize("rate", [0.0, 0.15])
def test_real_text_pages_load_without_a_wrong_title_or_abstract(layout: str, rate: float) -> None:
    counts = score(ALL_DAYS, layout, seed=1, rate=rate)
    assert counts["total"] == ALL_ENTRIES
    assert (counts["wrong_title"], counts["wrong_abstract"]) == (0, 0)
    assert counts["loaded"] / counts["total"] >= MIN_LOADED, counts
    if rate:  # every perturbation really happens, about rate/7 of the entries each
        assert all(counts[kind] >= 40 for kind in PERTURBATIONS), counts


# One perturbation at a time on 20% of the entries (five times the issue's rates, another seed).
# Some pages are ambiguous by shape alone (a real title-shaped summary followed by a note; two
# titles in a row without abstracts, the second a short phrase): a few rows may still go wrong there.
STRESS_MAX_WRONG = 10  # rows, of 3,171 (0.3%)
STRESS_MIN_LOADED = 0.99


@pytest.mark.parametrize(("layout", "kind"), [
    (layout, kind) for layout in ("blank_separated", "line_pairs") for kind in PERTURBATIONS
    if kind != "title_only" and (kind, layout) != ("split_abstract", "line_pairs")  # a line_pairs page has no blank line to split at
])
def test_each_perturbation_alone_on_every_real_day(layout: str, kind: str) -> None:
    counts = score(ALL_DAYS, layout, seed=2, rate=0.2, kinds=(kind,))
    assert counts[kind] >= 500, counts
    assert counts["wrong_title"] + counts["wrong_abstract"] <= STRESS_MAX_WRONG, counts
    assert counts["loaded"] / counts["total"] >= STRESS_MIN_LOADED, counts
    if kind in ("long_line", "control_line"):  # junk lines are never ambiguous
        assert (counts["wrong_title"], counts["wrong_abstract"]) == (0, 0), counts


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
