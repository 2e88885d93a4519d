"""Publish: the analytics file is a complete, documented, atomically replaced copy of the marts.

The world is the hand-made warehouse of ``fixtures/small_warehouse.sql``; every
expected value below is worked out from that file (its comments list the papers,
dates and topics). The generated world with the real dbt build is in
``test_report.py``, which also runs the analyst queries against it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.publish import publish
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.warehouse import RAW_DDL, attach_sql

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_COUNTS = {"papers": 5, "paper_mentions": 7, "topics": 3, "paper_topics": 5, "topic_counts": 9, "topic_trends": 9,
                "term_counts": 9, "term_trends": 9, "term_papers": 8, "paper_aliases": 2}
NO_MANIFEST = Path("/nonexistent/manifest.json")


def analyst_queries() -> dict[str, str]:
    """The README's example queries, by name, from their single source."""
    text = (FIXTURES / "analyst_queries.sql").read_text(encoding="utf-8")
    return dict(re.findall(r"^-- name: (\w+)\n(.*?;)$", text, re.S | re.M))


def build_small_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute(RAW_DDL)
    con.execute((FIXTURES / "small_warehouse.sql").read_text(encoding="utf-8"))
    con.close()
    return path


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def small(world: Settings) -> Settings:
    build_small_warehouse(world.warehouse)
    return world


def test_publish_copies_the_marts_with_meta(small: Settings) -> None:
    result = publish(small.warehouse, small.analytics, pipeline_version="9.9.9", manifest=NO_MANIFEST)

    assert result.path == small.analytics
    assert result.row_counts == SMALL_COUNTS
    assert result.newest_snapshot_date == date(2026, 11, 17)
    for table, n in SMALL_COUNTS.items():
        assert query(small.analytics, f"SELECT count(*) FROM marts.{table}") == [(n,)]
    # same rows as the warehouse, in the published sort order
    columns = "SELECT snapshot_id, position, paper_id FROM marts.paper_mentions"
    assert query(small.analytics, columns) == query(small.warehouse, f"{columns} ORDER BY snapshot_date, snapshot_id, position")
    meta = query(small.analytics, "SELECT newest_snapshot_date, oldest_snapshot_date, pipeline_version, "
                                  "rows_papers, rows_paper_mentions, rows_topics, rows_paper_topics, rows_topic_counts, "
                                  "rows_topic_trends, refreshed_at IS NOT NULL FROM meta")
    assert meta == [(date(2026, 11, 17), date(2026, 11, 9), "9.9.9", 5, 7, 3, 5, 9, 9, True)]
    assert query(small.analytics, "SELECT rows_term_counts, rows_term_trends, rows_term_papers, rows_paper_aliases "
                                  "FROM meta") == [(9, 9, 8, 2)]
    # raw.*: 3 snapshots 11-09..11-17, 7 valid mentions, 2 rejected entries, 1 rejected file; no repeated day
    assert query(small.analytics, "SELECT * FROM meta_quality") == [
        (3, date(2026, 11, 9), date(2026, 11, 17), 7, 2, 1, 1, date(2026, 11, 17))]
    # the warehouse's own layers are not published
    schemas = query(small.analytics, "SELECT DISTINCT schema_name FROM duckdb_tables() ORDER BY 1")
    assert schemas == [("main",), ("marts",)]
    assert sorted(p.name for p in small.analytics.parent.iterdir() if ".tmp-" in p.name) == []


