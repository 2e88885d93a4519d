"""Entry-level validation: each bad entry is recorded with Pandera's reason, the rest loads."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl

from pipeline.ingest import ingest_landing
from pipeline.schemas import MENTIONS, split_valid
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file

GOOD = "A Perfectly Normal Paper"
TEXT_PAGE = (
    pages.HEADER
    + GOOD + "\n\n" + pages.ABSTRACT_A + "\n\n"
    + ("Very Long Title " * 40).strip() + "\n\n" + pages.ABSTRACT_B + "\n\n"  # 639 characters
    + "Bell\x07Character in Title\n\n" + pages.ABSTRACT_C + "\n\n"
    + "Short Abstract Paper\n\n" + "Too short.\n\n"
    + "Dangling Title Without Abstract\n"
)
ANNOTATED_PAGE = (
    pages.HEADER
    + GOOD + " II\n\n" + pages.ABSTRACT_A + "\n\n  • 0 authors\n·\nOct 13, 2017\n\n"
    + "Ancient Paper\n\n" + pages.ABSTRACT_B + "\n\n  • 3 authors\n·\nJan 5, 1985\n\n"
    + "Paper From The Future\n\n" + pages.ABSTRACT_C + "\n\n  • 3 authors\n·\nDec 1, 2026\n\n"
    + "Fine Annotated Paper\n\n" + pages.ABSTRACT_C + "\n\n  • 2 authors\n·\nNov 2\n\n"
    + "Impossible Day Paper\n\n" + pages.ABSTRACT_C + "\n\n  • 2 authors\n·\nFeb 30, 2017\n"
)
API_PAGE = json.dumps(
    [
        pages.api_item("2611.00001", "Negative Votes", pages.ABSTRACT_A, upvotes=-4),
        pages.api_item("not-an-id", "Malformed Identifier", pages.ABSTRACT_B),
        pages.api_item("2611.00003", "", pages.ABSTRACT_C),
        pages.api_item("2611.00004", "No Authors Listed", pages.ABSTRACT_C, authors=0),
        pages.api_item("2611.00005", "Good API Paper", pages.ABSTRACT_C),
    ]
)

# (file, position) -> a fragment of the reason Pandera reports for it.
EXPECTED_REJECTIONS = {
    ("2026-11-20.txt", 2): "title: str_length(1, 500)",
    ("2026-11-20.txt", 3): "title: str_matches",
    ("2026-11-20.txt", 4): "abstract: str_length(20, None) failed for Too short.",
    ("2026-11-20.txt", 5): "abstract: not_nullable",
    ("2026-11-20-annotated.txt", 1): "authors_count: greater_than_or_equal_to(1) failed for 0",
    ("2026-11-20-annotated.txt", 2): "published_on: greater_than_or_equal_to(1990-01-01)",
    ("2026-11-20-annotated.txt", 3): "published_on_not_after_snapshot_date",
    ("2026-11-20-annotated.txt", 5): "parse_error: parsed_cleanly failed for impossible publication date: 2017-2-30",
    ("2026-11-20.json", 1): "upvotes: greater_than_or_equal_to(0) failed for -4",
    ("2026-11-20.json", 2): "arxiv_id: str_matches",
    ("2026-11-20.json", 3): "title: str_length(1, 500)",
    ("2026-11-20.json", 4): "authors_count: greater_than_or_equal_to(1) failed for 0",
}


def test_bad_entries_are_rejected_with_reasons_and_the_rest_loads(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-20.txt", TEXT_PAGE)
    write_file(world.landing_dir / "2026-11-20-annotated.txt", ANNOTATED_PAGE)
    write_file(world.landing_dir / "2026-11-20.json", API_PAGE)
    summary = ingest_landing(world.landing_dir, world.warehouse)
    # 5 + 5 + 5 entries found; 4 + 4 + 4 of them are bad.
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.mentions_rejected) == (3, 3, 12)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        loaded = con.execute("SELECT title FROM raw.paper_mentions ORDER BY title").fetchall()
        rejected = con.execute(
            "SELECT s.file_name, r.position, r.reason, r.raw_text FROM raw.rejected_mentions r JOIN raw.snapshots s USING (snapshot_id)"
        ).fetchall()
        per_file = con.execute("SELECT file_name, n_entries, n_rejected FROM raw.snapshots ORDER BY 1").fetchall()
    assert loaded == [(GOOD,), ("Fine Annotated Paper",), ("Good API Paper",)]
    assert per_file == [("2026-11-20-annotated.txt", 5, 4), ("2026-11-20.json", 5, 4), ("2026-11-20.txt", 5, 4)]
    found = {(f, p): reason for f, p, reason, _ in rejected}
    assert set(found) == set(EXPECTED_REJECTIONS)
    for key, fragment in EXPECTED_REJECTIONS.items():
        assert fragment in found[key], (key, found[key])
    raw_texts = {(f, p): text for f, p, _, text in rejected}
    assert raw_texts[("2026-11-20.txt", 4)] == "Short Abstract Paper\n\nToo short."
    # The API item exactly as received, fields the parser ignores included.
    assert json.loads(raw_texts[("2026-11-20.json", 2)]) == json.loads(API_PAGE)[1]


def test_duplicate_positions_are_rejected() -> None:
    frame = pl.DataFrame(
        {
            "snapshot_id": ["a" * 64] * 3, "snapshot_date": [date(2026, 11, 20)] * 3,
            "position": [1, 2, 2], "title": ["One", "Two", "Three"], "abstract": [pages.ABSTRACT_A] * 3,
            "authors_count": [None] * 3, "organization": [None] * 3, "published_on": [None] * 3,
            "upvotes": [None] * 3, "arxiv_id": [None] * 3, "parse_error": [None] * 3,
        },
        schema={name: col.dtype.type for name, col in MENTIONS.columns.items()},
    )
    valid, reasons = split_valid(frame)
    assert valid["title"].to_list() == ["One"]
    assert reasons.sort("row").rows() == [(1, "multiple_fields_uniqueness"), (2, "multiple_fields_uniqueness")]
