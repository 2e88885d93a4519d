"""dbt marts built from the five real digest pages of ``../shared/seeds``.

The pages go through the real ingest (``ingest_landing``), then ``dbt build``.
Each page gets its own date so that a paper on several pages is seen on
several days: 000, 001 and 002 have no date in name or header and take their
mtime (2026-11-21, -22, -23); 003 and 004 carry a header date (Mar 12, Oct 30:
the latest such day not after their mtime, i.e. 2026-03-12 and 2026-10-30).
"""

from __future__ import annotations

import csv
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.dbt.world import dbt_build, query

from tests.conftest import SEEDS_DIR

if not SEEDS_DIR.is_dir():
    pytest.skip("../shared/seeds not found: the real seed pages are only beside the repo in CI/dev",
                allow_module_level=True)

from pipeline.ingest import ingest_landing  # noqa: E402

ASSIGNMENTS = Path(__file__).parent / "fixtures" / "dbt" / "topic_assignments.csv"
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


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
        dbt_build(root)
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


def test_hand_checked_topic_assignments(warehouse):
    with ASSIGNMENTS.open(encoding="utf-8", newline="") as handle:
        expected = list(csv.DictReader(handle))
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
    # 259 days = 37 weeks later, so 38 weeks; months March to November = 9; 23 topics each.
    grid = dict(query(warehouse, "SELECT grain, count(*) FROM marts.topic_trends GROUP BY 1"))
    assert grid == {"week": 38 * 23, "month": 9 * 23}
