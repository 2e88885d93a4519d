"""Emerging terms on the 118 real days of ``../shared/real`` (2025-12-04 .. 2026-03-31), judged by hand.

Every term that term_trends flags, at either grain in any period, must be in
VERDICTS with a verdict written by a person reading the term and its papers:
True for a term of art (a name an analyst would put in a newsletter), False
otherwise. At least 90% must be terms of art, and no flagged term may be part
of another flagged term of the same period (a fragment beside its phrase).
A new flag after a rule change fails the test until someone judges it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REAL, REAL_DAYS
from tests.fixtures.dbt.world import query

pytestmark = pytest.mark.skipif(len(REAL_DAYS) != 118, reason=f"the 118 real days not found in {REAL} (shared data absent)")

# Hand verdicts (term of art?), with why; checked against the papers that carry each term.
VERDICTS = {
    # February 2026 (month): 32 papers vs 11.4 expected; "test-time scaling / training / adaptation"
    "test-time": True,
    # February 2026 (month): 6 papers vs 0.4 expected; data-efficient RL / training: an ML compound
    "data-efficient": True,
}


@pytest.fixture(scope="module")
def flagged(real_days_warehouse: Path) -> list[tuple]:
    rows = query(real_days_warehouse, "SELECT grain, period_start, term, n_papers, emerging_reason FROM marts.term_trends "
                            "WHERE is_emerging ORDER BY grain, period_start, term")
    print("flagged on the real days:", *rows, sep="\n  ")
    return rows


def part_of(a: str, b: str) -> bool:
    """``a``'s words (hyphen parts too) appear in a row in the longer term ``b``."""
    return len(b) > len(a) and f" {a.replace('-', ' ')} " in f" {b.replace('-', ' ')} "


def test_every_flagged_term_is_judged_and_90_percent_are_terms_of_art(flagged: list[tuple]) -> None:
    terms = {row[2] for row in flagged}
    assert terms, "nothing flagged in 17 weeks"
    assert terms <= set(VERDICTS), f"judge these by hand: {sorted(terms - set(VERDICTS))}"
    good = sum(VERDICTS[t] for t in terms)
    assert good / len(terms) >= 0.9, [t for t in terms if not VERDICTS[t]]


def test_no_fragment_is_flagged_beside_its_phrase(flagged: list[tuple]) -> None:
    by_period: dict[tuple, list[str]] = {}
    for grain, start, term, *_ in flagged:
        by_period.setdefault((grain, start), []).append(term)
    pairs = [(a, b) for terms in by_period.values() for a in terms for b in terms if part_of(a, b)]
    assert pairs == []


def test_reasons_say_the_count_the_expected_count_and_the_period(flagged: list[tuple]) -> None:
    for grain, start, term, n, reason in flagged:
        assert reason.startswith(f"{n} papers in the {grain} of {start}") or reason.startswith("climbing since"), reason
        assert "expected" in reason or "share" in reason, reason


def test_part_of_reads_words_and_hyphen_parts() -> None:
    assert part_of("distillation", "self-distillation") and part_of("large language", "large language model")
    assert not part_of("model", "modeling") and not part_of("flow", "flow")
