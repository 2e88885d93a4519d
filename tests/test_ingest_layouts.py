"""Each layout parser on a small hand-written page: exact entries and fields."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.ingest.dispatch import FileRejected, detect_layout, parse_text
from tests import pages


def test_blank_separated_page() -> None:
    page = parse_text(pages.BLANK_SEPARATED, date(2026, 11, 20))
    assert page.layout == "blank_separated"
    assert page.header_date == "Nov 18"
    assert page.entries["title"].to_list() == [
        "Alpha Models Learn Fast", "Beta \\& Friends: Two Ideas", "Gamma Networks for Long Contexts",
    ]
    assert page.entries["position"].to_list() == [1, 2, 3]
    assert page.entries["abstract"].to_list() == [pages.ABSTRACT_A, pages.ABSTRACT_B, pages.ABSTRACT_C]
    assert page.entries["authors_count"].null_count() == 3


def test_line_pairs_page_strips_glued_subscribe() -> None:
    page = parse_text(pages.LINE_PAIRS)
    assert page.layout == "line_pairs"
    assert page.header_date is None
    assert page.entries["title"].to_list() == ["Alpha Models Learn Fast", "Über-Beta: Unicode Titles Stay"]
    assert page.entries["abstract"].to_list() == [pages.ABSTRACT_A, pages.ABSTRACT_B]


def test_annotated_page_fields() -> None:
    page = parse_text(pages.ANNOTATED, date(2026, 10, 30))
    assert page.layout == "annotated"
    assert page.header_date == "Oct 30"
    rows = page.entries.select("title", "authors_count", "organization", "published_on", "upvotes").rows()
    assert rows == [
        ("Alpha Models Learn Fast", 4, None, date(2017, 10, 13), None),
        # "Sep 29 2": no year -> the latest Sep 29 not after the snapshot date; 2 upvotes.
        ("Beta \\& Friends: Two Ideas", None, "Sakana AI", date(2026, 9, 29), 2),
        ("Gamma Networks for Long Contexts", 1, None, date(2024, 12, 11), 7),
    ]


def test_year_less_publication_date_after_snapshot_day_is_last_year() -> None:
    page = parse_text(pages.ANNOTATED, date(2026, 9, 1))
    assert page.entries["published_on"][1] == date(2025, 9, 29)


def test_year_less_feb_29_resolves_to_the_latest_leap_year() -> None:
    page_text = pages.ANNOTATED.replace("Sep 29 2", "Feb 29 2")
    # Snapshot 2026-03-10: Feb 29 did not exist in 2026 or 2025, so the latest one is 2024-02-29.
    assert parse_text(page_text, date(2026, 3, 10)).entries["published_on"][1] == date(2024, 2, 29)


def test_arxiv_prefix_is_dropped_and_old_style_ids_pass() -> None:
    import json

    items = [pages.api_item("arXiv:2611.01234", "Alpha", pages.ABSTRACT_A), pages.api_item("math.GT/0309136", "Beta", pages.ABSTRACT_B)]
    page = parse_text(json.dumps(items))
    assert page.entries["arxiv_id"].to_list() == ["2611.01234", "math.GT/0309136"]


def test_hf_api_json_page() -> None:
    page = parse_text(pages.HF_API_JSON)
    assert page.layout == "hf_api_json"
    assert page.api_date == date(2026, 11, 19)
    rows = page.entries.select("position", "title", "arxiv_id", "authors_count", "upvotes", "organization", "published_on").rows()
    assert rows == [
        (1, "Alpha Models Learn Fast", "2611.01234", 2, 3, "Acme Labs", date(2026, 11, 17)),
        (2, "Beta & Friends: Two Ideas", "2611.05678", 5, 12, None, date(2026, 11, 17)),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty file"),
        ("   \n\n  ", "empty file"),
        ("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML page"),
        ('[{"paper": {"id": "2611.01234", "title": "Trunc', "invalid or truncated JSON"),
        ('{"error": "rate limited"}', "JSON is a dict"),
        ("[1, 2, 3]", "non-object items"),
        ("just one line", "unknown layout"),
    ],
)
def test_unusable_documents_are_rejected_with_reason(text: str, reason: str) -> None:
    with pytest.raises(FileRejected, match=reason):
        parse_text(text)


def test_layout_is_detected_from_content_not_name() -> None:
    assert [detect_layout(t) for t in (pages.BLANK_SEPARATED, pages.LINE_PAIRS, pages.ANNOTATED, pages.HF_API_JSON)] == [
        "blank_separated", "line_pairs", "annotated", "hf_api_json",
    ]


def test_header_lines_with_odd_spacing_are_not_papers() -> None:
    text = "new\n\nGet trending papers in your email inbox once a day!\n\nSubscribe\n\nbyAK and the research community\n\n" \
        "Alpha Models Learn Fast\n\n" + pages.ABSTRACT_A + "\n\nDaily  Papers\n\n"
    page = parse_text(text)
    assert page.entries["title"].to_list() == ["Alpha Models Learn Fast"]


# Issue 20, worked out by hand: a note after an abstract, a lonely title before a complete
# entry, a title-shaped summary phrase, and a 5,000-character line without spaces.
MESSY_UNITS = [
    "Alpha Models Learn Fast", pages.ABSTRACT_A, "Code and models: see the project page.",
    "Lonely Title Without Any Abstract",
    "Beta Networks for Long Contexts", pages.ABSTRACT_B,
    "Gamma Ideas in Practice", "ICLR 2026",
    "Delta Methods for Testing", pages.ABSTRACT_C,
    "x" * 5000,
    "Epsilon Final Paper", pages.ABSTRACT_A,
]


@pytest.mark.parametrize(("layout", "text", "sep"), [
    ("blank_separated", pages.HEADER + "\n\n".join(MESSY_UNITS) + "\n", "\n\n"),
    ("line_pairs", "Get trending papers in your email inbox!\nSubscribe" + "\n".join(MESSY_UNITS) + "\n", "\n"),
])
def test_notes_lonely_titles_summary_phrases_and_junk_lines(layout: str, text: str, sep: str) -> None:
    page = parse_text(text, include_unpaired=True)
    assert page.layout == layout
    rows = page.entries.select("position", "title", "abstract", "reject_reason").rows()
    assert rows == [
        # the note ends with a full stop and opens like one: it stays with the abstract above
        (1, "Alpha Models Learn Fast", pages.ABSTRACT_A + sep + "Code and models: see the project page.", None),
        # of two title-shaped paragraphs before one abstract, the nearer takes it
        (2, "Lonely Title Without Any Abstract", None, None),
        (3, "Beta Networks for Long Contexts", pages.ABSTRACT_B, None),
        # a one-word phrase where the summary belongs is the summary, not a paper
        (4, "Gamma Ideas in Practice", "ICLR 2026", None),
        (5, "Delta Methods for Testing", pages.ABSTRACT_C, None),
        (6, None, None, "no white space in a line of 5000 characters: neither a title nor an abstract"),
        (7, "Epsilon Final Paper", pages.ABSTRACT_A, None),
    ]
    issues = {(pos, e["reason"]): e["raw_value"] for pos, errors in page.entries.select("position", "field_errors").rows() for e in errors}
    assert issues == {
        (1, "abstract joined from 2 paragraphs"): "Code and models: see the project page.",
        (4, "summary shaped like a title, kept as the summary"): "ICLR 2026",
    }


# The shape the 2.1 parser lost from the generated pages: a lower-cased question title
# ("? evidence"), first on the page (glued to "Subscribe" in line_pairs) and after an
# abstract, and a real lower-case summary with "? this" that must stay a summary.
LONG_A = pages.ABSTRACT_A + " Experiments on nine public datasets show gains of four points over strong baselines at half the cost."
LONG_A += " We further study how performance changes with model width and report the trends we observe."
LONG_A += " These results suggest that errors concentrate on a small set of hard examples."
LONG_B = pages.ABSTRACT_B + " Ablations confirm that each component contributes to the final result on every one of the twelve suites."
LONG_B += " We release code, trained checkpoints and evaluation scripts to support future work."
LONG_B += " Our analysis shows that careful normalization matters more than model size."
QUESTION_1 = "does alpha pruning need stochastic rounding? evidence  from protein sequences"
QUESTION_2 = "do fast recommender systems need spectral normalization? evidence from edge devices"
LOWER_SUMMARY = "not sure which to choose: x0 prediction or velocity prediction? this paper provides a universal solution"
QUESTION_UNITS = [QUESTION_1, LONG_A, "Delta Models Learn Fast", LOWER_SUMMARY, "Epsilon Final Paper", LONG_B, QUESTION_2, LONG_A]


@pytest.mark.parametrize(("layout", "text"), [
    ("blank_separated", pages.HEADER + "\n\n".join(QUESTION_UNITS) + "\n"),
    ("line_pairs", "Get trending papers in your email inbox!\nSubscribe" + "\n".join(QUESTION_UNITS) + "\n"),
])
def test_lower_cased_question_title_is_a_title_and_a_lower_case_summary_stays_one(layout: str, text: str) -> None:
    assert min(len(LONG_A), len(LONG_B)) > 300  # abstracts of real length, not one-line notes
    page = parse_text(text, include_unpaired=True)
    assert page.layout == layout
    assert page.entries.select("position", "title", "abstract", "reject_reason").rows() == [
        (1, QUESTION_1, LONG_A, None),
        # two title-shaped lines, then the abstract: it goes with the nearer one, the summary with the first
        (2, "Delta Models Learn Fast", LOWER_SUMMARY, None),
        (3, "Epsilon Final Paper", LONG_B, None),
        (4, QUESTION_2, LONG_A, None),
    ]