def test_views_for_analysts(small: Settings) -> None:
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    # Latest week starts 2026-11-16; only vision is flagged there: 2 papers of 4 (p3, p4), 0 the week before.
    rising = query(small.analytics, "SELECT * FROM marts.rising_topics_latest")
    assert rising == [(date(2026, 11, 16), "vision", "Vision", 2, 0.5, 0, 0.4, 3.0, 2, 1, "share 50.0% vs 0.0% (hand-set)")]
    # Newest date 2026-11-17 has p3 (seen since 11-16), p4 and p5 (new); p5 has no topic.
    latest = query(small.analytics, "SELECT position, paper_id, upvotes, is_new, n_snapshots, organization, topic_ids, "
                                    "topic_labels FROM marts.papers_latest_day")
    assert latest == [
        (1, "2611.00003", 7, False, 2, None, ["state_space_models", "vision"], ["State space models", "Vision"]),
        (2, "t:seeing-small", None, True, 1, "O'Brien Lab", ["vision"], ["Vision"]),
        (3, "t:a-note", 1, True, 1, None, [], []),
    ]
    # Newest snapshot Tue 11-17: week B (11-16) still runs, so week A (11-09) is the last complete week,
    # where GNN is flagged (hand-set) and the terms 'scale' (z 4.0) and 'message passing' (z 3.2) emerge.
    assert query(small.analytics, "SELECT * FROM marts.last_complete_week") == [(date(2026, 11, 9), date(2026, 11, 1))]
    assert query(small.analytics, "SELECT * FROM marts.rising_topics_last_week") == [
        (date(2026, 11, 9), "graph_neural_networks", "Graph neural networks", 1, 0.5, None, None, 2.5, 1, None,
         "share 50.0% vs 10.0% (hand-set)")]
    # and the month that week ends in (Sun 11-15: November) has its slow riser 'long horizon' (z 3.1), listed after
    # the week's terms; its examples are term_papers' recency ranks 1-3: p5 and p4 (11-17; p5 has the upvote), p3
    assert query(small.analytics, "SELECT week_start, term, n_papers, share, zscore, covered_by_topic, grain, "
                                  "period_start, n_expected, example_titles FROM marts.emerging_terms_last_week") == [
        (date(2026, 11, 9), "scale", 1, 0.5, 4.0, False, "week", date(2026, 11, 9), 0.1, ["Message Passing at Scale"]),
        (date(2026, 11, 9), "message passing", 1, 0.5, 3.2, True, "week", date(2026, 11, 9), 0.2,
         ["Message Passing at Scale"]),
        (date(2026, 11, 9), "long horizon", 4, 0.8, 3.1, False, "month", date(2026, 11, 1), 1.5,
         ["A Note on Everything", 'Seeing <Small> Things & "Quotes"', "Mamba Meets Vision"]),
    ]


def test_last_complete_week_counts_an_empty_snapshot_on_sunday(small: Settings) -> None:
    # an API day with no entries on Sun 11-22 is an observed day: week B (11-16 .. 11-22) is complete
    with duckdb.connect(str(small.warehouse)) as con:
        con.execute("INSERT INTO raw.snapshots (snapshot_id, file_name, layout, snapshot_date, snapshot_date_source, "
                    "n_entries, n_rejected, size_bytes, encoding, parser_version, ingested_at) VALUES ('s4', "
                    "'2026-11-22.json', 'hf_api_json', DATE '2026-11-22', 'file_name', 0, 0, 2, 'utf-8', '1', "
                    "TIMESTAMP '2026-11-22 08:00:00')")
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    assert query(small.analytics, "SELECT topic_id FROM marts.rising_topics_last_week") == [("vision",)]
    # week B: 'small object' z 3.5, then 'mamba' z 2.5; its Sunday 11-22 is in November too
    assert query(small.analytics, "SELECT term, covered_by_topic, grain FROM marts.emerging_terms_last_week") == [
        ("small object", False, "week"), ("mamba", True, "week"), ("long horizon", False, "month")]


