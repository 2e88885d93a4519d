"""Emerging terms: exact term counts on hand-made titles, a planted emerging term, incremental = full refresh.

One snapshot a week (Wednesdays, 20 new papers each) from the week of
2026-09-07 (W1) to W8. Every week has 4 "Steady Graph Kernels" papers and
fills up to 20 with "Widget Calibration" papers. W1 also has six hand-made
titles (below) whose terms are worked out by hand. "Quantum Sparkle Nets" is
absent in W1-W5 and has 3, 5 and 7 papers in W6, W7 and W8. W2 has three
papers for the acronym rule and the abstract rule (their terms stay under 3 papers). W6 has a spike of
six "Level ..." papers (a common English word, absent from every other week).

dbt builds after W7, then once more after W8 (incremental); a copy of that
warehouse rebuilt with --full-refresh must give the same rows. Each build selects
the models read here and what they read (``TERM_PATH``), with their data tests:
the topic marts prove nothing on these titles, and are built in full on the
worlds of test_dbt_dedup, test_dbt_subsets and test_dbt_samples.
"""

from __future__ import annotations

import csv
import math
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
LEVEL_SPIKE = {6: 6}  # a one-week spike of a common English word (zipf 5.4): never emerging
HAND_MADE = [
    "Towards Diffusion Models for 3D Scenes",
    "Diffusion Model's Scaling: A Study of LLMs",
    "LLM Agents via Diffusion-Models",
    "The Diffusion Models of 2024",
    "Multi-Analysis of LLMs and Diffusion",
    "Corpus Analysis, Revisited!",
]
# By hand (titles only: PLAIN is shorter than term_abstract_min_chars, so no abstract; stop words
# towards/for/a/of/via/the/and; "3d", "2024" and the possessive "s" are fragments; a colon or comma is a
# break no term spans; a hyphenated word is one word; models/scenes/agents fold as words longer than 4
# letters, llms because "llm" occurs; analysis, multi-analysis and corpus do not fold):
#   1 {diffusion, model, scene, diffusion model}
#   2 {diffusion, model, scaling, diffusion model, model scaling, diffusion model scaling | study, llm, study of llm}
#   3 {llm, agent, llm agent, diffusion-model, agent via diffusion-model}
#   4 {diffusion, model, diffusion model}
#   5 {multi-analysis, llm, diffusion, multi-analysis of llm, llm and diffusion}
#   6 {corpus, analysis, corpus analysis | revisited}
# so with 3 papers at least: diffusion 4 (1, 2, 4, 5), model 3, diffusion model 3, llm 3 (2, 3, 5).
STEADY_TERMS = ["steady", "graph", "kernel", "steady graph", "graph kernel", "steady graph kernel"]
FILLER_TERMS = ["widget", "calibration", "widget calibration"]
SPARKLE_TERMS = ["quantum", "sparkle", "nets", "quantum sparkle", "sparkle nets", "quantum sparkle nets"]
W1_COUNTS = {"diffusion": 4, "model": 3, "diffusion model": 3, "llm": 3,
             **dict.fromkeys(STEADY_TERMS, 4), **dict.fromkeys(FILLER_TERMS, 10)}


# W2: a real abstract (366 characters, no link) that defines an acronym; a title that uses it; the same
# abstract behind a link in its first 100 characters (a submitter's comment: title terms only)
OPD_ABSTRACT = ("We study on-policy distillation (OPD) for small language networks, where a student samples its own "
                "trajectories and a larger network grades every token it writes. Compared with off-policy training "
                "on fixed data, the student learns from the states it actually visits, which shrinks the gap between "
                "training and use. Experiments on arithmetic puzzles show clear gains.")
ACRONYM_PAPERS = [Entry("Student Networks Learn Better", OPD_ABSTRACT), Entry("OPD Without Labels"),
                  Entry("Sparse Signals Revisited", "Code: https://example.org/repo " + OPD_ABSTRACT)]
# W2 too: stray hyphens and symbols between words (the splitting's edge cases): the words of "Zorbo Quix Flam Trel"
STRAY_MARKS = Entry("Zorbo -- Quix + Flam- -Trel")


def week_snapshot(w: int) -> Snapshot:
    entries = [Entry(t) for t in HAND_MADE] if w == 1 else [*ACRONYM_PAPERS, STRAY_MARKS] if w == 2 else []
    entries += [Entry(f"Steady Graph Kernels {w}-{i}") for i in range(4)]
    entries += [Entry(f"Quantum Sparkle Nets {w}-{i}") for i in range(SPARKLE.get(w, 0))]
    entries += [Entry(f"Level {w}-{i}") for i in range(LEVEL_SPIKE.get(w, 0))]
    entries += [Entry(f"Widget Calibration {w}-{i}") for i in range(20 - len(entries))]
    return Snapshot(f"w{w}", WEEKS[w - 1] + timedelta(days=2), "blank_separated", entries)


