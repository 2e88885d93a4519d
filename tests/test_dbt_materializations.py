"""The project's own materializations (dbt_project/macros/replace_materializations.sql), run by real dbt.

A table or view is one ``create or replace`` (no ``__dbt_tmp`` or ``__dbt_backup`` left
behind); a view whose SQL and a seed whose CSV did not change are left as they are, which
the md5 marker in their comment records; a view replaced by hand, and every seed under
``--full-refresh``, are built again.
"""

from __future__ import annotations

import csv

import duckdb

from pipeline.settings import DBT_PROJECT_DIR
from tests.fixtures.dbt.world import dbt_build, insert_raw, query

SELECT = ["--select", "topics", "topic_rules", "stg_snapshots", "int_topic_rules", "mart_topics", "--indirect-selection", "cautious"]


def seed_rows(name: str) -> int:
    with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def comment(warehouse, schema: str, name: str) -> str | None:
    [(text,)] = query(warehouse, "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? UNION ALL "
                                 "SELECT comment FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                      [schema, name, schema, name])
    return text


def test_unchanged_views_and_seeds_are_left_as_they_are_until_a_full_refresh(tmp_path, monkeypatch) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
    insert_raw(warehouse, {})  # the raw tables, empty: staging reads them
    dbt_build(tmp_path, *SELECT)
    topics = seed_rows("topics")
    assert query(warehouse, "SELECT count(*) FROM marts.topics") == [(topics,)]
    assert comment(warehouse, "staging", "stg_snapshots").startswith("papertrends view ")
    assert comment(warehouse, "seeds", "topics").startswith("papertrends seed ")
    assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE contains(table_name, '__dbt_')") == [(0,)]

    # a planted seed row survives a build (the CSV did not change, so the seed is not reloaded);
    # the view replaced by hand (no marker) is created again with its own columns
    with duckdb.connect(str(warehouse)) as con:
        con.execute("INSERT INTO seeds.topics (topic_id, label) VALUES ('planted', 'Planted')")
        con.execute("CREATE OR REPLACE VIEW staging.stg_snapshots AS SELECT 1 AS x")
    dbt_build(tmp_path, *SELECT)
    assert query(warehouse, "SELECT count(*) FROM seeds.topics") == [(topics + 1,)]
    assert query(warehouse, "SELECT count(*) FROM marts.topics") == [(topics + 1,)]
    columns = query(warehouse, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'staging' "
                               "AND table_name = 'stg_snapshots' ORDER BY ordinal_position LIMIT 2")
    assert columns == [("snapshot_id",), ("file_name",)]  # models/staging/stg_snapshots.sql

    # --full-refresh reloads every seed: the planted row is gone
    dbt_build(tmp_path, *SELECT, "--full-refresh")
    assert query(warehouse, "SELECT count(*) FROM seeds.topics") == [(topics,)]
    assert query(warehouse, "SELECT count(*) FROM marts.topics") == [(topics,)]
