"""Emerging terms: exact term counts on hand-made titles, a planted emerging term, incremental = full refresh.

One snapshot a week (Wednesdays, 20 new papers each) from the week of
2026-09-07 (W1) to W8. Every week has 4 "Steady Graph Kernels" papers and
fills up to 20 with "Widget Calibration" papers. W1 also has six hand-made
titles (below) whose terms are worked out by hand. "Quantum Sparkle Nets" is
absent in W1-W5 and has 3, 5 and 7 papers in W6, W7 and W8.

dbt builds after W7, then once more after W8 (incremental); a copy of that
warehouse rebuilt with --full-refresh must give the same rows.
"""

from __future__ import annotations

import csv
import shutil
import statistics
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.settings import DBT_PROJECT_DIR
from tests.fixtures.dbt.world import dbt_build, query
from tests.test_dbt_dedup import Entry, Snapshot, load

W1 = date(2026, 9, 7)
WEEKS = [W1 + timedelta(weeks=i) for i in range(8)]
SPARKLE = {6: 3, 7: 5, 8: 7}
HAND_MADE = [
    "Towards Diffusion Models for 3D Scenes",
    "Diffusion Model's Scaling: A Study of LLMs",
    "LLM Agents via Diffusion-Models",
    "The Diffusion Models of 2024",
    "Multi-Analysis of LLMs and Diffusion",
    "Corpus Analysis, Revisited!",
]
# By hand (stop words towards/for/a/of/via/the/and; "3d", "2024" and the
# possessive "s" are fragments; models/scenes/agents fold as words longer than
# 4 letters, llms because "llm" occurs; analysis and corpus do not fold):
#   1 {diffusion, model, scene, diffusion model}
#   2 {diffusion, model, scaling, study, llm, diffusion model, model scaling,
#      diffusion model scaling, scaling a study, study of llm}
#   3 {llm, agent, diffusion, model, llm agent, diffusion model, agent via diffusion}
#   4 {diffusion, model, diffusion model}
#   5 {analysis, llm, diffusion, analysis of llm, llm and diffusion, multi analysis}
#     ("multi", a prefix split off by the hyphen, may start a term, never end or be one)
#   6 {corpus, analysis, revisited, corpus analysis, analysis revisited, corpus analysis revisited}
# so with 3 papers at least: diffusion 5, model 4, diffusion model 4, llm 3.
STEADY_TERMS = ["steady", "graph", "kernel", "steady graph", "graph kernel", "steady graph kernel"]
FILLER_TERMS = ["widget", "calibration", "widget calibration"]
SPARKLE_TERMS = ["quantum", "sparkle", "nets", "quantum sparkle", "sparkle nets", "quantum sparkle nets"]
W1_COUNTS = {"diffusion": 5, "model": 4, "diffusion model": 4, "llm": 3,
             **dict.fromkeys(STEADY_TERMS, 4), **dict.fromkeys(FILLER_TERMS, 10)}


def week_snapshot(w: int) -> Snapshot:
    entries = [Entry(t) for t in HAND_MADE] if w == 1 else []
    entries += [Entry(f"Steady Graph Kernels {w}-{i}") for i in range(4)]
    entries += [Entry(f"Quantum Sparkle Nets {w}-{i}") for i in range(SPARKLE.get(w, 0))]
    entries += [Entry(f"Widget Calibration {w}-{i}") for i in range(20 - len(entries))]
    return Snapshot(f"w{w}", WEEKS[w - 1] + timedelta(days=2), "blank_separated", entries)


TABLES = {
    "term_counts": "SELECT term, period_start, n_papers, share, n_papers_total FROM marts.term_counts",
    "term_trends": "SELECT * FROM marts.term_trends",
    "paper_terms": "SELECT * FROM intermediate.int_paper_terms",
    "title_terms": "SELECT title_key, array_to_string(list_sort(terms), '|'), terms_version FROM intermediate.int_title_terms",
}


def read(warehouse: Path) -> dict[str, Counter]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: Counter(map(tuple, con.execute(sql).fetchall())) for name, sql in TABLES.items()}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("terms")
    # copies keep the file name: dbt names the database after it, and one parse serves all three
    warehouse, full = root / "warehouse.duckdb", root / "full_refresh" / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        for w in range(1, 8):
            load(warehouse, week_snapshot(w))
        dbt_build(root)
        load(warehouse, week_snapshot(8))
        dbt_build(root)
        full.parent.mkdir()
        shutil.copy(warehouse, full)
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(full))
        dbt_build(full.parent, "--full-refresh")
        keywords = root / "keywords" / "warehouse.duckdb"
        keywords.parent.mkdir()
        shutil.copy(full, keywords)
        add_keywords(keywords)
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(keywords))
        dbt_build(keywords.parent, "--select", "int_paper_terms")
    return {"warehouse": warehouse, "incremental": read(warehouse), "full": read(full), "keywords": keywords}