def test_emerging_terms_view_keeps_the_periods_of_the_last_complete_week(small: Settings) -> None:
    # flags of other periods stay out: the running week B, October (the month of no Sunday of week A) and a
    # week-grain row dated like the month; a flag without papers in term_papers gets no example titles
    with duckdb.connect(str(small.warehouse)) as con:
        con.execute("""INSERT INTO marts.term_trends (term, grain, period_start, n_papers, n_papers_total, share,
                       n_expected, zscore, is_emerging, emerging_reason, covered_by_topic) VALUES
                       ('october riser', 'month', DATE '2026-10-01', 3, 9, 0.33, 0.5, 9.0, true, 'x', false),
                       ('first of month', 'week', DATE '2026-11-01', 3, 9, 0.33, 0.5, 9.0, true, 'x', false),
                       ('bare flag', 'week', DATE '2026-11-09', 3, 2, 1.0, 0.5, 3.0, true, 'x', false)""")
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    assert query(small.analytics, "SELECT term, grain, example_titles FROM marts.emerging_terms_last_week") == [
        ("scale", "week", ["Message Passing at Scale"]), ("message passing", "week", ["Message Passing at Scale"]),
        ("bare flag", "week", []),
        ("long horizon", "month", ["A Note on Everything", 'Seeing <Small> Things & "Quotes"', "Mamba Meets Vision"]),
    ]
    columns = [r[0] for r in query(small.analytics, "DESCRIBE marts.emerging_terms_last_week")]
    assert columns == ["week_start", "term", "n_papers", "share", "prev_n_papers", "growth", "zscore", "rank",
                       "rank_change", "emerging_reason", "covered_by_topic", "grain", "period_start", "n_expected",
                       "example_titles"]


def test_views_resolve_when_attached_under_another_name(small: Settings) -> None:
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)
    with duckdb.connect() as con:
        con.execute(attach_sql(small.analytics, "pt", read_only=True))
        assert con.execute("SELECT count(*) FROM pt.marts.papers_latest_day").fetchall() == [(3,)]
        assert con.execute("SELECT topic_id FROM pt.marts.rising_topics_latest").fetchall() == [("vision",)]
        assert con.execute("SELECT topic_id FROM pt.marts.rising_topics_last_week").fetchall() == [
            ("graph_neural_networks",)]
        assert con.execute("SELECT term FROM pt.marts.emerging_terms_last_week").fetchall() == [
            ("scale",), ("message passing",), ("long horizon",)]


def test_readme_queries_on_the_small_world(small: Settings) -> None:
    publish(small.warehouse, small.analytics, pipeline_version="2.0.1", manifest=NO_MANIFEST)
    q = analyst_queries()
    with duckdb.connect(str(small.analytics), read_only=True) as con:
        fresh = con.execute(q["freshness"]).fetchall()
        assert [row[1:] for row in fresh] == [(date(2026, 11, 17), "2.0.1", 5)]
        assert con.execute(q["rising_topics"]).fetchall() == [("Vision", 50.0, 0.4, 3.0, "share 50.0% vs 0.0% (hand-set)")]
        # SSM: week A p1 of {p1, p2}; week B p1, p3 of {p1, p3, p4, p5}
        assert con.execute(q["topic_share_weekly"]).fetchall() == [
            (date(2026, 11, 9), 1, 50.0, 2, False), (date(2026, 11, 16), 2, 50.0, 1, False)]
        assert con.execute(q["papers_latest_day"]).fetchall() == [
            (1, "Mamba Meets Vision", False, ["State space models", "Vision"]),
            (2, 'Seeing <Small> Things & "Quotes"', True, ["Vision"]),
            (3, "A Note on Everything", True, []),
        ]
        # n_snapshots desc, then title
        assert con.execute(q["persistent_papers"]).fetchall() == [
            ("Mamba Meets Vision", 2, date(2026, 11, 16), date(2026, 11, 17), "State space models, Vision"),
            ("Selective State Spaces Revisited", 2, date(2026, 11, 9), date(2026, 11, 16), "State space models"),
            ("A Note on Everything", 1, date(2026, 11, 17), date(2026, 11, 17), None),
            ("Message Passing at Scale", 1, date(2026, 11, 9), date(2026, 11, 9), "Graph neural networks"),
            ('Seeing <Small> Things & "Quotes"', 1, date(2026, 11, 17), date(2026, 11, 17), "Vision"),
        ]
        # dates after 11-10: 11-16 (SSM 1, vision 1 new) and 11-17 (vision 1 new)
        assert con.execute(q["new_papers_by_topic"]).fetchall() == [
            ("Vision", 2), ("State space models", 1), ("Graph neural networks", 0)]
        # last complete week: A (11-09); GNN flagged there by hand
        assert con.execute(q["rising_last_week"]).fetchall() == [
            (date(2026, 11, 9), "Graph neural networks", 1, 50.0, 2.5, "share 50.0% vs 10.0% (hand-set)")]
        assert con.execute(q["emerging_terms"]).fetchall() == [
            ("week", "scale", 1, 0.1, 50.0, None, 4.0, True, 'new <b> & "quoted" (hand-set)', ["Message Passing at Scale"]),
            ("week", "message passing", 1, 0.2, 50.0, None, 3.2, False, "jump (hand-set)", ["Message Passing at Scale"]),
            ("month", "long horizon", 4, 1.5, 80.0, 1.0, 3.1, True, "climbing since 2026-09 (hand-set)",
             ["A Note on Everything", 'Seeing <Small> Things & "Quotes"', "Mamba Meets Vision"]),
        ]
        # an old title-based id resolves to the arXiv id; a current id to itself; an unknown one stays, no paper
        assert con.execute(q["saved_paper_ids"]).fetchall() == [
            ("2611.00003", "2611.00003", "Mamba Meets Vision"),
            ("t_0000000000000000", "t_0000000000000000", None),
            ("t_5e1ec71fe5a7e0d1", "2611.00001", "Selective State Spaces Revisited"),
        ]