# the term marts and marts.papers (read below), everything upstream of them (dbt selector syntax), with the
# data tests whose every parent is built
TERM_PATH = ("--select", "+term_trends", "+papers", "--indirect-selection", "cautious")
TABLES = {
    "term_counts": "SELECT term, period_start, n_papers, share, n_papers_total FROM marts.term_counts",
    "term_trends": "SELECT * FROM marts.term_trends",
    "paper_terms": "SELECT * FROM intermediate.int_paper_terms",
    "text_terms": "SELECT text_hash, array_to_string(list_sort(title_terms || abstract_terms), '|'), terms_version "
                  "FROM intermediate.int_text_terms",
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
        dbt_build(root, *TERM_PATH)
        load(warehouse, week_snapshot(8))
        dbt_build(root, *TERM_PATH)
        full.parent.mkdir()
        shutil.copy(warehouse, full)
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(full))
        dbt_build(full.parent, "--full-refresh", *TERM_PATH)
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
                            "FROM marts.term_trends WHERE grain = 'week' AND term = ? ORDER BY period_start", [term])
    return {r[0]: r[1:] for r in rows}


def test_term_counts_of_the_hand_made_week(world):
    rows = query(world["warehouse"], "SELECT term, n_papers, share, n_papers_total FROM marts.term_counts "
                                     "WHERE grain = 'week' AND period_start = ?", [W1])
    assert {r[0]: r[1] for r in rows} == W1_COUNTS
    assert all(share == pytest.approx(n / 20) and total == 20 for _, n, share, total in rows)


def test_every_term_has_support_and_clean_edges(world):
    terms = {r[0] for r in query(world["warehouse"], "SELECT DISTINCT term FROM marts.term_counts")}
    assert terms == set(W1_COUNTS) | set(SPARKLE_TERMS) | {"level"}
    with (DBT_PROJECT_DIR / "seeds" / "term_stopwords.csv").open() as f:
        stop = {row["word"] for row in csv.DictReader(f)}
    every = {r[0] for r in query(world["warehouse"], "SELECT DISTINCT term FROM intermediate.int_paper_terms")}
    assert {"study of llm", "multi-analysis of llm", "agent via diffusion-model", "diffusion model scaling"} <= every
    # no term spans a colon or a comma; a hyphenated word stays whole
    assert not {"scaling a study", "corpus analysis revisited", "analysis revisited", "multi", "multi analysis"} & every
    for term in every:
        words = term.split(" ")
        assert 1 <= len(words) <= 3, term
        for edge in (words[0], words[-1]):
            assert edge not in stop and len(edge) > 2 and not edge.isdigit(), term


