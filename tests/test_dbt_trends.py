"""topic_trends through an outage week and with tied topics; the last complete week; paper_aliases.

One snapshot a week (Wednesdays, 20 new papers each) from the week of
2026-09-07 (W1) to W9, with no snapshot at all in W8 (an outage), then a
Monday snapshot in W10. Every week: graph_neural_networks and
reinforcement_learning have 3 papers each (a tie), state_space_models has 2
in W1-W6, 7 in W7 and 10 in W9 and W10 (a rise across the gap), the rest are
papers of no topic. The paper "Frozen Alias Paper" is printed without an
arXiv id in W1 and W2 and with one in the API snapshot of W10.

dbt builds once after W9 ("before", every model and unit test) and once after W10 ("after", the
models read here and what they read).
"""

from __future__ import annotations

import hashlib
import statistics
from datetime import date, timedelta
from math import sqrt
from pathlib import Path

import pytest

from tests.fixtures.dbt.world import dbt_build, project_unit_tests, query, unit_test_statuses
from tests.test_dbt_dedup import Entry, Snapshot, load

W1 = date(2026, 9, 7)
WEEKS = [W1 + timedelta(weeks=i) for i in range(10)]  # W1 .. W10 (Mondays)
OUTAGE = WEEKS[7]  # W8
SSM, GNN, RL = "state_space_models", "graph_neural_networks", "reinforcement_learning"
SSM_PAPERS = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 7, 9: 10, 10: 10}
ALIAS_TITLE = "Frozen Alias Paper"
ALIAS_ARXIV = "2609.01234"


def week_snapshot(w: int) -> Snapshot:
    """Week ``w`` (1-based): 20 distinct new papers, on the Wednesday (W10: the Monday)."""
    entries = [Entry(f"State Space Models for Task {w}-{i}") for i in range(SSM_PAPERS[w])]
    entries += [Entry(f"Graph Neural Networks for Widget {w}-{i}") for i in range(3)]
    entries += [Entry(f"Reinforcement Learning for Widget {w}-{i}") for i in range(3)]
    if w in (1, 2):
        entries.append(Entry(ALIAS_TITLE if w == 1 else "FROZEN alias paper!"))
    if w == 10:
        entries.append(Entry(ALIAS_TITLE, arxiv_id=ALIAS_ARXIV + "v2"))
    entries += [Entry(f"Pottery Glaze Study {w}-{i}") for i in range(20 - len(entries))]
    day = WEEKS[w - 1] + timedelta(days=0 if w == 10 else 2)
    return Snapshot(f"w{w}", day, "hf_api_json" if w == 10 else "blank_separated", entries)


# the marts read below and everything upstream of them, with the data tests whose every parent is built: the
# second build leaves the term path as it was (the first build, which runs every dbt unit test, builds it all)
READ_PATH = ("--select", "+topic_trends", "+rising_topics_last_week", "+paper_aliases", "+papers",
             "--indirect-selection", "cautious")


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("trends")
    warehouse = root / "warehouse.duckdb"
    out: dict[str, dict] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        for w in (1, 2, 3, 4, 5, 6, 7, 9):
            load(warehouse, week_snapshot(w))
        dbt_build(root, unit_tests=True, write_json=True)
        out["unit_tests"] = unit_test_statuses(root / "target")
        out["before"] = read(warehouse)
        load(warehouse, week_snapshot(10))
        dbt_build(root, *READ_PATH)
        out["after"] = read(warehouse)
    return out


def test_every_dbt_unit_test_runs_and_passes(states) -> None:
    """The other dbt worlds skip the unit tests (SQL on fixed rows, the same everywhere); this one runs them all."""
    unit_tests = project_unit_tests()
    assert len(unit_tests) >= 2
    assert states["unit_tests"] == dict.fromkeys(unit_tests, "pass")


