"""dbt marts built from the five real digest pages of ``../shared/seeds``, and
the topic taxonomy checked on hand-labelled real papers.

The pages go through the real ingest (``ingest_landing``), then ``dbt build``.
Each page gets its own date so that a paper on several pages is seen on
several days: 000, 001 and 002 have no date in name or header and take their
mtime (2026-11-21, -22, -23); 003 and 004 carry a header date (Mar 12, Oct 30:
the latest such day not after their mtime, i.e. 2026-03-12 and 2026-10-30).

The fixture ``topic_assignments.csv`` has two kinds of rows. Rows without an
``arxiv_id`` name a paper of the seed pages (checked on that warehouse). Rows
with an ``arxiv_id`` are real 2025-12/2026-01 daily papers of
``../shared/real``: the fixture holds their title and an excerpt of their
summary (given once, on the paper's first row), so these tests need no
``../shared/real``. Their labels come from reading title and excerpt:
``yes`` = the paper is about the topic, ``maybe`` = acceptable, ``no`` = a
trap the rules must avoid; any other topic a rule gives is counted wrong.

Both worlds build the paper and topic marts read here and what they read
(``TOPIC_PATH``), with their data tests: the term marts prove nothing on these
pages (the term rules are checked on the hand-made, generated and real worlds).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from bench.topic_coverage import DEFAULT_DIR, MAX_TOPIC_SHARE, MIN_COVERAGE, assign, load_api_dir, match, topic_patterns
from pipeline.ingest import ingest_landing
from pipeline.settings import DBT_PROJECT_DIR
from tests.conftest import SEEDS_DIR, write_file
from tests.fixtures.dbt.world import dbt_build, query
from tests.pages import api_item

ASSIGNMENTS = Path(__file__).parent / "fixtures" / "dbt" / "topic_assignments.csv"
TOPICS_SEED = DBT_PROJECT_DIR / "seeds" / "topics.csv"
# the marts read below (marts.topics is the model mart_topics), everything upstream of them, and the data
# tests whose every parent is built
TOPIC_PATH = ("--select", "+topic_trends", "+papers", "+mart_topics", "--indirect-selection", "cautious")
MTIME_DAY = {"000": 21, "001": 22, "002": 23, "003": 23, "004": 23}

# Counted by hand from the files (blank-line paragraphs, alternating lines of
# the line_pairs pages, the annotated blocks; see tests/fixtures/seed_counts.md):
# 36 + 231 + 196 + 41 + 59 = 563 entries, and `sort -u` over those 563 titles
# leaves 476 distinct strings. No two of them differ only by case, spacing,
# punctuation or Unicode form (lower-casing and dropping everything but letters
# and digits still leaves 476), so the dedup must give exactly 476 papers.
N_MENTIONS, N_PAPERS = 563, 476
# Titles on more than one page: 45 on two, 8 on three, 6 on four, 2 on five
# (45 + 2*8 + 3*6 + 4*2 = 87 = 563 - 476); all five pages have distinct dates.
PAGES_PER_PAPER = {1: 415, 2: 45, 3: 8, 4: 6, 5: 2}
ON_ALL_PAGES = ["A Critical Review of Recurrent Neural Networks for Sequence Learning", "Pointer Networks"]
DESIGN_TOPICS = {
    "transformers_attention", "large_language_models", "recurrent_networks", "state_space_models",
    "interpretability", "in_context_learning", "graph_neural_networks", "spiking_neuromorphic",
    "neural_architecture_search", "efficiency_compression", "continual_learning", "neuro_symbolic", "vision",
    "speech_audio", "reinforcement_learning", "generative_diffusion", "optimization_theory",
    "representation_learning", "retrieval_search", "robustness_adversarial",
}
# Taxonomy v2 (issue 11): topics for today's papers and where each rolls up (None = top level).
V2_PARENTS = {
    "agents": "large_language_models", "multimodal_models": "large_language_models",
    "video_generation": "generative_diffusion", "image_generation": "generative_diffusion",
    "vision_3d": "vision", "embodied_robotics": None, "autonomous_driving": "embodied_robotics",
    "code_generation": "large_language_models", "reasoning": "large_language_models",
    "benchmarks_evaluation": None, "datasets_synthetic_data": None, "safety_alignment": None,
    "world_models": None, "diffusion_language_models": "large_language_models", "medical_health": None,
    "memory_long_context": None, "human_motion_avatars": "vision", "documents_ocr": "vision",
    "ai_for_science": None,
}
MIN_PRECISION, MIN_RECALL, MIN_REAL_PAPERS = 0.90, 0.90, 60


def fixture_rows() -> list[dict[str, str]]:
    with ASSIGNMENTS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def real_papers() -> dict[str, dict]:
    """The fixture's real papers: arxiv_id -> title, abstract excerpt and label sets."""
    papers: dict[str, dict] = {}
    for row in fixture_rows():
        if row["arxiv_id"]:
            paper = papers.setdefault(row["arxiv_id"], {"title": row["title"], "abstract": "",
                                                        "yes": set(), "maybe": set(), "no": set()})
            assert paper["title"] == row["title"]
            assert not (paper["abstract"] and row["abstract"]), f"{row['arxiv_id']}: abstract given twice"
            paper["abstract"] = paper["abstract"] or row["abstract"]
            paper[row["expected"]].add(row["topic_id"])
    return papers


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip("../shared/seeds not found: the real seed pages are only beside the repo in CI/dev")
    root = tmp_path_factory.mktemp("seeds")
    landing, path = root / "landing", root / "warehouse.duckdb"
    landing.mkdir()
    for page in sorted(SEEDS_DIR.iterdir()):
        target = shutil.copy(page, landing / page.name)
        stamp = datetime(2026, 11, MTIME_DAY[page.name[:3]], 12, tzinfo=UTC).timestamp()
        os.utime(target, (stamp, stamp))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(path))
        ingest_landing(landing, path)
        dbt_build(root, *TOPIC_PATH)
    return path