def add_keywords(warehouse: Path) -> None:
    """Give staging an ai_keywords column (as the API loader will) for one paper, in place of its view."""
    with duckdb.connect(str(warehouse)) as con:
        columns = [r[0] for r in con.execute("DESCRIBE staging.stg_paper_mentions").fetchall()]
        keep = ", ".join(f'"{c}"' for c in columns if c != "ai_keywords")
        con.execute("CREATE TABLE staging.stg_before_keywords AS SELECT * FROM staging.stg_paper_mentions")
        con.execute(f"""CREATE OR REPLACE VIEW staging.stg_paper_mentions AS SELECT {keep},
            CASE WHEN title = 'Corpus Analysis, Revisited!'
                 THEN ['Diffusion Models', 'LLM''s Agents', 'AI', '2024', 'the', 'Long-Context Reasoning'] END
                 AS ai_keywords
            FROM staging.stg_before_keywords""")  # noqa: S608 - column names read from the catalog


def trends(warehouse: Path, term: str) -> dict[date, tuple]:
    rows = query(warehouse, "SELECT period_start, n_papers, zscore, is_emerging, emerging_reason "
                            "FROM marts.term_trends WHERE term = ? ORDER BY period_start", [term])
    return {r[0]: r[1:] for r in rows}


def test_term_counts_of_the_hand_made_week(world):
    rows = query(world["warehouse"], "SELECT term, n_papers, share, n_papers_total FROM marts.term_counts "
                                     "WHERE period_start = ?", [W1])
    assert {r[0]: r[1] for r in rows} == W1_COUNTS
    assert all(share == pytest.approx(n / 20) and total == 20 for _, n, share, total in rows)


def test_every_term_has_support_and_clean_edges(world):
    terms = {r[0] for r in query(world["warehouse"], "SELECT DISTINCT term FROM marts.term_counts")}
    assert terms == set(W1_COUNTS) | set(SPARKLE_TERMS)
    with (DBT_PROJECT_DIR / "seeds" / "term_stopwords.csv").open() as f:
        stop = {row["word"] for row in csv.DictReader(f)}
    every = {r[0] for r in query(world["warehouse"], "SELECT DISTINCT term FROM intermediate.int_paper_terms")}
    assert {"scaling a study", "analysis of llm", "agent via diffusion", "corpus analysis revisited", "multi analysis"} <= every
    assert "multi" not in every
    for term in every:
        words = term.split(" ")
        assert 1 <= len(words) <= 3, term
        for edge in (words[0], words[-1]):
            assert edge not in stop and len(edge) > 2 and not edge.isdigit(), term


def test_planted_term_emerges_and_steady_terms_do_not(world):
    sparkle = trends(world["warehouse"], "quantum sparkle")
    assert list(sparkle) == WEEKS[5:]  # rows only where the term has papers
    w6, w7, w8 = (sparkle[w] for w in WEEKS[5:])
    # W6: a baseline of five weeks of zeros (no noise): z = .15 / floor .01
    assert w6 == (3, pytest.approx(15.0), True,
                  "jump: share 15.0% vs 0.0% over the previous 5 weeks (z = 15.0); 3 papers, 0 before")
    base7 = [0.0] * 5 + [0.15]
    z7 = (0.25 - statistics.mean(base7)) / statistics.stdev(base7)
    assert w7[:3] == (5, pytest.approx(z7), True) and z7 > 3
    base8 = [0.0] * 5 + [0.15, 0.25]
    z8 = (0.35 - statistics.mean(base8)) / statistics.stdev(base8)
    assert w8[:3] == (7, pytest.approx(z8), True) and 2 < z8 < 3  # sustained: z7 >= 2 the week before
    assert w8[3].startswith("sustained rise: share 35.0% vs 5.7% over the previous 7 weeks")
    for term in STEADY_TERMS + FILLER_TERMS:
        assert not any(row[2] for row in trends(world["warehouse"], term).values()), term
    # 4 of 20 every week: share = μ, so z = 0 once the baseline has 4 weeks (W5 on)
    steady = trends(world["warehouse"], "steady graph")
    assert list(steady) == WEEKS and all(row[1] == pytest.approx(0.0) for w, row in steady.items() if w >= WEEKS[4])


def test_ties_and_topic_coverage(world):
    rows = query(world["warehouse"], "SELECT term, rank FROM marts.term_trends WHERE period_start = ?", [W1])
    ranks = dict(rows)
    assert {ranks[t] for t in FILLER_TERMS} == {1}
    assert ranks["diffusion"] == 4
    assert {ranks[t] for t in ["model", "diffusion model", *STEADY_TERMS]} == {5}
    assert ranks["llm"] == 13
    covered = dict(query(world["warehouse"], "SELECT DISTINCT term, covered_by_topic FROM marts.term_trends"))
    assert [covered[t] for t in ("diffusion model", "llm", "quantum sparkle", "steady graph kernel")] \
        == [True, True, False, False]


def test_incremental_run_gives_the_same_terms_as_a_full_refresh(world):
    for table, rows in world["full"].items():
        assert world["incremental"][table] == rows, table
        assert sum(rows.values()) > 0, table


def test_ai_keywords_are_terms_when_the_column_exists(world):
    # the paper's title terms plus its keywords, normalized and folded like title terms;
    # "AI" and "2024" are fragments and "the" a stop word, so they are dropped
    rows = query(world["keywords"], "SELECT pt.term FROM intermediate.int_paper_terms AS pt "
                                    "JOIN marts.papers AS p USING (paper_id) WHERE p.title = 'Corpus Analysis, Revisited!'")
    assert {r[0] for r in rows} == {"corpus", "analysis", "revisited", "corpus analysis", "analysis revisited",
                                    "corpus analysis revisited", "diffusion model", "llm agent",
                                    "long context reasoning"}