def poisson_tail(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam)."""
    return 1 - sum(math.exp(-lam) * lam**k / math.factorial(k) for k in range(n))


def test_planted_term_emerges_and_steady_terms_do_not(world):
    sparkle = trends(world["warehouse"], "quantum sparkle nets")
    assert list(sparkle) == WEEKS[5:]  # rows only where the term has papers
    w6, w7, w8 = (sparkle[w] for w in WEEKS[5:])
    # W6: 3 papers < emerging_min_papers (5): not tested
    assert w6[2:] == (False, None)
    # W7: 5 of 20; expected 20 x (3 papers in the 6 weeks before + 0.5 prior) / 120 papers = 0.583
    lam7 = 20 * (3 + 0.5) / 120
    # tested that week: every term of the week that is no common English word (zipf >= 3.8:
    # steady 4.31, graph 4.05, quantum 4.07, nets 3.81): 15 terms - 4 = 11; the 4 sparkle terms
    # left share the smallest p, so Benjamini-Hochberg gives q = p * 11 / 4
    q7 = poisson_tail(5, lam7) * 11 / 4
    assert q7 < 0.001  # 0.00096: shown as "p<0.001"
    base7 = [0.0] * 5 + [0.15]
    z7 = (0.25 - statistics.mean(base7)) / statistics.stdev(base7)
    assert w7[:3] == (5, pytest.approx(z7), True) and z7 > 3
    # sparkle, quantum sparkle and sparkle nets are parts of it, in the same papers: absorbed
    assert w7[3] == (f"5 papers in the week of {WEEKS[6]} vs 0.6 expected from the previous 6 weeks "
                     f"(p<0.001 after testing 11 terms)")
    for part in ["quantum sparkle", "sparkle nets", "sparkle"]:
        assert trends(world["warehouse"], part)[WEEKS[6]][2:] == (False, None), part
    # W8: 7 papers against 20 x 8.5 / 140 = 1.2 expected is unlikely as a Poisson count, but the
    # share's own week-to-week noise (z < 3) explains it: not a jump; 8 weeks are too few for a climb
    base8 = [0.0] * 5 + [0.15, 0.25]
    z8 = (0.35 - statistics.mean(base8)) / statistics.stdev(base8)
    assert w8[:3] == (7, pytest.approx(z8), False) and 2 < z8 < 3
    for term in STEADY_TERMS + FILLER_TERMS:
        assert not any(row[2] for row in trends(world["warehouse"], term).values()), term
    # the spike: 6 of 20 papers after five weeks without (p < 1e-6 as a count), but a common word is never tested
    level = query(world["warehouse"], "SELECT period_start, n_papers, is_common_word, p_value, is_emerging "
                                      "FROM marts.term_trends WHERE term = 'level' AND grain = 'week'")
    assert level == [(WEEKS[5], 6, True, None, False)]
    # 4 of 20 every week: share = μ, so z = 0 once the baseline has 4 weeks (W5 on)
    steady = trends(world["warehouse"], "steady graph")
    assert list(steady) == WEEKS and all(row[1] == pytest.approx(0.0) for w, row in steady.items() if w >= WEEKS[4])
    # months: September and October only, too few for a baseline (term_min_baseline_months = 2)
    assert query(world["warehouse"], "SELECT count(*) FROM marts.term_trends WHERE grain = 'month' AND is_emerging") \
        == [(0,)]


def test_ties_and_topic_coverage(world):
    rows = query(world["warehouse"], "SELECT term, rank FROM marts.term_trends WHERE period_start = ?", [W1])
    ranks = dict(rows)
    assert {ranks[t] for t in FILLER_TERMS} == {1}
    # 3 fillers (10 papers), then diffusion and 6 steady terms (4), then model, diffusion model and llm (3)
    assert {ranks[t] for t in ["diffusion", *STEADY_TERMS]} == {4}
    assert {ranks[t] for t in ["model", "diffusion model", "llm"]} == {11}
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
    assert {r[0] for r in rows} == {"corpus", "analysis", "revisited", "corpus analysis",
                                    "diffusion model", "llm agent", "long-context reasoning"}


def test_acronyms_join_their_expansion_and_comments_are_no_abstracts(world):
    def terms(title: str) -> set[str]:
        rows = query(world["warehouse"], "SELECT pt.term FROM intermediate.int_paper_terms AS pt "
                                         "JOIN marts.papers AS p USING (paper_id) WHERE p.title = ?", [title])
        return {r[0] for r in rows}

    defining = terms("Student Networks Learn Better")
    # "(OPD)" after "on-policy distillation": the initials of on / policy / distillation; the abstract's
    # own "OPD" is that term, and hyphenated words stay whole
    assert {"on-policy distillation", "off-policy training", "student", "token"} <= defining
    assert not {"opd", "policy", "policy distillation", "on", "off"} & defining
    # the title's "OPD" (in capitals) is the expansion; inside a phrase it stays as written;
    # "without" is a stop word, so no 2-word term around it
    assert terms("OPD Without Labels") == {"on-policy distillation", "label", "opd without label"}
    # a link in the first 100 characters: a comment, not an abstract, so the title's terms only
    assert terms("Sparse Signals Revisited") == {"sparse", "signal", "revisited", "sparse signal", "signal revisited",
                                                 "sparse signal revisited"}


def test_stray_hyphens_and_symbols_split_words_like_spaces(world):
    # by hand: "--" between two spaces is no word; "+" splits; "Flam-" and "-Trel" lose their edge hyphens
    # (no hyphen between letters); so 4 words, none a stop word or a fragment, and every run of 1-3 of them
    rows = query(world["warehouse"], "SELECT pt.term FROM intermediate.int_paper_terms AS pt "
                                     "JOIN marts.papers AS p USING (paper_id) WHERE p.title = ?", [STRAY_MARKS.title])
    assert {r[0] for r in rows} == {"zorbo", "quix", "flam", "trel", "zorbo quix", "quix flam", "flam trel",
                                    "zorbo quix flam", "quix flam trel"}