def test_every_mention_is_kept_and_distinct_titles_are_distinct_papers(warehouse):
    assert query(warehouse, "SELECT count(*) FROM marts.paper_mentions") == [(N_MENTIONS,)]
    assert query(warehouse, "SELECT count(*), count(DISTINCT title_key) FROM marts.papers") == [(N_PAPERS, N_PAPERS)]


def test_papers_on_several_pages_have_several_snapshots(warehouse):
    dates = query(warehouse, "SELECT count(DISTINCT snapshot_date) FROM marts.paper_mentions")
    assert dates == [(5,)]
    counts = dict(query(warehouse, "SELECT n_snapshots, count(*) FROM marts.papers GROUP BY 1"))
    assert counts == PAGES_PER_PAPER
    rows = query(warehouse, "SELECT title, n_snapshots, first_seen_date, last_seen_date FROM marts.papers "
                            "WHERE title IN (?, ?) ORDER BY title", ON_ALL_PAGES)
    assert [r[1:] for r in rows] == [(5, datetime(2026, 3, 12).date(), datetime(2026, 11, 23).date())] * 2


def test_taxonomy_has_the_design_topics_and_covers_most_papers(warehouse):
    topics = {t for (t,) in query(warehouse, "SELECT topic_id FROM marts.topics WHERE n_rules > 0")}
    assert DESIGN_TOPICS <= topics
    ((covered,),) = query(warehouse, "SELECT count(DISTINCT paper_id) FROM marts.paper_topics")
    assert covered / N_PAPERS >= 0.80


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's real papers as one daily-papers API page, through ingest and dbt."""
    root = tmp_path_factory.mktemp("real_papers")
    landing, path = root / "landing", root / "warehouse.duckdb"
    landing.mkdir()
    items = [api_item(pid, p["title"], p["abstract"]) for pid, p in real_papers().items()]
    write_file(landing / "2026-11-19.json", json.dumps(items), day="2026-11-19")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(path))
        ingest_landing(landing, path)
        dbt_build(root, *TOPIC_PATH)
    return path


def test_hand_checked_topic_assignments(warehouse):
    expected = [row for row in fixture_rows() if not row["arxiv_id"]]
    assert len(expected) >= 30
    assert sum(row["expected"] == "no" for row in expected) >= 10
    got = set(query(warehouse, "SELECT p.title, t.topic_id FROM marts.paper_topics t JOIN marts.papers p USING (paper_id)"))
    titles = {t for (t,) in query(warehouse, "SELECT title FROM marts.papers")}
    assert {row["title"] for row in expected} <= titles
    wrong = [(row["title"], row["topic_id"], row["expected"]) for row in expected
             if ((row["title"], row["topic_id"]) in got) != (row["expected"] == "yes")]
    assert wrong == []


