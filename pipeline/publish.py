"""Publish the marts as a read-only DuckDB file for analysts, atomically.

Analysts keep the published file open while refreshes run, so it is never
written in place: every publish builds a brand-new file beside it and swaps it
in with one ``os.replace``. A reader that holds the old file keeps its (now
unlinked) inode and goes on seeing the old, complete data; a new connection
opens the new file. The warehouse itself is only ever attached read-only.

The published file holds schema ``marts`` (the dbt mart tables of ``MARTS``,
with the dbt docs as comments, plus analyst views) and, in ``main``, the
one-row tables ``meta`` (freshness and row counts) and ``meta_quality``
(ingest figures from ``raw.*``, which is not published, for the report and
for the views that need the newest snapshot date) and ``meta_layout_drift``.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipeline import lake
from pipeline.dbt_macros import render_macro
from pipeline.delivery import build_id
from pipeline.quality import drift_sql
from pipeline.settings import DBT_PROJECT_DIR, LakeSettings
from pipeline.warehouse import attach_sql, observed_dates_sql

MARTS = ("papers", "paper_mentions", "topics", "paper_topics", "topic_counts", "topic_trends",
         "term_counts", "term_trends", "term_papers", "paper_aliases")
DBT_VIEWS = ("rising_topics_last_week",)  # dbt views recreated below (their docs come from dbt too)
# Physical order of each published table: deterministic files, and date filters skip blocks.
SORT_KEYS = {
    "papers": "paper_id",
    "paper_mentions": "snapshot_date, snapshot_id, position",
    "topics": "topic_id",
    "paper_topics": "paper_id, topic_id",
    "topic_counts": "topic_id, snapshot_date",
    "topic_trends": "grain, topic_id, period_start",
    "term_counts": "grain, period_start, term",
    "term_trends": "grain, period_start, term",
    "term_papers": "grain, period_start, term, recency_rank",
    "paper_aliases": "old_paper_id",
}
EXAMPLE_PAPERS = 3  # example papers per emerging term (view example_titles, report): recency_rank <= this
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
SOURCE = lake.SOURCE_ALIAS  # catalog alias of the attached warehouse

VIEWS_SQL = f"""
CREATE OR REPLACE VIEW marts.rising_topics_latest AS
SELECT tr.period_start AS week_start, tr.topic_id, t.label, tr.n_papers, tr.share, tr.prev_n_papers,
       tr.growth, tr.zscore, tr.rank, tr.rank_change, tr.rising_reason
FROM marts.topic_trends AS tr
JOIN marts.topics AS t USING (topic_id)
WHERE tr.grain = 'week' AND tr.is_rising
  AND tr.period_start = (SELECT max(period_start) FROM marts.topic_trends WHERE grain = 'week')
ORDER BY tr.zscore DESC NULLS LAST, tr.topic_id;

CREATE OR REPLACE VIEW marts.papers_latest_day AS
WITH latest AS (
    SELECT paper_id, any_value(snapshot_date) AS snapshot_date, min(position) AS position,
           arg_max(upvotes, fetched_at) AS upvotes  -- the newest fetch of the day
    FROM marts.paper_mentions
    WHERE snapshot_date = (SELECT max(snapshot_date) FROM marts.paper_mentions)
    GROUP BY paper_id
),
labelled AS (
    SELECT pt.paper_id, list(pt.topic_id ORDER BY pt.topic_id) AS topic_ids,
           list(t.label ORDER BY pt.topic_id) AS topic_labels
    FROM marts.paper_topics AS pt
    JOIN marts.topics AS t USING (topic_id)
    GROUP BY pt.paper_id
)
SELECT l.snapshot_date, l.position, l.paper_id, p.title, l.upvotes, p.first_seen_date,
       p.first_seen_date = l.snapshot_date AS is_new, p.n_snapshots, p.organization, p.arxiv_id,
       coalesce(lb.topic_ids, []::VARCHAR[]) AS topic_ids,
       coalesce(lb.topic_labels, []::VARCHAR[]) AS topic_labels
FROM latest AS l
JOIN marts.papers AS p USING (paper_id)
LEFT JOIN labelled AS lb USING (paper_id)
ORDER BY l.position, l.paper_id;

