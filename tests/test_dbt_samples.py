"""dbt marts on the generated sample snapshots: planted trends, dedup truth, incremental runs.

``pipeline.samples.generate`` writes 150 daily pages (2026-06-24 .. 2026-11-20)
in all four layouts and returns the truth behind them. The planted topic
``state_space_models`` rises from 5% to 35% of each day's entries over the last
21 days; ``graph_neural_networks`` stays at 10%. The world is built the way
the daily job runs: 149 days, then one more day as an incremental run, then a
rerun without new data; a copy of the same warehouse is rebuilt with
``--full-refresh`` to check that incremental models give the same marts. That
world is built once per session (tests/conftest.py ``samples_world``):
test_report publishes it and checks the report on it.

The planted term ``Glimmerflow`` (an invented method name) is absent until
2026-10-30 and then names a growing share of the new titles: it must emerge
in the last complete week (2026-11-09 .. 11-15; the week of 11-16 is still
running on Friday 11-20), uncovered by any topic. When ``../shared/real`` is
present, its 118 real API days (built once per session, tests/conftest.py)
check the term rules on real titles.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.samples import PLANTED_TERM, SLOW_TERM, slow_term_share, title_key
from pipeline.settings import DBT_PROJECT_DIR
from tests.conftest import SAMPLES_END as END
from tests.conftest import SamplesWorld
from tests.fixtures.dbt.world import mart_rows, query

RISING, FLAT = "state_space_models", "graph_neural_networks"
# ISO weeks (Mondays) touched by the 21-day rise that starts on 2026-10-30.
LAST_WEEKS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
LAST_COMPLETE_WEEK = date(2026, 11, 9)  # END is a Friday: its own week is still running
# Function words that must never be (or start or end) a term, written here independently of the seed
# term_stopwords; plus every word of that seed, which is the project's own list.
FUNCTION_WORDS = set("""
    a an the of for and or nor but in on at to from by with via into onto over under about as is are be been
    was were do does did not no this that these those it its we our you your their they them than then so
    if when why how what which who where while towards toward through between among can could should would
    may might will shall must also both each per vs versus without within across beyond
""".split())


@pytest.fixture(scope="module")
def world(samples_world: SamplesWorld) -> dict:
    """The session's samples world (tests/conftest.py; test_report publishes and reports on it too)."""
    return {"manifest": samples_world.truth, "warehouse": samples_world.warehouse,
            "incremental": mart_rows(samples_world.incremental), "rerun": mart_rows(samples_world.warehouse),
            "full": mart_rows(samples_world.full)}


def flags(warehouse: Path, topic: str, grain: str) -> dict[date, bool]:
    rows = query(warehouse, "SELECT period_start, is_rising FROM marts.topic_trends "
                            "WHERE topic_id = ? AND grain = ? ORDER BY period_start", [topic, grain])
    return dict(rows)


def test_planted_rise_is_flagged_in_the_last_weeks_only(world):
    weekly = flags(world["warehouse"], RISING, "week")
    assert [weekly[w] for w in LAST_WEEKS] == [True, True, True]
    assert not any(flag for week, flag in weekly.items() if week < END - timedelta(days=21))


def test_planted_rise_is_flagged_in_the_last_month(world):
    monthly = flags(world["warehouse"], RISING, "month")
    assert list(monthly) == [date(2026, m, 1) for m in range(6, 12)]
    assert [m for m, flag in monthly.items() if flag] == [date(2026, 11, 1)]


def test_flat_topic_is_never_rising(world):
    for grain in ("week", "month"):
        assert not any(flags(world["warehouse"], FLAT, grain).values())
    shares = query(world["warehouse"], "SELECT min(share), max(share) FROM marts.topic_trends "
                                       "WHERE topic_id = ? AND grain = 'month' AND period_start > '2026-06-30'", [FLAT])
    low, high = shares[0]
    assert 0.07 < low <= high < 0.13


def test_dedup_matches_the_generated_truth(world):
    manifest = world["manifest"]
    papers = query(world["warehouse"], "SELECT count(*) FROM marts.papers")
    mentions = query(world["warehouse"], "SELECT count(*) FROM marts.paper_mentions")
    assert (papers, mentions) == ([(manifest.n_distinct_papers,)], [(manifest.n_mentions,)])
    # every printed variant of a generated paper (case, spacing, punctuation,
    # \& noise) is one paper_id; the generator's own key (letters and digits)
    # tells which paper a printed title belongs to
    ids: dict[str, set[str]] = {}
    for title, paper_id in query(world["warehouse"], "SELECT DISTINCT title, paper_id FROM marts.paper_mentions"):
        ids.setdefault(title_key(title), set()).add(paper_id)
    assert all(len(found) == 1 for found in ids.values())
    pairs = [(a, b) for a, b in manifest.lookalike_pairs() if title_key(a.title) in ids and title_key(b.title) in ids]
    assert len(pairs) >= 10, "the generator plants look-alike successors (II, v2, 2.0, Not)"
    for earlier, successor in pairs:
        assert ids[title_key(earlier.title)] != ids[title_key(successor.title)], (earlier.title, successor.title)


def test_incremental_run_gives_the_same_marts_as_a_full_refresh(world):
    for table, rows in world["full"].items():
        assert world["incremental"][table] == rows, table


def test_rerun_without_new_data_changes_no_mart_row(world):
    assert world["rerun"] == world["incremental"]
    assert all(sum(rows.values()) for rows in world["rerun"].values())


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def stop_words() -> set[str]:
    with (DBT_PROJECT_DIR / "seeds" / "term_stopwords.csv").open(encoding="utf-8") as f:
        return FUNCTION_WORDS | {row["word"].lower() for row in csv.DictReader(f)}