def read(warehouse: Path) -> dict:
    weekly = query(warehouse, "SELECT topic_id, period_start, n_papers, n_papers_total, share, prev_n_papers, growth, "
                              "baseline_share, zscore, rank, rank_change, is_rising FROM marts.topic_trends "
                              "WHERE grain = 'week'")
    cols = ("n_papers", "n_papers_total", "share", "prev_n_papers", "growth", "baseline_share", "zscore", "rank",
            "rank_change", "is_rising")
    return {
        "weekly": {(r[0], r[1]): dict(zip(cols, r[2:], strict=True)) for r in weekly},
        "last_week": query(warehouse, "SELECT week_start, topic_id FROM marts.rising_topics_last_week"),
        "aliases": query(warehouse, "SELECT old_paper_id, paper_id, title_key FROM marts.paper_aliases"),
        "papers": dict(query(warehouse, "SELECT title_key, paper_id FROM marts.papers")),
    }


def test_outage_week_keeps_its_row_with_nulls_only(states):
    row = states["after"]["weekly"][(SSM, OUTAGE)]
    assert (row["n_papers"], row["n_papers_total"]) == (0, 0)
    assert [row[c] for c in ("share", "prev_n_papers", "growth", "baseline_share", "zscore", "rank", "rank_change")] \
        == [None] * 7
    assert row["is_rising"] is False


def test_rise_is_scored_and_flagged_across_the_outage(states):
    weekly = states["after"]["weekly"]
    # W7: 7 of 20 against six weeks of 2 of 20 (σ = 0, noise √(.1 × .9 / 20)): a jump
    w7 = weekly[(SSM, WEEKS[6])]
    assert w7["zscore"] == pytest.approx((0.35 - 0.1) / sqrt(0.1 * 0.9 / 20))
    assert w7["is_rising"] is True
    # W9, after the empty W8: baseline = the 7 weeks with data before it (W1-W7)
    shares = [0.1] * 6 + [0.35]
    mu, sd = statistics.mean(shares), statistics.stdev(shares)
    w9 = weekly[(SSM, WEEKS[8])]
    assert w9["baseline_share"] == pytest.approx(mu)
    assert w9["zscore"] == pytest.approx((0.5 - mu) / max(sd, sqrt(mu * (1 - mu) / 20)))  # ≈ 3.86
    assert w9["is_rising"] is True
    # growth and prev against W7 (7 of 20): (10 + 5) / (7 + 5) - 1
    assert (w9["prev_n_papers"], w9["growth"]) == (7, pytest.approx(0.25))
    # W10 is still scored (baseline W2-W7, W9: eight weeks with data)
    assert weekly[(SSM, WEEKS[9])]["zscore"] is not None
    # no rise before W7
    assert not any(weekly[(SSM, w)]["is_rising"] for w in WEEKS[:6])


def test_tied_topics_share_a_rank_and_do_not_swap(states):
    weekly = states["after"]["weekly"]
    for week in WEEKS:
        if week != OUTAGE:
            assert weekly[(GNN, week)]["rank"] == weekly[(RL, week)]["rank"], week
    # W1-W6: GNN and RL (3 papers) lead, state space (2) is third; from W7 on it leads
    assert [weekly[(GNN, w)]["rank"] for w in WEEKS if w != OUTAGE] == [1] * 6 + [2, 2, 2]
    assert [weekly[(SSM, w)]["rank"] for w in WEEKS if w != OUTAGE] == [3] * 6 + [1, 1, 1]
    for topic in (GNN, RL):
        changes = [weekly[(topic, w)]["rank_change"] for w in WEEKS if w != OUTAGE]
        # W1 has no previous week; W7 drops one place; W9 compares with W7 across the gap
        assert changes == [None, 0, 0, 0, 0, 0, -1, 0, 0], topic


def test_last_complete_week_view(states):
    # before W10: the newest snapshot is W9's Wednesday, so W9 is running, W8 has no data: W7
    assert states["before"]["last_week"] == [(WEEKS[6], SSM)]
    # W10's Monday snapshot completes W9
    assert states["after"]["last_week"] == [(WEEKS[8], SSM)]


def test_paper_aliases_map_the_title_id_to_the_arxiv_id(states):
    key = "frozen alias paper"
    title_id = "t_" + hashlib.md5(key.encode()).hexdigest()[:16]  # noqa: S324 - the id rule, not security
    assert states["before"]["papers"][key] == title_id
    assert states["before"]["aliases"] == []
    assert states["after"]["papers"][key] == ALIAS_ARXIV
    assert states["after"]["aliases"] == [(title_id, ALIAS_ARXIV, key)]
