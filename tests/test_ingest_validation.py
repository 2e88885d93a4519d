"""Entry policy: only entries without a usable title are rejected; poor fields become field issues."""

from __future__ import annotations

import json

import duckdb

from pipeline.ingest import ingest_landing
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file

GOOD = "A Perfectly Normal Paper"
TEXT_PAGE = (
    pages.HEADER
    + GOOD + "\n\n" + pages.ABSTRACT_A + "\n\n"                               # 1 loads
    + "Bell\x07Character in Title\n\n" + pages.ABSTRACT_C + "\n\n"           # 2 rejected: control character
    + "Short Abstract Paper\n\n" + "Too short.\n\n"                          # 3 loads, abstract issue
    + "Same As Its Title Paper\n\n" + "Same As Its Title Paper\n\n"          # 4 loads, abstract == title
    + "Dangling Title Without Abstract\n"                                    # 5 loads, abstract missing
)
ANNOTATED_PAGE = (
    pages.HEADER
    + GOOD + " II\n\n" + pages.ABSTRACT_A + "\n\n  • 0 authors\n·\nOct 13, 2017\n\n"
    + "Ancient Paper\n\n" + pages.ABSTRACT_B + "\n\n  • 3 authors\n·\nJan 5, 1985\n\n"
    + "Paper From The Future\n\n" + pages.ABSTRACT_C + "\n\n  • 3 authors\n·\nDec 1, 2026\n\n"
    + "Fine Annotated Paper\n\n" + pages.ABSTRACT_C + "\n\n  • 2 authors\n·\nNov 2\n\n"
    + "Impossible Day Paper\n\n" + pages.ABSTRACT_C + "\n\n  • 2 authors\n·\nFeb 30, 2017\n"
)
THREE_SENTENCES = f"{pages.ABSTRACT_A} {pages.ABSTRACT_B} {pages.ABSTRACT_C}"
API_ITEMS = [
    pages.api_item("2611.00001", "Negative Votes", pages.ABSTRACT_A, upvotes=-4),
    pages.api_item("not-an-id", "Malformed Identifier", pages.ABSTRACT_B),
    pages.api_item("2611.00003", "", pages.ABSTRACT_C),
    pages.api_item("2611.00004", "No Authors Listed", pages.ABSTRACT_C, authors=0),
    pages.api_item("2611.00005", "Good API Paper", pages.ABSTRACT_C, upvotes=0),
    pages.api_item("2611.00006", "Overflowing Votes", pages.ABSTRACT_C, upvotes=10**23),
    pages.api_item("2611.00007", "Fractional Votes", pages.ABSTRACT_C, upvotes=3.5),
    pages.api_item("2611.00008", "Votes As Text", pages.ABSTRACT_C, upvotes="12"),
    pages.api_item("2611.00009", "Empty Summary", ""),
    pages.api_item("2611.00010", "Missing Summary", None),
    pages.api_item("2611.00011", THREE_SENTENCES, pages.ABSTRACT_C),
    pages.api_item("2611.00012", "Long " * 120, pages.ABSTRACT_C),
]
API_PAGE = json.dumps(API_ITEMS)

# (file, position) -> a fragment of the reason: only entries without a usable title.
EXPECTED_REJECTIONS = {
    ("2026-11-20.txt", 2): "title: no_control_characters",
    ("2026-11-20.json", 3): "title: str_length(1, 500)",
    ("2026-11-20.json", 11): "title: not_shaped_like_an_abstract",
    ("2026-11-20.json", 12): "title: str_length(1, 500)",
}
# (file, position, field, raw value, reason): worked out from the pages above.
EXPECTED_ISSUES = {
    ("2026-11-20.txt", 3, "abstract", "Too short.", "str_length(20, None)"),
    ("2026-11-20.txt", 4, "abstract", "Same As Its Title Paper", "abstract_differs_from_title"),
    ("2026-11-20.txt", 5, "abstract", None, "missing"),
    ("2026-11-20-annotated.txt", 1, "authors_count", "0", "greater_than_or_equal_to(1)"),
    ("2026-11-20-annotated.txt", 2, "published_on", "1985-01-05", "greater_than_or_equal_to(1990-01-01)"),
    ("2026-11-20-annotated.txt", 3, "published_on", "2026-12-01", "published_on_not_after_snapshot_date"),
    ("2026-11-20-annotated.txt", 5, "published_on", "2017-2-30", "impossible publication date"),
    ("2026-11-20.json", 1, "upvotes", "-4", "in_range(0, 10000000)"),
    ("2026-11-20.json", 2, "arxiv_id", "not-an-id", "arxiv_id_format"),
    ("2026-11-20.json", 4, "authors_count", "0", "greater_than_or_equal_to(1)"),
    ("2026-11-20.json", 6, "upvotes", "100000000000000000000000", "too large"),
    ("2026-11-20.json", 7, "upvotes", "3.5", "not an integer"),
    ("2026-11-20.json", 8, "upvotes", "12", "not an integer"),
    ("2026-11-20.json", 9, "abstract", "", "str_length(20, None)"),
    ("2026-11-20.json", 10, "abstract", None, "missing"),
}


