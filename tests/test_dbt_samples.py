"""dbt marts on the generated sample snapshots: planted trends, dedup truth, incremental runs.

``pipeline.samples.generate`` writes 150 daily pages (2026-06-24 .. 2026-11-20)
in all four layouts and returns the truth behind them. The planted topic
``state_space_models`` rises from 5% to 35% of each day's entries over the last
21 days; ``graph_neural_networks`` stays at 10%. The world is built the way
the daily job runs: 149 days, then one more day as an incremental run, then a
rerun without new data; a copy of the same warehouse is rebuilt with
``--full-refresh`` to check that incremental models give the same marts.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.ingest import ingest_landing
from pipeline.samples import generate, title_key
from tests.fixtures.dbt.world import dbt_build, mart_rows, query

END = date(2026, 11, 20)
DAYS = 150
RISING, FLAT = "state_space_models", "graph_neural_networks"
# ISO weeks (Mondays) touched by the 21-day rise that starts on 2026-10-30.
LAST_WEEKS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("samples")
    generated, landing = root / "generated", root / "landing"
    warehouse, full = root / "warehouse.duckdb", root / "full_refresh.duckdb"
    manifest = generate(generated, days=DAYS, end=END, seed=7)
    *history, last = sorted(generated.iterdir())
    landing.mkdir()
    for path in history:
        path.rename(landing / path.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        ingest_landing(landing, warehouse)
        dbt_build(root)
        last.rename(landing / last.name)
        ingest_landing(landing, warehouse)
        dbt_build(root)
        incremental = mart_rows(warehouse)
        dbt_build(root)
        rerun = mart_rows(warehouse)
        shutil.copy(warehouse, full)
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(full))
        dbt_build(root, "--full-refresh")
    return {"manifest": manifest, "warehouse": warehouse, "incremental": incremental, "rerun": rerun,
            "full": mart_rows(full)}


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
