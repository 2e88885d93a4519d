"""dbt marts on a hand-written raw layer: which titles are one paper, and what one more day changes.

The world has three snapshots written straight into ``raw.*`` (no parser):
two text pages (2026-11-02, 2026-11-03) holding pairs of titles that must
merge or stay apart, then one API page (2026-11-04) that brings arXiv ids for
two papers seen before without one, plus a new paper. ``dbt build`` runs once
before and once after the third snapshot; the tests compare the two states.
Each build selects the marts read here (``READ``), everything upstream of them and
the data tests whose every parent is built: the term marts prove nothing on
these titles (their rules are checked in test_dbt_terms and test_dbt_samples).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.fixtures.dbt.world import dbt_build, insert_raw, mart_rows

ATTENTION = "We propose a new network architecture based solely on attention mechanisms, dispensing with recurrence."
HYENA = "Hyena is a subquadratic drop-in replacement for attention built from long convolutions and gating."
PLAIN = "We report results of a small study on one task with careful ablations and a public release."


@dataclass(frozen=True)
class Entry:
    title: str
    abstract: str = PLAIN
    arxiv_id: str | None = None
    upvotes: int | None = None
    authors_count: int | None = None
    organization: str | None = None
    published_on: date | None = None


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    day: date
    layout: str
    entries: list[Entry] = field(default_factory=list)


DAY1 = Snapshot("s1", date(2026, 11, 2), "blank_separated", [
    Entry("Attention Is All You Need", ATTENTION),                    # 1
    Entry(r"Graph Networks \& Friends"),                              # 2
    Entry(r'Schr\"{o}dinger Bridges for Generative Modeling'),        # 3
    Entry("Eﬃcient Transformers"),                                    # 4  (ligature ffi)
    Entry("Mamba: Linear-Time Sequence Modeling"),                    # 5
    Entry("Memory Networks"),                                         # 6
    Entry("Scaling Laws 3.0"),                                        # 7
    Entry("Are Transformers Robust?"),                                # 8
    Entry("ＢＥＲＴ Rediscovered"),                                     # 9  (full-width)
    Entry("Deep\u00a0Nets: A Survey"),                                # 10 (no-break space)
    Entry("\u201cQuoted\u201d Title"),                                # 11 (curly quotes)
    Entry("DiffNet"),                                                 # 12
    Entry("Schro\u0308dinger Bridges for Generative Modeling"),       # 13 (decomposed ö, same page)
])
DAY2 = Snapshot("s2", date(2026, 11, 3), "line_pairs", [
    Entry("attention is all you need.", ATTENTION),                   # 1
    Entry("Graph Networks & Friends"),                                # 2
    Entry("Schrödinger Bridges for Generative Modeling"),             # 3
    Entry("Efficient Transformers"),                                  # 4
    Entry("Mamba \u2013 Linear Time Sequence Modeling"),              # 5
    Entry("End-To-End Memory Networks"),                              # 6
    Entry("Scaling Laws 3.1"),                                        # 7
    Entry("Are Transformers Not Robust?"),                            # 8
    Entry("BERT Rediscovered"),                                       # 9
    Entry("Deep Nets - A Survey"),                                    # 10
    Entry('"Quoted" Title'),                                          # 11
    Entry("DiffNet-2"),                                               # 12
    Entry("Attention Is All You Need v2", ATTENTION),                 # 13
    Entry("Mamba: Linear-Time Sequence Modeling II"),                 # 14
    Entry("ATTENTION  IS ALL YOU NEED", ATTENTION),                   # 15
])
DAY3 = Snapshot("s3", date(2026, 11, 4), "hf_api_json", [
    Entry("Attention is All you Need", ATTENTION, "1706.03762v5", 120, 8, "Google", date(2017, 6, 12)),
    Entry("Memory Networks", PLAIN, "1410.3916", 7, 3, None, date(2014, 10, 15)),
    Entry("Hyena Hierarchy: Towards Larger Convolutional Language Models", HYENA, "2302.10866v3", 40, 9, None,
          date(2023, 2, 21)),
])

SAME_PAPER = [
    ("Attention Is All You Need", "attention is all you need."),               # case, trailing dot
    ("Attention Is All You Need", "ATTENTION  IS ALL YOU NEED"),               # case, double space
    (r"Graph Networks \& Friends", "Graph Networks & Friends"),                # LaTeX \&
    (r'Schr\"{o}dinger Bridges for Generative Modeling', "Schrödinger Bridges for Generative Modeling"),
    ("Schro\u0308dinger Bridges for Generative Modeling", "Schrödinger Bridges for Generative Modeling"),
    ("Eﬃcient Transformers", "Efficient Transformers"),                       # NFKC ligature
    ("ＢＥＲＴ Rediscovered", "BERT Rediscovered"),                              # NFKC full-width
    ("Deep\u00a0Nets: A Survey", "Deep Nets - A Survey"),                      # odd space, colon vs dash
    ("\u201cQuoted\u201d Title", '"Quoted" Title'),                            # curly vs straight quotes
    ("Mamba: Linear-Time Sequence Modeling", "Mamba \u2013 Linear Time Sequence Modeling"),
]
DISTINCT_PAPERS = [
    ("Mamba: Linear-Time Sequence Modeling", "Mamba: Linear-Time Sequence Modeling II"),
    ("Memory Networks", "End-To-End Memory Networks"),
    ("Scaling Laws 3.0", "Scaling Laws 3.1"),
    ("Are Transformers Robust?", "Are Transformers Not Robust?"),
    ("DiffNet", "DiffNet-2"),
    ("Attention Is All You Need", "Attention Is All You Need v2"),
]
# 28 mentions; by SAME_PAPER: Attention x3, Schrödinger x3 (twice on day 1), and
# Graph, Efficient, BERT, Deep Nets, Quoted, Mamba x2 each = 13 mentions in 8
# papers; the other 15 mentions are one paper each: 8 + 10 = 18 papers.
N_PAPERS_BEFORE = 18


READ = ("papers", "paper_mentions", "topic_counts", "topic_trends")  # the marts the tests below read
DEDUP_PATH = ("--select", *(f"+{t}" for t in READ), "--indirect-selection", "cautious")


def load(warehouse: Path, snapshot: Snapshot) -> None:
    """Append one snapshot to raw.* the way the ingest does (DataFrames, no SQL text)."""
    n = len(snapshot.entries)
    snapshots = pl.DataFrame([{
        "snapshot_id": snapshot.snapshot_id, "file_name": f"{snapshot.day}.txt", "layout": snapshot.layout,
        "snapshot_date": snapshot.day, "snapshot_date_source": "file_name", "n_entries": n, "n_rejected": 0,
        "size_bytes": 1000, "encoding": "utf-8", "parser_version": "test",
        "ingested_at": datetime.combine(snapshot.day, datetime.min.time()).replace(hour=12),
    }])
    mentions = pl.DataFrame(
        [{"snapshot_id": snapshot.snapshot_id, "position": i, **vars(e)} for i, e in enumerate(snapshot.entries, 1)],
        schema_overrides={"authors_count": pl.Int32, "upvotes": pl.Int32, "position": pl.Int32,
                          "arxiv_id": pl.Utf8, "organization": pl.Utf8, "published_on": pl.Date},
    )
    insert_raw(warehouse, {"snapshots": snapshots, "paper_mentions": mentions})


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Counter]]:
    """Marts after days 1-2 ("before") and after day 3 was added ("after")."""
    root = tmp_path_factory.mktemp("dedup")
    warehouse = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        load(warehouse, DAY1)
        load(warehouse, DAY2)
        dbt_build(root, *DEDUP_PATH)
        before = mart_rows(warehouse, READ)
        load(warehouse, DAY3)
        dbt_build(root, *DEDUP_PATH)
        return {"before": before, "after": mart_rows(warehouse, READ)}


def papers_by_title(marts: dict[str, Counter]) -> dict[str, set[str]]:
    """title as printed -> paper_ids it was assigned (from paper_mentions)."""
    out: dict[str, set[str]] = {}
    for _snapshot, _day, _position, paper_id, title, _upvotes, _fetched in marts["paper_mentions"]:
        out.setdefault(title, set()).add(paper_id)
    return out


def by_key(rows: Counter, width: int) -> dict[tuple, tuple]:
    return {row[:width]: row for row in rows}


@pytest.mark.parametrize(("a", "b"), SAME_PAPER)
def test_titles_differing_only_by_noise_are_one_paper(states, a, b):
    ids = papers_by_title(states["before"])
    assert len(ids[a]) == 1
    assert ids[a] == ids[b]


@pytest.mark.parametrize(("a", "b"), DISTINCT_PAPERS)
def test_look_alike_titles_stay_apart(states, a, b):
    ids = papers_by_title(states["before"])
    assert ids[a].isdisjoint(ids[b])


def test_paper_counts_and_hashed_ids_before_any_arxiv_id(states):
    papers = by_key(states["before"]["papers"], 1)
    assert len(papers) == N_PAPERS_BEFORE
    assert sum(states["before"]["paper_mentions"].values()) == 28
    assert all(pid.startswith("t_") and len(pid) == 18 for (pid,) in papers)
    (schrodinger,) = papers_by_title(states["before"])["Schrödinger Bridges for Generative Modeling"]
    # three mentions on two days: the latest is day 2's (precomposed) title
    row = papers[(schrodinger,)]
    assert row[1] == "Schrödinger Bridges for Generative Modeling"
    # printed twice on day 1 (positions 3 and 13) and once on day 2: one mention per (paper, day) -> 2
    assert row[4:8] == (date(2026, 11, 2), date(2026, 11, 3), 2, 2)


def test_new_day_gives_arxiv_ids_and_changes_only_those_papers(states):
    before, after = by_key(states["before"]["papers"], 1), by_key(states["after"]["papers"], 1)
    ids = papers_by_title(states["before"])
    (old_attention,), (old_memory,) = ids["Attention Is All You Need"], ids["Memory Networks"]
    assert set(before) - set(after) == {(old_attention,), (old_memory,)}
    assert set(after) - set(before) == {("1706.03762",), ("1410.3916",), ("2302.10866",)}
    unchanged = set(before) - {(old_attention,), (old_memory,)}
    assert all(before[k] == after[k] for k in unchanged)
    # paper_id, title, abstract, title_key, first/last seen, n_snapshots, n_mentions,
    # max_upvotes, latest_upvotes, authors_count, organization, published_on, arxiv_id (then mentions_fingerprint)
    attention = after[("1706.03762",)]
    assert attention[:2] == ("1706.03762", "Attention is All you Need")
    # 4 entries on 3 days (twice on day 2): n_mentions counts one per (paper, day) -> 3
    assert attention[4:14] == (date(2026, 11, 2), date(2026, 11, 4), 3, 3, 120, 120, 8, "Google", date(2017, 6, 12),
                               "1706.03762")
    assert after[("1410.3916",)][4:8] == (date(2026, 11, 2), date(2026, 11, 4), 2, 2)
    assert after[("2302.10866",)][4:8] == (date(2026, 11, 4), date(2026, 11, 4), 1, 1)


def test_new_day_moves_earlier_mentions_of_those_papers_only(states):
    before = by_key(states["before"]["paper_mentions"], 3)
    after = by_key(states["after"]["paper_mentions"], 3)
    changed = {k[0] + "." + str(k[2]): after[k][3] for k in before if before[k] != after[k]}
    assert changed == {"s1.1": "1706.03762", "s2.1": "1706.03762", "s2.15": "1706.03762", "s1.6": "1410.3916"}
    assert sorted(k[0] + "." + str(k[2]) for k in set(after) - set(before)) == ["s3.1", "s3.2", "s3.3"]


def test_new_day_adds_its_topic_counts_and_keeps_the_older_days(states):
    before, after = states["before"]["topic_counts"], states["after"]["topic_counts"]
    assert before - after == Counter()  # every earlier (topic, day) row is unchanged
    new_day = {row[0]: row[2:] for row in after - before}
    assert len(new_day) == len(by_key(after, 1)) == 42  # every topic of the seed taxonomy
    # (n_papers, n_new_papers, n_papers_total): Attention (seen before) is
    # transformers_attention; Hyena (new) is state_space_models (Hyena) and
    # large_language_models ("Convolutional Language Models" in its title); Memory Networks (seen
    # before) is memory_long_context.
    expected = {topic: (0, 0, 3) for topic in new_day}
    expected |= {"transformers_attention": (1, 0, 3), "state_space_models": (1, 1, 3),
                 "large_language_models": (1, 1, 3), "memory_long_context": (1, 0, 3)}
    assert new_day == expected


def test_new_day_updates_the_week_and_month_counts(states):
    before = by_key(states["before"]["topic_trends"], 3)
    after = by_key(states["after"]["topic_trends"], 3)
    assert set(before) == set(after)  # same periods: 2026-11-02 is the Monday of all three days
    gained = {k[0] for k in after if after[k][3] != before[k][3]}
    assert gained == {"state_space_models", "large_language_models"}
    assert all(after[k][3] - before[k][3] in (0, 1) and after[k][4] == before[k][4] + 1 for k in after)