def test_readme_shows_every_tested_query() -> None:
    docs = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    queries = analyst_queries()
    assert len(queries) == 9  # eight examples and the freshness query
    for name, sql in queries.items():
        assert sql in docs, f"query {name} of fixtures/analyst_queries.sql is not in the README"


def test_column_comments_from_the_dbt_manifest(small: Settings, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {
        "model.papertrends.papers": {
            "resource_type": "model", "schema": "marts", "alias": "papers",
            "description": "One row per distinct paper; it's deduplicated.",
            "columns": {"title": {"description": "The paper's latest title, as 'printed'."},
                        "abstract": {"description": ""},
                        "ghost": {"description": "documented but not in the table"}},
        },
        "model.papertrends.mart_topics": {
            "resource_type": "model", "schema": "marts", "alias": "topics", "description": "",
            "columns": {"label": {"description": "Back\\slash and \"double\" quotes stay as they are."}},
        },
        "model.papertrends.stg_snapshots": {
            "resource_type": "model", "schema": "staging", "alias": "papers", "description": "not a mart",
            "columns": {"paper_id": {"description": "must not be used"}},
        },
    }}), encoding="utf-8")

    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=manifest)

    columns = query(small.analytics, "SELECT table_name, column_name, comment FROM duckdb_columns() "
                                     "WHERE schema_name = 'marts' AND comment IS NOT NULL AND comment <> '' "
                                     "AND table_name NOT IN ('emerging_terms_last_week', 'last_complete_week') ORDER BY 1, 2")
    assert columns == [
        ("papers", "title", "The paper's latest title, as 'printed'."),
        ("topics", "label", 'Back\\slash and "double" quotes stay as they are.'),
    ]
    # publish's own view documents the columns it adds to the view
    added = query(small.analytics, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'emerging_terms_last_week' "
                                   "AND comment <> '' ORDER BY column_index")
    assert added == [("week_start",), ("grain",), ("period_start",), ("n_expected",), ("example_titles",)]
    tables = query(small.analytics, "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
                                    "AND comment IS NOT NULL AND comment <> ''")
    assert tables == [("papers", "One row per distinct paper; it's deduplicated.")]
    own = query(small.analytics, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'meta' AND comment <> '' "
                                 "ORDER BY column_index")
    assert [c for (c,) in own][:4] == ["refreshed_at", "newest_snapshot_date", "oldest_snapshot_date", "pipeline_version"]


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
def counts():
    papers = con.execute("SELECT count(*) FROM marts.papers").fetchone()[0]
    meta = con.execute("SELECT rows_papers, rows_paper_mentions FROM meta").fetchone()
    latest = con.execute("SELECT count(*) FROM marts.papers_latest_day").fetchone()[0]
    return f"{papers} {meta[0]} {meta[1]} {latest}"
