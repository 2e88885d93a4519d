"""The term path built one week at a time equals a --full-refresh build of the same input, row for row.

One snapshot a week (Wednesdays) from the week of 2026-09-07 (W1) to W11, each
with 4 "Steady Graph Kernels" papers and "Widget Calibration" fillers up to 20;
"Quantum Sparkle Nets" has 3, 5 and 7 papers in W9-W11 (it emerges, so
term_papers has rows, and int_term_climbs has its first rows at W10, the 10th
week). Two global rules change earlier results on the way:

- W9 brings four papers whose real abstracts (300+ characters, no link) carry
  "heliotrope manifold": T1 and T2 open with the same 40 characters, N1 and N2
  open otherwise. The term then has 4 papers (>= term_min_papers = 3), all in W9.
  W10 brings T3 with the same opening: 3 papers share it, so it is a template
  (term_template_papers = 3) and T1-T3 keep their title terms only. The term is
  left with N1 and N2, 2 papers: it leaves term_counts, W9 included.
- "Zebra Lattice" titles: two in W10 (2 papers: no term yet), one in W11. The
  term then has 3 papers and enters term_counts with its W10 row (2 papers)
  as well as its W11 row (1 paper).

dbt builds after W9, W10 and W11 (incremental models on); a copy of the final
warehouse rebuilt with --full-refresh must hold the same rows in every term
model (EXCEPT ALL both ways, lists compared sorted). Each build selects the term
path (``TERM_PATH``: the models read here, what they read, and their data tests):
the topic marts prove nothing on these titles, and are built in full on the
worlds of test_dbt_dedup, test_dbt_subsets and test_dbt_samples.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.fixtures.dbt.world import dbt_build, query
from tests.test_dbt_dedup import Entry, Snapshot, load

W1 = date(2026, 9, 7)
WEEKS = [W1 + timedelta(weeks=i) for i in range(11)]
OPENING = "Some of the observations founded are :- "  # 40 characters: the compared opening
BODY = ("the heliotrope manifold of the {0} corpus, measured over many careful runs with public code and "
        "data. We describe the setting, the baselines and the metrics, then report the ablations on every "
        "split and the variance across seeds, and close with the limits of the study and the open questions "
        "that a larger {0} benchmark could settle for good.")
TEMPLATED = {9: ["alpha", "beta"], 10: ["gamma"]}  # week -> template papers (T1, T2; T3)
OTHERS = {9: ["delta", "epsilon"]}  # week -> papers with their own opening (N1, N2)
ZEBRA = {10: 2, 11: 1}
SPARKLE = {9: 3, 10: 5, 11: 7}  # week -> "Zebra Lattice" titles


def week_snapshot(w: int) -> Snapshot:
    entries = [Entry(f"Template Study {name.title()}", OPENING + BODY.format(name)) for name in TEMPLATED.get(w, [])]
    entries += [Entry(f"Own Study {name.title()}", f"In this {name} paper we study " + BODY.format(name))
                for name in OTHERS.get(w, [])]
    entries += [Entry(f"Zebra Lattice {w}-{i}") for i in range(ZEBRA.get(w, 0))]
    entries += [Entry(f"Quantum Sparkle Nets {w}-{i}") for i in range(SPARKLE.get(w, 0))]
    entries += [Entry(f"Steady Graph Kernels {w}-{i}") for i in range(4)]
    entries += [Entry(f"Widget Calibration {w}-{i}") for i in range(20 - len(entries))]
    return Snapshot(f"w{w}", WEEKS[w - 1] + timedelta(days=2), "blank_separated", entries)


# Every model of the term path, as a query on database {db}; list columns sorted (their order is
# not part of the contract). The incremental lookups keep what they once matched (a word or term
# that left the corpus stays, harmless: readers join on the current terms), so they are compared
# on the current terms.
MODELS = {
    "term_counts": "SELECT * FROM {db}.marts.term_counts",
    "term_trends": "SELECT * FROM {db}.marts.term_trends",
    "term_papers": "SELECT * FROM {db}.marts.term_papers",
    "int_paper_terms": "SELECT * FROM {db}.intermediate.int_paper_terms",
    "int_term_climbs": "SELECT * FROM {db}.intermediate.int_term_climbs",
    "int_text_terms": "SELECT * REPLACE (list_sort(title_terms) AS title_terms, list_sort(abstract_terms) AS abstract_terms, "
                      "list_sort(acronyms) AS acronyms, list_sort(capitals) AS capitals) FROM {db}.intermediate.int_text_terms",
    "int_word_english": "SELECT * FROM {db}.intermediate.int_word_english "
                        "WHERE word IN (SELECT term FROM {db}.intermediate.int_paper_terms)",
    "int_term_topics": "SELECT * FROM {db}.intermediate.int_term_topics WHERE term IN (SELECT term FROM {db}.marts.term_counts)",
}


# the term marts and everything upstream of them (dbt selector syntax), with the data tests whose every parent is built
TERM_PATH = ("--select", "+term_trends", "+term_papers", "--indirect-selection", "cautious")


def week_counts(warehouse: Path, term: str) -> dict[date, int]:
    rows = query(warehouse, "SELECT period_start, n_papers FROM marts.term_counts WHERE grain = 'week' AND term = ?", [term])
    return dict(rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("term_incremental")
    # copies keep the file name: dbt names the database after it
    warehouse, full = root / "warehouse.duckdb", root / "full_refresh" / "warehouse.duckdb"
    counts: dict[int, dict[str, dict[date, int]]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        for w in range(1, 10):
            load(warehouse, week_snapshot(w))
        for w in (9, 10, 11):
            if w > 9:
                load(warehouse, week_snapshot(w))
            dbt_build(root, *TERM_PATH)
            counts[w] = {t: week_counts(warehouse, t) for t in ("heliotrope manifold", "zebra lattice")}
        full.parent.mkdir()
        shutil.copy(warehouse, full)
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(full))
        dbt_build(full.parent, "--full-refresh", *TERM_PATH)
    return {"warehouse": warehouse, "full": full, "counts": counts}


def test_the_global_rules_change_earlier_weeks_on_the_way(world):
    counts, w9, w10, w11 = world["counts"], WEEKS[8], WEEKS[9], WEEKS[10]
    # after W9: T1, T2, N1, N2 (2 papers share the opening: no template yet)
    assert counts[9]["heliotrope manifold"] == {w9: 4}
    # after W10: T1-T3 share it (a template): N1 and N2 alone, under term_min_papers
    assert counts[10]["heliotrope manifold"] == {}
    # zebra lattice: 2 papers after W10 (no term), 3 after W11 with its W10 row back-filled
    assert counts[10]["zebra lattice"] == {}
    assert counts[11]["zebra lattice"] == {w10: 2, w11: 1}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_built_week_by_week_equals_a_full_refresh(world, model):
    sql = MODELS[model].format(db="warehouse")  # both files are named warehouse.duckdb
    with duckdb.connect(str(world["full"]), read_only=True) as full:
        reference = full.sql(sql).pl()
    with duckdb.connect(str(world["warehouse"]), read_only=True) as con:
        con.register("reference", reference)
        only_inc = con.execute(f"SELECT count(*) FROM ({sql} EXCEPT ALL SELECT * FROM reference)").fetchone()[0]
        only_full = con.execute(f"SELECT count(*) FROM (SELECT * FROM reference EXCEPT ALL {sql})").fetchone()[0]
    assert (only_inc, only_full) == (0, 0), model
    assert reference.height > 0, model
