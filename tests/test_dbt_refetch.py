"""Re-fetched days: versions ordered by fetch time, counted once per (paper, day), all kept for upvotes.

Hand-written raw rows (no parser). Day 2026-11-02 was fetched twice: at 08:00
(A has 5 upvotes) and at 20:00 (A has 9). Both versions were loaded in one
chunk, so they share one ``ingested_at``; the newer one's id sorts first
("a_late" < "b_early"), so only the fetch time can tell which is newer.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import polars as pl

from pipeline.ingest.loader import ingest_landing
from pipeline.publish import publish
from pipeline.report import PER_DAY_SQL
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import dbt_build, insert_raw, query

A = "Sparse Mixtures of Tiny Experts"
LOADED = datetime(2026, 11, 3, 6)
VERSIONS = [  # snapshot_id, fetched_at, A's upvotes
    ("b_early", datetime(2026, 11, 2, 8), 5),
    ("a_late", datetime(2026, 11, 2, 20), 9),
]


def load_versions(warehouse) -> None:
    snapshots = pl.DataFrame([{
        "snapshot_id": sid, "file_name": f"2026-11-02_{sid}.json", "layout": "hf_api_json",
        "snapshot_date": date(2026, 11, 2), "snapshot_date_source": "file_name", "n_entries": 1, "n_rejected": 0,
        "size_bytes": 100, "encoding": "utf-8", "parser_version": "test", "ingested_at": LOADED, "fetched_at": fetched,
    } for sid, fetched, _ in VERSIONS])
    mentions = pl.DataFrame([{"snapshot_id": sid, "position": 1, "title": A, "abstract": pages.ABSTRACT_A,
                              "arxiv_id": "2611.00001", "upvotes": up} for sid, _, up in VERSIONS],
                            schema_overrides={"position": pl.Int32})
    insert_raw(warehouse, {"snapshots": snapshots, "paper_mentions": mentions})


def test_latest_upvotes_is_the_newest_fetch_and_a_refetch_is_one_mention(tmp_path, monkeypatch) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
    load_versions(warehouse)
    dbt_build(tmp_path)
    # newest fetch (20:00) shows 9; one day -> one mention; peak 9
    assert query(warehouse, "SELECT n_mentions, n_snapshots, max_upvotes, latest_upvotes FROM marts.papers") == [
        (1, 1, 9, 9)]
    # the upvote history keeps both versions, with their fetch times
    assert query(warehouse, "SELECT fetched_at, upvotes FROM marts.paper_mentions ORDER BY fetched_at") == [
        (datetime(2026, 11, 2, 8), 5), (datetime(2026, 11, 2, 20), 9)]
    analytics = tmp_path / "analytics.duckdb"
    publish(warehouse, analytics, pipeline_version="1")
    assert query(analytics, "SELECT n_mentions FROM meta_quality") == [(1,)]
    assert query(analytics, PER_DAY_SQL) == [(date(2026, 11, 2), 1)]
    assert query(analytics, "SELECT upvotes FROM marts.papers_latest_day") == [(9,)]


def test_fetch_time_comes_from_the_fetch_suffix_or_the_mtime(world: Settings) -> None:
    body = json.dumps(pages.API_ITEMS)
    write_file(world.landing_dir / "2026-11-20.json", body, "2026-11-20")  # mtime: noon UTC
    write_file(world.landing_dir / "2026-11-20_fetch20261121T053000Z.json", body.replace('"upvotes": 3', '"upvotes": 4'),
               "2026-11-22")
    ingest_landing(world.landing_dir, world.warehouse)
    assert query(world.warehouse, "SELECT file_name, fetched_at FROM raw.snapshots ORDER BY file_name") == [
        ("2026-11-20.json", datetime(2026, 11, 20, 12)),
        ("2026-11-20_fetch20261121T053000Z.json", datetime(2026, 11, 21, 5, 30)),
    ]


def test_an_upgraded_warehouse_gains_fetched_at_and_asks_for_a_full_refresh(world: Settings) -> None:
    """Incremental models of an older build lack the new column: the migration requests the rebuild."""
    from pipeline import warehouse

    with warehouse.connect(world.warehouse) as con:  # as the previous version left it
        con.execute("ALTER TABLE raw.snapshots DROP COLUMN fetched_at")
    with warehouse.connect(world.warehouse) as con:
        assert [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'snapshots' AND column_name = 'fetched_at'").fetchall()]
        assert warehouse.full_refresh_requests(con) == [
            "the raw layer gained columns raw.snapshots.fetched_at (pipeline upgrade)"]
    with warehouse.connect(world.warehouse) as con:  # nothing more to migrate: no new request
        assert len(warehouse.full_refresh_requests(con)) == 1


def test_a_first_version_ties_with_a_re_fetch_of_the_same_second(world: Settings) -> None:
    """The mtime counts to the second, as the ``_fetch`` stamps do: 05:30:00.9 is not after a re-fetch stamped 05:30:00;
    the tie goes to the later load (int_paper_mentions's recency; test_fetch's backfill-then-tick, end to end)."""
    body = json.dumps(pages.API_ITEMS)
    first = write_file(world.landing_dir / "2026-11-20.json", body, "2026-11-21")
    stamp = datetime(2026, 11, 21, 5, 30, tzinfo=UTC).timestamp() + 0.9
    os.utime(first, (stamp, stamp))
    ingest_landing(world.landing_dir, world.warehouse)
    write_file(world.landing_dir / "2026-11-20_fetch20261121T053000Z.json", body.replace('"upvotes": 3', '"upvotes": 4'),
               "2026-11-21")
    ingest_landing(world.landing_dir, world.warehouse)
    rows = query(world.warehouse, "SELECT file_name, fetched_at FROM raw.snapshots ORDER BY ingested_at")
    assert rows == [("2026-11-20.json", datetime(2026, 11, 21, 5, 30)),
                    ("2026-11-20_fetch20261121T053000Z.json", datetime(2026, 11, 21, 5, 30))]