print(counts(), flush=True)
sys.stdin.readline()
print(counts(), flush=True)
"""

MORE_DATA = """
INSERT INTO marts.papers VALUES ('t:new', 'A Brand New Paper', 'Published on the next day, with a long abstract.',
    DATE '2026-11-18', DATE '2026-11-18', 1, 3, 2, NULL, DATE '2026-11-17', NULL);
INSERT INTO marts.paper_mentions VALUES
    ('s4', DATE '2026-11-18', 1, 't:new', 3, TIMESTAMP '2026-11-18 07:00:00'),
    ('s4', DATE '2026-11-18', 2, 't:a-note', 2, TIMESTAMP '2026-11-18 07:00:00');
"""


def test_publish_is_atomic_for_a_reader_holding_the_old_file(small: Settings) -> None:
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(small.analytics)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # 5 papers, 7 mentions, 3 papers on the newest day (11-17)
        assert reader.stdout.readline().strip() == "5 5 7 3"
        with duckdb.connect(str(small.warehouse)) as con:
            con.execute(MORE_DATA)
        result = publish(small.warehouse, small.analytics, pipeline_version="2", manifest=NO_MANIFEST)
        assert result.row_counts["papers"] == 6 and result.newest_snapshot_date == date(2026, 11, 18)
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    assert out.strip() == "5 5 7 3"  # the open connection still reads the old, complete file
    # a new connection sees the new file: 6 papers, 9 mentions, 2 papers on 11-18
    assert query(small.analytics, "SELECT count(*), (SELECT rows_paper_mentions FROM meta), "
                                  "(SELECT count(*) FROM marts.papers_latest_day) FROM marts.papers") == [(6, 9, 2)]


def test_failed_publish_keeps_the_old_file_and_leaves_nothing_behind(small: Settings) -> None:
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)
    before = small.analytics.read_bytes()
    with duckdb.connect(str(small.warehouse)) as con:
        con.execute("DROP TABLE marts.topic_trends")

    with pytest.raises(duckdb.CatalogException, match="topic_trends"):
        publish(small.warehouse, small.analytics, pipeline_version="2", manifest=NO_MANIFEST)

    assert small.analytics.read_bytes() == before
    assert sorted(p.name for p in small.analytics.parent.iterdir()) == ["analytics.duckdb", "landing", "warehouse.duckdb"]


def test_publish_removes_leftovers_of_dead_publishes_only(small: Settings) -> None:
    folder = small.analytics.parent
    dead = folder / "analytics.duckdb.tmp-999999999"  # above Linux's pid_max: never a live process
    live = folder / f"analytics.duckdb.tmp-{os.getppid()}"  # pytest's parent: a publish still running
    for path in (dead, dead.with_name(dead.name + ".wal"), live):
        path.write_bytes(b"partial")

    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)

    assert sorted(p.name for p in folder.glob("analytics.duckdb*")) == ["analytics.duckdb", live.name]


def test_publish_reads_the_warehouse_without_writing_it(small: Settings) -> None:
    before = small.warehouse.read_bytes()
    publish(small.warehouse, small.analytics, pipeline_version="1", manifest=NO_MANIFEST)
    assert small.warehouse.read_bytes() == before
    assert not small.warehouse.with_name(small.warehouse.name + ".wal").exists()


def test_attach_sql_takes_a_path_with_a_quote(tmp_path: Path) -> None:
    """DuckDB 1.5 has no ATTACH parameter: a quote in the path must stay inside the literal."""
    odd = tmp_path / "it's; DROP.duckdb"
    duckdb.connect(str(odd)).execute("CREATE TABLE t AS SELECT 42 AS x").close()
    con = duckdb.connect()
    con.execute(attach_sql(odd, "odd", read_only=True))
    assert con.execute("SELECT x FROM odd.t").fetchall() == [(42,)]
    with pytest.raises(ValueError):
        attach_sql(tmp_path / "a\x00b", "odd")
