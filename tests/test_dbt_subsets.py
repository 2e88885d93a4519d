"""marts.papers keeps its own change state; latest_upvotes; a full refresh from run config.

Three worlds:

- hand-written raw rows (no parser) for ``latest_upvotes``, values worked out
  below by hand; dbt builds ``marts.papers`` and what it reads (``PAPERS_PATH``),
  with their data tests: the other marts are built on the next world;
- four generated days (2026-11-17 .. 2026-11-20, layouts blank_separated,
  line_pairs, annotated, hf_api_json) run through Dagster: the whole job on
  days 1-2, then day 3 ingested and only ``marts/paper_mentions`` and the dbt
  models upstream of it materialized (a subset without ``marts/papers``), then
  day 4 and the whole job. Every mart must equal a full refresh
  of that warehouse. (Before papers kept its own state it read
  paper_mentions to find changes, so day 3's new papers never reached it.)
- the same warehouse, with planted rows, rebuilt by ``daily_refresh`` with run
  config ``full_refresh: true``: that full refresh is the one the incremental
  marts are compared with (the planted rows vanish, so it rebuilt from raw), one
  dbt build fewer than a separate ``dbt build --full-refresh`` of a copy.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection

from pipeline.definitions import build_definitions
from pipeline.ingest import ingest_landing
from pipeline.samples import generate
from tests.fixtures.dbt.world import dbt_build, query
from tests.test_dbt_dedup import Entry, Snapshot, load

END = date(2026, 11, 20)
PAPERS = AssetKey(["marts", "papers"])
MENTIONS = AssetKey(["marts", "paper_mentions"])


def all_marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every base table of the marts schema, rows sorted (exact comparison of two builds)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'marts' AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
        return {t: sorted(con.execute(f"SELECT * FROM marts.{t}").fetchall(), key=repr) for t in tables}  # noqa: S608


# --- latest_upvotes on hand-written raw rows -------------------------------------------------

A = "Sparse Mixtures of Tiny Experts"
B = "Counting Tokens in Long Documents"
# marts.papers and everything upstream of it (dbt selector syntax), with the data tests whose every parent is built
PAPERS_PATH = ("--select", "+papers", "--indirect-selection", "cautious")
UP1 = Snapshot("u1", date(2026, 11, 2), "hf_api_json", [
    Entry(A, arxiv_id="2611.00001", upvotes=5), Entry(B, arxiv_id="2611.00002")])
UP2 = Snapshot("u2", date(2026, 11, 3), "hf_api_json", [
    Entry(A, arxiv_id="2611.00001", upvotes=3), Entry(B, arxiv_id="2611.00002", upvotes=7)])
# a text page: no arXiv id (the title key maps A to its arXiv id) and no upvote count
UP3 = Snapshot("u3", date(2026, 11, 4), "blank_separated", [Entry(A)])


def test_latest_upvotes_is_the_newest_shown_count(tmp_path, monkeypatch) -> None:
    # full.duckdb: dbt names its database "full", so this also checks that a parse is not reused across names
    warehouse, full = tmp_path / "warehouse.duckdb", tmp_path / "full.duckdb"
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
    load(warehouse, UP1)
    load(warehouse, UP2)
    dbt_build(tmp_path, *PAPERS_PATH)
    sql = "SELECT paper_id, n_mentions, max_upvotes, latest_upvotes FROM marts.papers ORDER BY paper_id"
    # A: 5 on day 1, 3 on day 2 -> max 5, latest 3. B: none, then 7 -> 7 and 7.
    assert query(warehouse, sql) == [("2611.00001", 2, 5, 3), ("2611.00002", 2, 7, 7)]
    load(warehouse, UP3)
    dbt_build(tmp_path, *PAPERS_PATH)  # incremental: A's fingerprint changed, B's did not
    # day 3 shows A without a count: latest stays day 2's 3; A now has 3 mentions
    assert query(warehouse, sql) == [("2611.00001", 3, 5, 3), ("2611.00002", 2, 7, 7)]
    shutil.copy(warehouse, full)
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(full))
    dbt_build(tmp_path, "--full-refresh", *PAPERS_PATH)
    rebuilt = all_marts(full)
    assert "papers" in rebuilt and rebuilt == all_marts(warehouse)


# --- any subset of dbt assets, then the whole job, equals a full refresh ---------------------

@pytest.fixture(scope="module")
def subset_world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("subsets")
    generated, landing = root / "generated", root / "landing"
    env = {"PAPERTRENDS_LANDING_DIR": str(landing), "PAPERTRENDS_WAREHOUSE": str(root / "warehouse.duckdb"),
           "PAPERTRENDS_ANALYTICS": str(root / "analytics.duckdb"), "PAPERTRENDS_REPORT_DIR": str(root / "reports")}
    generate(generated, days=4, end=END, entries_per_day=(12, 20))
    days = sorted(generated.iterdir())
    landing.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        warehouse = Path(env["PAPERTRENDS_WAREHOUSE"])
        defs = build_definitions()
        job = defs.resolve_job_def("daily_refresh")
        for path in days[:2]:
            path.rename(landing / path.name)
        assert job.execute_in_process().success
        days[2].rename(landing / days[2].name)
        ingest_landing(landing, warehouse)
        graph = defs.resolve_asset_graph()
        subset = {k for k in AssetSelection.assets(MENTIONS).upstream().resolve(graph) if k.path[0] not in ("raw", "landing")}
        assert PAPERS not in subset and MENTIONS in subset
        assert job.execute_in_process(asset_selection=sorted(subset, key=str)).success
        stale = query(warehouse, "SELECT count(DISTINCT paper_id) FROM marts.paper_mentions "
                                 "WHERE paper_id NOT IN (SELECT paper_id FROM marts.papers)")[0][0]
        days[3].rename(landing / days[3].name)
        assert job.execute_in_process().success
        incremental = all_marts(warehouse)
        n_mentions = query(warehouse, "SELECT count(*) FROM raw.paper_mentions")[0][0]
        # Planted rows that an incremental run keeps (nothing selects them again), then the full refresh
        # from run config: every mart rebuilt from raw, the build the incremental marts are compared with.
        with duckdb.connect(str(warehouse)) as con:
            con.execute("INSERT INTO marts.paper_mentions (snapshot_id, snapshot_date, position, paper_id, title, upvotes) "
                        "VALUES ('planted', DATE '2026-11-19', 1, ?, 'Planted', 1)", ["t_planted"])
            # a paper whose mentions do not change keeps its row on an incremental run
            con.execute("UPDATE marts.papers SET latest_upvotes = -1 WHERE paper_id = (SELECT min(paper_id) FROM marts.papers)")
        refreshed = job.execute_in_process(run_config={"ops": {"dbt_models": {"config": {"full_refresh": True}}}})
        facts = {"stale": stale, "incremental": incremental, "n_mentions": n_mentions, "refreshed": refreshed,
                 "planted": query(warehouse, "SELECT count(*) FROM marts.paper_mentions WHERE snapshot_id = 'planted'"),
                 "minus_one": query(warehouse, "SELECT count(*) FROM marts.papers WHERE latest_upvotes = -1"),
                 "full": all_marts(warehouse), "dbt_builds": query(warehouse, "SELECT count(*) FROM ops.dbt_builds")}
        yield {**facts, "again": job.execute_in_process()}  # nothing new: the test below says what it must skip


def test_subset_then_whole_job_equals_a_full_refresh(subset_world) -> None:
    # the subset left day 3's new papers out of marts.papers: the case that used to stick
    assert subset_world["stale"] > 0
    full, incremental = subset_world["full"], subset_world["incremental"]
    assert {"papers", "paper_mentions", "topic_counts", "topic_trends"} <= set(full)
    assert set(incremental) == set(full)
    for table, rows in full.items():
        assert incremental[table] == rows, table
    assert len(full["paper_mentions"]) == subset_world["n_mentions"]


def test_full_refresh_run_config_rebuilds_incremental_models(subset_world) -> None:
    """Planted rows that an incremental run keeps (nothing selects them again) vanish."""
    assert subset_world["refreshed"].success
    assert subset_world["planted"] == [(0,)]
    assert subset_world["minus_one"] == [(0,)]
    assert subset_world["full"] == subset_world["incremental"]  # the marts as before the planting
    # The full refresh is recorded as a complete build: the next run with nothing new builds nothing.
    assert subset_world["dbt_builds"] == [(1,)]
    again = subset_world["again"]
    assert again.success
    built = {tuple(e.event_specific_data.materialization.asset_key.path) for e in again.get_asset_materialization_events()}
    assert not {key for key in built if key[0] in ("marts", "delivery")}