def test_only_titleless_entries_are_rejected_and_poor_fields_become_issues(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-20.txt", TEXT_PAGE)
    write_file(world.landing_dir / "2026-11-20-annotated.txt", ANNOTATED_PAGE)
    write_file(world.landing_dir / "2026-11-20.json", API_PAGE)
    summary = ingest_landing(world.landing_dir, world.warehouse)
    # 5 + 5 + 12 entries; only 1 + 0 + 3 have no usable title.
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.mentions_rejected) == (3, 18, 4)
    assert summary.field_issues == len(EXPECTED_ISSUES)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        rejected = con.execute(
            "SELECT s.file_name, r.position, r.reason, r.raw_text FROM raw.rejected_mentions r JOIN raw.snapshots s USING (snapshot_id)"
        ).fetchall()
        issues = con.execute(
            "SELECT s.file_name, i.position, i.field, i.raw_value, i.reason FROM raw.field_issues i JOIN raw.snapshots s USING (snapshot_id)"
        ).fetchall()
        per_file = con.execute("SELECT file_name, n_entries, n_rejected, n_field_issues FROM raw.snapshots ORDER BY 1").fetchall()
        fields = dict(
            ((f, p), row) for f, p, *row in con.execute(
                """SELECT s.file_name, m.position, m.abstract, m.authors_count, m.published_on, m.upvotes, m.arxiv_id
                   FROM raw.paper_mentions m JOIN raw.snapshots s USING (snapshot_id)"""
            ).fetchall()
        )
    assert per_file == [("2026-11-20-annotated.txt", 5, 0, 4), ("2026-11-20.json", 9, 3, 8), ("2026-11-20.txt", 4, 1, 3)]
    found = {(f, p): reason for f, p, reason, _ in rejected}
    assert set(found) == set(EXPECTED_REJECTIONS)
    for key, fragment in EXPECTED_REJECTIONS.items():
        assert fragment in found[key], (key, found[key])
    assert {(f, p, field, raw) for f, p, field, raw, _ in issues} == {k[:4] for k in EXPECTED_ISSUES}
    for f, p, field, raw, reason in EXPECTED_ISSUES:
        assert any(i[:4] == (f, p, field, raw) and reason in i[4] for i in issues), (f, p, field, reason)
    # Failed optional fields are null; the abstract is kept as given; upvotes 0 stay 0.
    assert fields[("2026-11-20.json", 1)][3] is None and fields[("2026-11-20.json", 2)][4] is None
    assert fields[("2026-11-20.json", 5)][3] == 0
    assert fields[("2026-11-20.json", 9)][0] == "" and fields[("2026-11-20.json", 10)][0] is None
    assert fields[("2026-11-20.txt", 3)][0] == "Too short."
    assert fields[("2026-11-20-annotated.txt", 1)][1] is None
    assert fields[("2026-11-20-annotated.txt", 4)][2].isoformat() == "2026-11-02"
    # The API item exactly as received, fields the parser ignores included.
    raw_texts = {(f, p): text for f, p, _, text in rejected}
    assert json.loads(raw_texts[("2026-11-20.json", 11)]) == API_ITEMS[10]


def test_lonely_title_summary_phrase_and_junk_line_reach_the_warehouse_with_reasons(world: Settings) -> None:
    """Issue 20's page (tests/test_ingest_layouts.py) through the loader: 6 papers, 1 rejected line, 4 field issues."""
    from tests.test_ingest_layouts import MESSY_UNITS

    write_file(world.landing_dir / "2026-11-20.txt", pages.HEADER + "\n\n".join(MESSY_UNITS) + "\n")
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.mentions_rejected, summary.field_issues) == (1, 6, 1, 4)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        issues = con.execute("SELECT position, field, raw_value, reason FROM raw.field_issues ORDER BY ALL").fetchall()
        rejected = con.execute("SELECT position, length(raw_text), reason FROM raw.rejected_mentions").fetchall()
    assert issues == [
        (1, "abstract", "Code and models: see the project page.", "abstract joined from 2 paragraphs"),
        (2, "abstract", None, "missing"),
        (4, "abstract", "ICLR 2026", "str_length(20, None)"),
        (4, "abstract", "ICLR 2026", "summary shaped like a title, kept as the summary"),
    ]
    assert rejected == [(6, 5000, "no white space in a line of 5000 characters: neither a title nor an abstract")]