def bad_terms(terms: list[str]) -> list[str]:
    """Terms that are a stop word or a fragment, or start or end with one (1-2 characters, only digits)."""
    stop = stop_words()

    def bad(word: str) -> bool:
        return word in stop or len(word) <= 2 or word.isdigit()

    return [t for t in terms if bad(t.split()[0]) or bad(t.split()[-1])]


def top_terms(warehouse: Path, n: int = 20) -> list[str]:
    """The n terms of term_counts with the most distinct papers overall (ties by term)."""
    rows = query(warehouse, "SELECT term, count(*) AS n FROM intermediate.int_paper_terms "
                            "WHERE term IN (SELECT term FROM marts.term_counts) "
                            "GROUP BY term ORDER BY n DESC, term LIMIT ?", [n])
    return [term for term, _ in rows]


def test_planted_term_counts_follow_the_truth(world):
    manifest = world["manifest"]
    # distinct papers named after the planted term mentioned in each ISO week, from the generator's truth
    weekly: dict[date, set[str]] = {}
    for file in manifest.files:
        named = {a for a in file.arxiv_ids if manifest.has_term(manifest.by_id[a])}
        weekly.setdefault(week_of(file.snapshot_date), set()).update(named)
    expected = {week: len(ids) for week, ids in weekly.items() if ids}
    rows = query(world["warehouse"], "SELECT period_start, n_papers FROM marts.term_counts WHERE term = ? "
                                     "AND grain = 'week' ORDER BY period_start", [PLANTED_TERM.lower()])
    assert dict(rows) == expected
    # absent before the rise (which starts 21 days before END), then growing week on week up to the last
    # complete week (the running week has five days only)
    assert min(expected) >= week_of(END - timedelta(days=21))
    assert expected[LAST_WEEKS[0]] < expected[LAST_WEEKS[1]]


def test_planted_term_emerges_in_the_last_complete_week(world):
    rows = query(world["warehouse"], "SELECT is_emerging, emerging_reason, covered_by_topic FROM marts.term_trends "
                                     "WHERE term = ? AND grain = 'week' AND period_start = ?",
                 [PLANTED_TERM.lower(), LAST_COMPLETE_WEEK])
    assert len(rows) == 1
    is_emerging, reason, covered = rows[0]
    assert is_emerging and reason and covered is False
    # one of the top emerging terms of that week
    top = query(world["warehouse"], "SELECT term FROM marts.term_trends WHERE period_start = ? AND is_emerging "
                                    "AND grain = 'week' ORDER BY zscore DESC, term LIMIT 10", [LAST_COMPLETE_WEEK])
    assert (PLANTED_TERM.lower(),) in top


def test_slow_riser_is_flagged_by_the_climb_rule_before_it_reaches_2_percent(world):
    # SLOW_TERM names 0% of the new titles 70 days before END (2026-09-11), then 3% x days / 70 of them.
    # A week's papers include those of earlier days shown again, so the term's share of the week's papers
    # (what term_counts and an analyst see) lags that draw: it must be flagged while it is below 2%.
    rows = query(world["warehouse"], "SELECT period_start, share, emerging_rule, emerging_reason "
                                     "FROM marts.term_trends WHERE term = ? AND grain = 'week' AND is_emerging "
                                     "ORDER BY period_start", [SLOW_TERM.lower()])
    assert rows, "the slow riser is never flagged"
    first, share, rule, reason = rows[0]
    assert share < 0.02 and rule == "climb", rows[0]
    assert reason.startswith("climbing since 2026-09-"), reason
    assert first > END - timedelta(days=70) and slow_term_share(first, END) < 0.02
    # the week after, its share is above 2%: flagged before, not after
    after = query(world["warehouse"], "SELECT share FROM marts.term_counts WHERE term = ? AND grain = 'week' "
                                      "AND period_start = ?", [SLOW_TERM.lower(), first + timedelta(weeks=1)])
    assert after[0][0] >= 0.02


def test_top_terms_are_no_stop_words_or_fragments(world):
    top = top_terms(world["warehouse"])
    print("top 20 terms of the generated data:", top)
    assert len(top) == 20
    assert bad_terms(top) == []


# ---------------------------------------------------------------- real API days (../shared/real)

def test_real_top_terms_are_no_stop_words_or_fragments(real_days_warehouse):
    top = top_terms(real_days_warehouse)
    print("top 20 terms of the real days:", top)
    assert len(top) == 20
    assert bad_terms(top) == []


def test_real_emerging_terms_of_the_last_complete_week(real_days_warehouse):
    newest = query(real_days_warehouse, "SELECT max(snapshot_date) FROM raw.snapshots")[0][0]
    # the last complete ISO week: its Sunday on or before the newest snapshot date
    week = week_of(newest) if newest.weekday() == 6 else week_of(newest) - timedelta(weeks=1)
    rows = query(real_days_warehouse, "SELECT term, n_papers, share, zscore, covered_by_topic, emerging_reason "
                                      "FROM marts.term_trends WHERE period_start = ? AND is_emerging "
                                      "ORDER BY zscore DESC, term", [week])
    print(f"emerging terms of the real week of {week}:")
    for term, n, share, z, covered, reason in rows[:15]:
        print(f"  {term:<32} {n:>3} papers {100 * share:5.1f}%  z {z:5.1f}  "
              f"{'covered' if covered else 'TAXONOMY CANDIDATE'}  {reason}")
    assert bad_terms([r[0] for r in rows]) == []
    assert all(n >= 3 and z is not None for _, n, _, z, _, _ in rows)  # term_min_papers; a jump or a rise
