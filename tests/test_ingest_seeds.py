"""Hand-counted ground truth for the five real digest pages in ``../shared/seeds``.

Every expected value below is a literal worked out by reading the files
(``grep -n``, ``awk`` line/paragraph counts, ``cat -A``), never by running the
project's parser: the parser is checked against the pages, not against itself.
``tests/fixtures/seed_counts.md`` records how each number was counted.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest


from tests.conftest import SEEDS_DIR

if not SEEDS_DIR.is_dir():
    pytest.skip(
        "../shared/seeds not found: the real seed pages are only beside the repo in CI/dev",
        allow_module_level=True,
    )

from pipeline.ingest import ingest_landing  # noqa: E402
from pipeline.ingest.dispatch import parse_text  # noqa: E402


@dataclass(frozen=True)
class SeedPage:
    prefix: str
    layout: str
    n_entries: int
    first_title: str
    last_title: str
    header_date: str | None


# How each n_entries was counted (details in tests/fixtures/seed_counts.md):
# - 000: 153 lines, odd lines non-blank, even lines blank (awk NR%2). 77 non-blank
#   lines = 5 header lines (new / Get trending... / Subscribe / Daily Papers /
#   by AK and the research community, lines 1-9) + 36 title/abstract pairs
#   (titles at lines 11, 15, ..., 151; every title <= 140 chars, every abstract
#   >= 1438 chars).
# - 001: 464 lines, no blank line. Lines 1-2 are the two "Get trending" headers,
#   line 3 is "Subscribe" glued to the first title; lines 3..464 alternate
#   title (odd, <= 123 chars) / abstract (even, >= 519 chars): 462 / 2 = 231.
# - 002: same shape, 394 lines: (394 - 2) / 2 = 196 (titles <= 162 chars,
#   abstracts >= 561 chars).
# - 003: like 000 but the header is new / Get trending... / Subscribe /
#   byAK and the research community / "Mar 12" (lines 1-9, no "Daily Papers"):
#   87 non-blank lines - 5 = 82 = 41 pairs, titles at lines 11..171.
# - 004: 301 non-blank lines = 6 header lines (lines 1-11, ending with "Oct 30")
#   + 59 blocks of 5 non-blank lines (title, abstract, authors-or-org, "·",
#   date), each block 8 lines apart: titles at lines 13, 21, ..., 477.
#   Cross-check: 59 "·" lines (grep -cx '·'), 59 lines longer than 300 chars.
SEED_PAGES = [
    SeedPage(
        "000",
        "blank_separated",
        36,
        "A Critical Review of Recurrent Neural Networks for Sequence Learning",
        "Revisiting the Hypothesis: Do pretrained Transformers Learn In-Context by Gradient Descent?",
        None,
    ),
    SeedPage(
        "001",
        "line_pairs",
        231,
        "Neural Passage Quality Estimation for Static Pruning",
        "Recurrent Drafter for Fast Speculative Decoding in Large Language Models",
        None,
    ),
    SeedPage(
        "002",
        "line_pairs",
        196,
        "Memory-Consistent Neural Networks for Imitation Learning",
        "The Neuro-Symbolic Concept Learner: Interpreting Scenes, Words, and Sentences From Natural Supervision",
        None,
    ),
    SeedPage(
        "003",
        "blank_separated",
        41,
        "Transformer Fusion with Optimal Transport",
        "Low Rank Factorization for Compact Multi-Head Self-Attention",
        "Mar 12",
    ),
    SeedPage(
        "004",
        "annotated",
        59,
        "Deep Learning for Case-Based Reasoning through Prototypes: A Neural Network that Explains Its Predictions",
        "The Tensor Brain: Semantic Decoding for Perception and Memory",
        "Oct 30",
    ),
]

# Sum of the five n_entries: 36 + 231 + 196 + 41 + 59.
TOTAL_MENTIONS = 563
# `sort -u` over the 563 extracted title lines ("Subscribe" prefix removed);
# no page repeats a title of its own (`uniq -d` per page is empty).
DISTINCT_TITLES = 476
# Titles by number of pages they appear on (listed in seed_counts.md):
# 61 titles on more than one page, 45 + 2*8 + 3*6 + 4*2 = 87 = 563 - 476.
TITLES_BY_PAGE_COUNT = {1: 415, 2: 45, 3: 8, 4: 6, 5: 2}

# Page 004 (annotated), from its 59 blocks; positions are (title line - 13) / 8 + 1.
# grep -cE '^  • [0-9]+ authors$' -> 56; the other 3 blocks carry an organization
# line instead (lines 209 "apple Apple", 289 "openbmb OpenBMB", 465 "SakanaAI Sakana AI").
ANNOTATED_WITH_AUTHORS = 56
ANNOTATED_ORG_POSITIONS = [25, 35, 57]
# Date lines followed by a number (lines 155, 211, 227, 267, 291, 315, 323, 419):
# "Dec 11, 2024 1", "Sep 29 2", "May 26 1", "Apr 2 2", "Sep 4, 2024 2",
# "Oct 10, 2024 3", "Apr 17 3", "Jul 10 14".
ANNOTATED_UPVOTES = {18: 1, 25: 2, 27: 1, 32: 2, 35: 2, 38: 3, 39: 3, 51: 14}
# 44 date lines carry ", YYYY" (2015 x3, 2016, 2017 x3, 2019, 2020 x2, 2021,
# 2022 x8, 2023 x12, 2024 x13: none is 2026); the other 15 (positions 13, 15,
# 23, 25, 26, 27, 28, 32, 39, 45, 46, 47, 51, 57, 58) have no year, and all of
# them fall on or before Oct 30, so with snapshot date 2026-10-30 they are 2026.
ANNOTATED_EXPLICIT_YEAR_NOT_2026 = 44
ANNOTATED_SNAPSHOT_DATE = date(2026, 10, 30)

# Landing-file mtime used for the whole-batch ingest: 2026-11-23 12:00 UTC.
MTIME = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def seed_path(prefix: str) -> Path:
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="module")
def annotated() -> pl.DataFrame:
    """Page 004 parsed once with its snapshot date, so year-less dates resolve."""
    text = seed_path("004").read_text(encoding="utf-8")
    return parse_text(text, snapshot_date=ANNOTATED_SNAPSHOT_DATE).entries


def row_at(entries: pl.DataFrame, position: int) -> dict:
    return entries.filter(pl.col("position") == position).row(0, named=True)


@pytest.mark.parametrize("page", SEED_PAGES, ids=lambda p: p.prefix)
def test_seed_page_layout_count_and_titles(page: SeedPage) -> None:
    parsed = parse_text(seed_path(page.prefix).read_text(encoding="utf-8"))
    titles = parsed.entries["title"]
    assert parsed.layout == page.layout
    assert len(parsed.entries) == page.n_entries
    assert titles[0] == page.first_title
    assert titles[-1] == page.last_title
    assert parsed.header_date == page.header_date
    assert parsed.entries["position"].to_list() == list(range(1, page.n_entries + 1))


def test_titles_keep_their_exact_text() -> None:
    """002 line 179 holds a LaTeX escape and line 25 a caret: both are data."""
    entries = parse_text(seed_path("002").read_text(encoding="utf-8")).entries
    # Line L of a line_pairs page holds the title of position (L - 1) / 2.
    assert row_at(entries, 89)["title"] == (
        "xLSTM-UNet can be an Effective 2D \\& 3D Medical Image Segmentation "
        "Backbone with Vision-LSTM (ViL) better than its Mamba Counterpart"
    )
    assert row_at(entries, 12)["title"] == (
        "M^3CoT: A Novel Benchmark for Multi-Domain Multi-step Multi-modal Chain-of-Thought"
    )


def test_annotated_counts(annotated: pl.DataFrame) -> None:
    assert annotated["authors_count"].is_not_null().sum() == ANNOTATED_WITH_AUTHORS
    assert annotated["organization"].is_not_null().sum() == len(ANNOTATED_ORG_POSITIONS)
    assert annotated["upvotes"].is_not_null().sum() == len(ANNOTATED_UPVOTES)
    with_org = annotated.filter(pl.col("organization").is_not_null())
    assert with_org["position"].to_list() == ANNOTATED_ORG_POSITIONS
    # The line is "<handle> <display name>"; the display name is stored, as the API's `fullname`.
    assert with_org["organization"].to_list() == ["Apple", "OpenBMB", "Sakana AI"]
    assert with_org["authors_count"].null_count() == len(ANNOTATED_ORG_POSITIONS)
    with_upvotes = annotated.filter(pl.col("upvotes").is_not_null())
    assert dict(with_upvotes.select("position", "upvotes").iter_rows()) == ANNOTATED_UPVOTES


def test_annotated_publication_dates(annotated: pl.DataFrame) -> None:
    published = annotated["published_on"]
    assert published.null_count() == 0
    assert (published.dt.year() != 2026).sum() == ANNOTATED_EXPLICIT_YEAR_NOT_2026
    # Lines 19 "Oct 13, 2017" (pos 1), 115 "Oct 6" (pos 13), 155 "Dec 11, 2024 1"
    # (pos 18), 211 "Sep 29 2" (pos 25), 419 "Jul 10 14" (pos 51), 467 "May 8" (pos 57).
    expected = {
        1: date(2017, 10, 13),
        13: date(2026, 10, 6),
        18: date(2024, 12, 11),
        25: date(2026, 9, 29),
        51: date(2026, 7, 10),
        57: date(2026, 5, 8),
    }
    assert {pos: row_at(annotated, pos)["published_on"] for pos in expected} == expected


def test_annotated_single_entries(annotated: pl.DataFrame) -> None:
    # Lines 13-19: title, abstract, "  • 4 authors", "·", "Oct 13, 2017".
    first = row_at(annotated, 1)
    assert (first["authors_count"], first["organization"], first["upvotes"]) == (4, None, None)
    # Lines 149-155: "Large Concept Models...", "  • 21 authors", "Dec 11, 2024 1".
    large = row_at(annotated, 18)
    assert large["title"] == "Large Concept Models: Language Modeling in a Sentence Representation Space"
    assert (large["authors_count"], large["upvotes"]) == (21, 1)
    # Lines 461-467: "Continuous Thought Machines", "SakanaAI Sakana AI", "May 8".
    ctm = row_at(annotated, 57)
    assert ctm["title"] == "Continuous Thought Machines"
    assert ctm["authors_count"] is None and ctm["upvotes"] is None
    assert annotated["arxiv_id"].null_count() == len(annotated)


@pytest.fixture(scope="module")
def seed_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All five pages, names kept, mtime 2026-11-23 12:00 UTC, ingested once."""
    world = tmp_path_factory.mktemp("seed_world")
    with pytest.MonkeyPatch.context() as mp:
        for var, rel in {
            "PAPERTRENDS_LANDING_DIR": "landing",
            "PAPERTRENDS_WAREHOUSE": "warehouse.duckdb",
            "PAPERTRENDS_ANALYTICS": "analytics.duckdb",
            "PAPERTRENDS_REPORT_DIR": "reports",
        }.items():
            mp.setenv(var, str(world / rel))
        landing = world / "landing"
        landing.mkdir()
        for page in SEED_PAGES:
            source = seed_path(page.prefix)
            target = landing / source.name
            shutil.copyfile(source, target)
            os.utime(target, (MTIME.timestamp(), MTIME.timestamp()))
        ingest_landing(landing, world / "warehouse.duckdb")
    return world / "warehouse.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_seed_batch_mentions_and_titles(seed_warehouse: Path) -> None:
    # Nothing on the five pages breaks an issue-3 rule: no control characters
    # (grep -P '[\x00-\x08\x0b-\x1f\x7f]' finds none), longest title 162 chars,
    # shortest abstract 519 chars, authors counts 1..21, dates 2015..2026-10-06.
    assert query(seed_warehouse, "SELECT count(*) FROM raw.rejected_mentions") == [(0,)]
    assert query(seed_warehouse, "SELECT count(*) FROM raw.rejected_files") == [(0,)]
    assert query(seed_warehouse, "SELECT count(*) FROM raw.paper_mentions") == [(TOTAL_MENTIONS,)]
    assert query(seed_warehouse, "SELECT count(DISTINCT title) FROM raw.paper_mentions") == [
        (DISTINCT_TITLES,)
    ]
    by_pages = query(
        seed_warehouse,
        """SELECT n_pages, count(*) FROM (
               SELECT title, count(DISTINCT snapshot_id) AS n_pages
               FROM raw.paper_mentions GROUP BY title)
           GROUP BY n_pages ORDER BY n_pages""",
    )
    assert dict(by_pages) == TITLES_BY_PAGE_COUNT
    assert query(seed_warehouse, "SELECT count(arxiv_id) FROM raw.paper_mentions") == [(0,)]


def test_seed_batch_snapshots(seed_warehouse: Path) -> None:
    rows = query(
        seed_warehouse,
        """SELECT s.file_name, s.layout, s.snapshot_date, s.snapshot_date_source,
                  s.n_entries, count(m.position), max(m.position)
           FROM raw.snapshots s JOIN raw.paper_mentions m USING (snapshot_id)
           GROUP BY ALL ORDER BY s.file_name""",
    )
    mtime_day = date(2026, 11, 23)
    # 003's "Mar 12" and 004's "Oct 30" resolve to the latest such date not
    # after the mtime 2026-11-23; the other three pages have no date at all.
    expected_dates = {
        "000": (mtime_day, "mtime"),
        "001": (mtime_day, "mtime"),
        "002": (mtime_day, "mtime"),
        "003": (date(2026, 3, 12), "header"),
        "004": (date(2026, 10, 30), "header"),
    }
    assert rows == [
        (
            seed_path(p.prefix).name,
            p.layout,
            *expected_dates[p.prefix],
            p.n_entries,
            p.n_entries,
            p.n_entries,
        )
        for p in SEED_PAGES
    ]