def test_trends_cover_every_topic_and_period(warehouse):
    # ISO weeks from 2026-03-09 (Monday of Mar 12) to 2026-11-23 (a Monday itself):
    # 259 days = 37 weeks later, so 38 weeks; months March to November = 9; one row per
    # topic of the seed each (23 original + 19 of taxonomy v2 = 42).
    with TOPICS_SEED.open(encoding="utf-8", newline="") as handle:
        n_topics = len(list(csv.DictReader(handle)))
    assert n_topics == len(DESIGN_TOPICS) + 3 + len(V2_PARENTS) == 42
    grid = dict(query(warehouse, "SELECT grain, count(*) FROM marts.topic_trends GROUP BY 1"))
    assert grid == {"week": 38 * n_topics, "month": 9 * n_topics}


def test_taxonomy_v2_topics_roll_up_one_level(real_warehouse):
    rows = query(real_warehouse, "SELECT topic_id, parent_topic_id, n_rules FROM marts.topics")
    parents = {topic: parent for topic, parent, _ in rows}
    assert all(n > 0 for _, _, n in rows)
    assert {t: parents.get(t, "missing") for t in V2_PARENTS} == V2_PARENTS
    assert all(parents[t] is None for t in DESIGN_TOPICS)
    # a parent is itself top level, so a roll-up is one coalesce(parent_topic_id, topic_id)
    assert {parents[p] for p in parents.values() if p is not None} == {None}


def test_real_papers_precision_and_recall(real_warehouse):
    papers = real_papers()
    assert len(papers) >= MIN_REAL_PAPERS
    assert all(len(p["abstract"]) >= 20 and p["yes"] for p in papers.values())
    got: dict[str, set[str]] = {pid: set() for pid in papers}
    for arxiv_id, topic in query(real_warehouse, "SELECT p.arxiv_id, t.topic_id FROM marts.paper_topics t "
                                                 "JOIN marts.papers p USING (paper_id)"):
        got[arxiv_id].add(topic)
    assert query(real_warehouse, "SELECT count(*) FROM marts.papers") == [(len(papers),)]
    matched = sum(len(g) for g in got.values())
    correct = sum(len(got[pid] & (p["yes"] | p["maybe"])) for pid, p in papers.items())
    required = sum(len(p["yes"]) for p in papers.values())
    found = sum(len(got[pid] & p["yes"]) for pid, p in papers.items())
    assert correct / matched >= MIN_PRECISION, f"precision {correct}/{matched}"
    assert found / required >= MIN_RECALL, f"recall {found}/{required}"
    traps = {(pid, t) for pid, p in papers.items() for t in got[pid] & p["no"]}
    assert traps == set()


def test_measurement_script_matches_dbt(real_warehouse):
    """bench.topic_coverage applies the seed rules exactly as dbt does (same topics per paper)."""
    papers = real_papers()
    dbt: dict[str, set[str]] = {pid: set() for pid in papers}
    for arxiv_id, topic in query(real_warehouse, "SELECT p.arxiv_id, t.topic_id FROM marts.paper_topics t "
                                                 "JOIN marts.papers p USING (paper_id)"):
        dbt[arxiv_id].add(topic)
    assert assign((pid, p["title"], p["abstract"]) for pid, p in papers.items()) == dbt


def test_real_data_coverage_targets():
    if not DEFAULT_DIR.is_dir():
        pytest.skip("../shared/real/hf_api not found: the real daily papers are only beside the repo in dev")
    con = duckdb.connect()
    load_api_dir(con, DEFAULT_DIR)
    match(con, topic_patterns(con))
    # 59 days, 1,519 entries, 1,057 distinct arXiv ids (../shared/real/README.md)
    ((n_papers, n_covered),) = con.execute(
        "SELECT (SELECT count(*) FROM texts), (SELECT count(DISTINCT paper_id) FROM matches)").fetchall()
    ((largest,),) = con.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM matches GROUP BY topic_id)").fetchall()
    assert n_papers == 1057
    assert n_covered / n_papers >= MIN_COVERAGE
    assert largest / n_papers <= MAX_TOPIC_SHARE
