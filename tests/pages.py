"""Small hand-written snapshot pages, one per layout, for exact-count tests."""

from __future__ import annotations

import json

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nby AK and the research community\n\n"
ABSTRACT_A = "We study alpha models and show they learn quickly on small data."
ABSTRACT_B = "Beta methods combine two ideas and outperform strong baselines."
ABSTRACT_C = "Gamma networks scale to long contexts with linear memory cost."

# 3 entries, header date line "Nov 18"; the second title keeps its LaTeX escape.
BLANK_SEPARATED = (
    HEADER + "Nov 18\n\n"
    "Alpha Models Learn Fast\n\n" + ABSTRACT_A + "\n\n"
    "Beta \\& Friends: Two Ideas\n\n" + ABSTRACT_B + "\n\n"
    "Gamma Networks for Long Contexts\n\n" + ABSTRACT_C + "\n"
)

# 2 entries, "Subscribe" glued to the first title, no blank lines.
LINE_PAIRS = (
    "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n"
    "SubscribeAlpha Models Learn Fast\n" + ABSTRACT_A + "\n"
    "Über-Beta: Unicode Titles Stay\n" + ABSTRACT_B + "\n"
)

# 3 entries: authors + explicit year; organization + year-less date + upvotes; authors + year + upvotes.
ANNOTATED = (
    HEADER + "Oct 30\n\n"
    "Alpha Models Learn Fast\n\n" + ABSTRACT_A + "\n\n  • 4 authors\n·\nOct 13, 2017\n\n"
    "Beta \\& Friends: Two Ideas\n\n" + ABSTRACT_B + "\n\nsakana Sakana AI\n·\nSep 29 2\n\n"
    "Gamma Networks for Long Contexts\n\n" + ABSTRACT_C + "\n\n  • 1 author\n·\nDec 11, 2024 7\n"
)


def api_item(arxiv_id: str, title: str, summary: str, *, upvotes: int = 3, authors: int = 2,
             published: str = "2026-11-17T10:00:00.000Z", featured: str = "2026-11-19T08:00:00.000Z",
             organization: dict | None = None) -> dict:
    item = {
        "paper": {
            "id": arxiv_id, "title": title, "summary": summary, "upvotes": upvotes,
            "authors": [{"name": f"Author {i}", "hidden": False} for i in range(authors)],
            "publishedAt": published, "ai_keywords": ["ignored"],
        },
        "title": title, "publishedAt": featured, "numComments": 1, "thumbnail": "ignored",
    }
    if organization:
        item["organization"] = organization
    return item


API_ITEMS = [
    api_item("2611.01234", "Alpha Models Learn Fast", ABSTRACT_A, organization={"name": "acme", "fullname": "Acme Labs"}),
    api_item("2611.05678", "Beta & Friends: Two Ideas", ABSTRACT_B, upvotes=12, authors=5),
]
HF_API_JSON = json.dumps(API_ITEMS)