-- The dbt macro last_complete_week (the rule's one definition), as rising_topics_last_week uses it;
-- month_start: the month that week ends in, whose monthly risers go with it.
CREATE OR REPLACE VIEW marts.last_complete_week AS
SELECT week_start, date_trunc('month', week_start + 6)::DATE AS month_start
FROM ({{last_complete_week}});

CREATE OR REPLACE VIEW marts.rising_topics_last_week AS
SELECT tr.period_start AS week_start, tr.topic_id, t.label, tr.n_papers, tr.share, tr.prev_n_papers,
       tr.growth, tr.zscore, tr.rank, tr.rank_change, tr.rising_reason
FROM marts.topic_trends AS tr
JOIN marts.last_complete_week AS lc ON lc.week_start = tr.period_start
JOIN marts.topics AS t USING (topic_id)
WHERE tr.grain = 'week' AND tr.is_rising
ORDER BY tr.zscore DESC NULLS LAST, tr.topic_id;

CREATE OR REPLACE VIEW marts.emerging_terms_last_week AS
WITH examples AS (
    SELECT term, grain, period_start, list(title ORDER BY recency_rank) AS example_titles
    FROM marts.term_papers
    WHERE recency_rank <= {EXAMPLE_PAPERS}
    GROUP BY ALL
)
SELECT lc.week_start, tr.term, tr.n_papers, tr.share, tr.prev_n_papers, tr.growth,
       tr.zscore, tr.rank, tr.rank_change, tr.emerging_reason, tr.covered_by_topic,
       tr.grain, tr.period_start, tr.n_expected, coalesce(e.example_titles, []::VARCHAR[]) AS example_titles
FROM marts.term_trends AS tr
JOIN marts.last_complete_week AS lc
  ON (tr.grain = 'week' AND tr.period_start = lc.week_start)
  OR (tr.grain = 'month' AND tr.period_start = lc.month_start)
LEFT JOIN examples AS e USING (term, grain, period_start)
WHERE tr.is_emerging
ORDER BY tr.grain = 'month', tr.zscore DESC NULLS LAST, tr.term;
""".replace("{last_complete_week}", render_macro(
    "last_complete_week", "marts.topic_trends", "SELECT newest_observed_date FROM main.meta_quality"))

QUALITY_SQL = f"""
CREATE OR REPLACE TABLE meta_quality AS SELECT
    (SELECT count(*) FROM {SOURCE}.raw.snapshots) AS n_snapshots,
    (SELECT min(snapshot_date) FROM {SOURCE}.raw.snapshots) AS oldest_snapshot_date,
    (SELECT max(snapshot_date) FROM {SOURCE}.raw.snapshots) AS newest_snapshot_date,
    (SELECT count(*) FROM (SELECT DISTINCT paper_id, snapshot_date FROM {SOURCE}.marts.paper_mentions)) AS n_mentions,
    (SELECT count(*) FROM {SOURCE}.raw.rejected_mentions) AS n_rejected_mentions,
    (SELECT count(*) FROM {SOURCE}.raw.rejected_files) AS n_rejected_files,
    (SELECT count(*) FROM {SOURCE}.raw.field_issues) AS n_field_issues,
    (SELECT max(snapshot_date) FROM ({observed_dates_sql(f"{SOURCE}.raw")})) AS newest_observed_date;
CREATE OR REPLACE TABLE meta_layout_drift AS {drift_sql(f"{SOURCE}.raw")};
"""

# Docs of the objects publish adds itself: (object comment, {column: comment}).
OWN_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "marts.rising_topics_latest": (
        "Topics flagged is_rising in the latest week of marts.topic_trends, highest z-score first.", {}),
    "marts.last_complete_week": (
        "One row: Monday of the last complete ISO week (latest week with data whose Sunday is on or before "
        "main.meta_quality.newest_observed_date), and the month that week ends in.", {
            "week_start": "Monday of the last complete ISO week.",
            "month_start": "1st of the month of that week's Sunday (the month of the slow risers shown with it).",
        }),
    "marts.emerging_terms_last_week": (
        "Terms flagged is_emerging in the last complete week (grain week) and in the month that week ends in "
        "(grain month, the slow risers), weekly rows first, each grain by highest z-score; covered_by_topic false "
        "marks a candidate for a new topic.", {
            "week_start": "Monday of the last complete week (marts.last_complete_week), on every row.",
            "grain": "week: flagged in that week; month: flagged in the month of that week's Sunday "
                     "(marts.last_complete_week.month_start).",
            "period_start": "The flagged period of marts.term_trends: week_start, or the 1st of the month.",
            "n_expected": "Papers expected under the term's baseline in that period (marts.term_trends).",
            "example_titles": f"Up to {EXAMPLE_PAPERS} titles of the papers behind the flag, newest first "
                              "(marts.term_papers, recency_rank).",
        }),
    "marts.papers_latest_day": (
        "One row per paper mentioned on the newest snapshot date, with its topics (ids and labels).", {}),
    "main.meta": ("One row: when this file was published, the newest data in it, and its row counts.", {
        "refreshed_at": "When this file was published (UTC).",
        "newest_snapshot_date": "Newest snapshot date in marts.paper_mentions.",
        "oldest_snapshot_date": "Oldest snapshot date in marts.paper_mentions.",
        "pipeline_version": "Version of the papertrends pipeline that built the file.",
        "build_id": "Id of the dbt build and delivery code this file comes from (pipeline/delivery.py); null when "
                    "the warehouse had no complete build.",
        **{f"rows_{t}": f"Rows in marts.{t}." for t in MARTS},
    }),
    "main.meta_quality": ("One row: ingest figures of the warehouse raw layer at publish time.", {
        "n_snapshots": "Snapshot files loaded (distinct contents).",
        "oldest_snapshot_date": "Oldest snapshot date loaded.",
        "newest_snapshot_date": "Newest snapshot date loaded.",
        "n_mentions": "Mentions: distinct (paper, snapshot date) pairs (a re-fetched day's versions count once).",
        "n_rejected_mentions": "Paper entries without a usable title (raw.rejected_mentions).",
        "n_rejected_files": "Files that could not be read or parsed (raw.rejected_files).",
        "n_field_issues": "Fields of loaded entries that failed their check (raw.field_issues).",
        "newest_observed_date": "Newest day a landing file observed: snapshot dates, and days whose file repeats "
                                "an earlier snapshot's bytes (a second empty API day, raw.observed_dates).",
    }),
    "main.meta_layout_drift": ("Snapshots whose shape deviates from recent ones (see pipeline/quality.py).", {}),
}


@dataclass(frozen=True)
class PublishResult:
    path: Path
    row_counts: dict[str, int]
    newest_snapshot_date: date | None


def publish(warehouse: Path, analytics: Path, *, pipeline_version: str, manifest: Path = MANIFEST) -> PublishResult:
    """Build the analytics file beside ``analytics`` from the warehouse marts, then swap it in.

    The new file is the main database and the warehouse is ATTACHed to it
    READ_ONLY (its path passed as a parameter): the views then name the file's
    own tables unqualified, so they work however analysts open or ATTACH the
    file. ``manifest`` is the dbt manifest whose docs become comments (skipped
    when it does not exist).
    """
    analytics.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(analytics)
    tmp = analytics.with_name(f"{analytics.name}.tmp-{os.getpid()}")
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(attach_sql(warehouse, SOURCE, read_only=True))
            # one transaction, so one commit: each statement on its own would commit (and sync
            # the file's write-ahead log) once, ~170 times with the comments
            con.execute("BEGIN TRANSACTION")
            _copy_marts(con)
            con.execute(QUALITY_SQL)  # before the views: last_complete_week reads meta_quality
            con.execute(VIEWS_SQL)
            counts, newest = _write_meta(con, pipeline_version, build_id(_build_state(con)))
            _comment(con, {**_dbt_docs(manifest), **OWN_DOCS})
            con.execute("COMMIT")
            con.execute(f"DETACH {SOURCE}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if tmp.with_name(tmp.name + ".wal").exists():
            raise RuntimeError(f"{tmp}.wal left after CHECKPOINT: the file alone would be incomplete")
        _fsync(tmp)
        os.replace(tmp, analytics)
        _fsync(analytics.parent)
    except BaseException:
        _remove(tmp)
        raise
    return PublishResult(analytics, counts, newest)


def publish_lake(settings: LakeSettings, *, pipeline_version: str, manifest: Path = MANIFEST) -> PublishResult:
    """Team mode: the same tables, views and comments into the published lake, in ONE transaction.

    DuckLake commits a transaction as one snapshot, so an analyst attached to the
    published lake sees the previous refresh or this one, never a mix. Then both
    lakes keep only their newest ``keep_snapshots`` snapshots (time travel stays
    possible that far back) and the files of the expired ones are deleted.
    """
    with lake.connect(settings, "published", source=True) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _copy_marts(con)
            con.execute(QUALITY_SQL)
            con.execute(VIEWS_SQL)
            counts, newest = _write_meta(con, pipeline_version, build_id(_build_state(con)))
            _comment(con, {**_dbt_docs(manifest), **OWN_DOCS}, view_columns=False)  # DuckLake: views take no column comments
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute(f"DETACH {SOURCE}")
        lake.expire_snapshots(con, lake.PUBLISHED_ALIAS, settings.keep_snapshots)
    with lake.connect(settings, "warehouse") as con:
        lake.expire_snapshots(con, lake.WAREHOUSE_ALIAS, settings.keep_snapshots)
    return PublishResult(Path(lake.PUBLISHED_ALIAS), counts, newest)


def _copy_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Copy only the mart tables from the attached warehouse (CREATE TABLE AS), sorted for the zone maps.

    Timed against ``COPY FROM DATABASE`` on a 200-snapshot warehouse (BENCHMARKS.md, issue 21): that
    statement copies every schema (raw, staging, ...), so it used 1.3-2.2 s CPU and wrote a 57 MB file
    that still had to be pruned, against 0.7-1.0 s CPU and 15.5 MB for these nine CREATE TABLE AS.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    for table in MARTS:
        con.execute(
            f"CREATE OR REPLACE TABLE marts.{table} AS SELECT * FROM {SOURCE}.marts.{table} ORDER BY {SORT_KEYS[table]}"
        )


def _write_meta(con: duckdb.DuckDBPyConnection, pipeline_version: str,
                build: str | None) -> tuple[dict[str, int], date | None]:
    counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for t in MARTS}
    oldest, newest = con.execute("SELECT min(snapshot_date), max(snapshot_date) FROM marts.paper_mentions").fetchone()
    count_columns = ", ".join(f"rows_{t} BIGINT" for t in MARTS)
    con.execute(
        "CREATE OR REPLACE TABLE meta (refreshed_at TIMESTAMP, newest_snapshot_date DATE, oldest_snapshot_date DATE, "
        f"pipeline_version VARCHAR, {count_columns}, build_id VARCHAR)"
    )
    refreshed_at = datetime.now(UTC).replace(tzinfo=None)
    values = [refreshed_at, newest, oldest, pipeline_version, *counts.values(), build]
    con.execute(f"INSERT INTO meta VALUES ({', '.join('?' * len(values))})", values)
    return counts, newest


def _build_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The warehouse's last complete dbt build (``ops.dbt_builds``), which these marts come from."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'ops' "
                        "AND table_name = 'dbt_builds'", [SOURCE]).fetchone()[0]
    if not found:
        return None
    row = con.execute(f"SELECT raw_fingerprint, project_fingerprint FROM {SOURCE}.ops.dbt_builds").fetchone()
    return (row[0], row[1]) if row else None


def _dbt_docs(manifest: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Descriptions of the marts models and their columns from the dbt manifest (none if absent)."""
    if not manifest.is_file():
        return {}
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    docs = {}
    for node in nodes.values():
        if node.get("resource_type") == "model" and node.get("schema") == "marts" and node.get("alias") in MARTS + DBT_VIEWS:
            columns = {name: col.get("description", "") for name, col in node.get("columns", {}).items()}
            docs[f"marts.{node['alias']}"] = (node.get("description", ""), columns)
    return docs


def _comment(con: duckdb.DuckDBPyConnection, docs: dict[str, tuple[str, dict[str, str]]], view_columns: bool = True) -> None:
    """COMMENT ON each documented object and column that exists in the file.

    DuckDB's COMMENT takes no parameters, so the text is written as a SQL string
    literal with its single quotes doubled (standard SQL; backslashes are not
    escapes in DuckDB literals). Object and column names are checked against
    the catalog before being quoted as identifiers.
    """
    objects = {
        f"{schema}.{name}": kind
        for schema, name, kind in con.execute(
            "SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }
    for obj, (description, columns) in docs.items():
        if obj not in objects:
            continue
        target = ".".join(_identifier(part) for part in obj.split("."))
        if description:
            con.execute(f"COMMENT ON {objects[obj]} {target} IS {_literal(description)}")
        if objects[obj] == "VIEW" and not view_columns:
            continue
        existing = {r[0] for r in con.execute(f"SELECT * FROM {target} LIMIT 0").description}
        for column, text in columns.items():
            if text and column in existing:
                con.execute(f"COMMENT ON COLUMN {target}.{_identifier(column)} IS {_literal(text)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    """Flush a file (or a directory entry after the rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(analytics: Path) -> None:
    """Delete temporary files of publishes whose process is gone (crashed or killed mid-way)."""
    for tmp in analytics.parent.glob(f"{glob.escape(analytics.name)}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            _remove(tmp)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftover, from an earlier call that was interrupted
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(tmp: Path) -> None:
    for path in (tmp, tmp.with_name(tmp.name + ".wal")):
        path.unlink(missing_ok=True)
