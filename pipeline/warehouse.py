"""DuckDB access for the raw layer: DDL, idempotent loads, one transaction per chunk.

The raw tables are append-only. A chunk of snapshots is written in a single
transaction so that, after a crash, each snapshot is either fully present or
absent and the next run picks it up again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
from filelock import FileLock, Timeout

from pipeline import lake
from pipeline.lake import attach_sql  # noqa: F401 - its historical home; publish and tests import it here
from pipeline.columns import RAW_DDL, RAW_TABLES as RAW_COLUMNS, raw_ddl, sql_type  # noqa: F401 - RAW_DDL: tests import it here
from pipeline.settings import LakeSettings

LOG = logging.getLogger(__name__)
RAW_TABLES = ("snapshots", "paper_mentions", "rejected_files", "rejected_mentions", "field_issues",
              "observed_dates")  # the ingest assets


def observed_dates_sql(schema: str = "raw") -> str:
    """Every day a landing file observed: the snapshots' dates and the dates of files repeating their bytes.

    Snapshot identity is the SHA-256 of the bytes, so a second empty API day
    (``[]``) is no new snapshot; its date is still an observed day (it closes
    its week and counts for freshness). One definition for publish and checks;
    the dbt model ``stg_observed_dates`` says the same in dbt.
    """
    return (f"SELECT snapshot_date FROM {schema}.snapshots "  # noqa: S608 - schema is ours
            f"UNION SELECT snapshot_date FROM {schema}.observed_dates")


class WarehouseBusy(RuntimeError):
    """Another process is writing the warehouse; raised instead of a DuckDB lock error."""


def lock_path(warehouse: Path) -> Path:
    """The lock file beside the warehouse (``warehouse.duckdb.lock``); it stays on disk, only the OS lock matters."""
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def warehouse_lock(warehouse: Path, timeout_s: float = 0.0) -> Iterator[None]:
    """Hold an exclusive OS lock (``filelock``) beside the warehouse file.

    DuckDB allows one writing process per file and fails with an obscure
    error otherwise; this lock turns a second writer into a clear
    ``WarehouseBusy`` (after waiting up to ``timeout_s`` seconds). Two
    holders in one process also exclude each other (one open file each).
    A writer that has to wait says so (a warning on stderr) before it waits.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(warehouse)
    lock = FileLock(path, thread_local=False)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if timeout_s <= 0:
                raise
            LOG.warning("warehouse busy: waiting up to %s s for the lock %s", timeout_s, path)
            lock.acquire(timeout=timeout_s)
    except Timeout:
        raise WarehouseBusy(
            f"warehouse busy: another run is writing {warehouse} (lock {path}); try again later"
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def connect(warehouse: Path | LakeSettings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (a DuckDB file, or the warehouse lake in team mode), creating the raw layer
    when missing, and always close it."""
    if isinstance(warehouse, LakeSettings):
        with lake.connect(warehouse, "warehouse", read_only=read_only) as con:
            if not read_only:
                ensure_raw(con, in_lake=True)
            yield con
        return
    if not read_only:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=read_only)
    try:
        if not read_only:
            ensure_raw(con)
        yield con
    finally:
        con.close()


@contextmanager
def connect_analytics(analytics: Path | LakeSettings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to what analysts read: the published file, or the published lake (team mode)."""
    if isinstance(analytics, LakeSettings):
        with lake.connect(analytics, "published", read_only=True) as con:
            yield con
        return
    if not analytics.is_file():
        raise FileNotFoundError(f"no analytics file at {analytics}: publish has not run yet")
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        yield con
    finally:
        con.close()


def ensure_raw(con: duckdb.DuckDBPyConnection, in_lake: bool = False) -> None:
    """Create the raw schema and tables when missing, and migrate older ones (safe to repeat).

    A warehouse written by an earlier version gains the new columns (null for
    its old rows), wider types and relaxed NOT NULLs. A new column may be read
    by incremental dbt models, whose tables then lack it: the migration leaves
    a full refresh request (``ops.full_refresh_requests``) that the next dbt
    step honours, so upgrading needs no manual rebuild.
    """
    con.execute(raw_ddl(in_lake))
    found = {
        (table, column): (dtype, nullable == "YES")
        for table, column, dtype, nullable in con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_catalog = current_database()"
        ).fetchall()
    }
    added: list[str] = []
    for table, columns in RAW_COLUMNS.items():
        for col in columns:
            wanted = sql_type(col.dtype)
            if (table, col.name) not in found:
                con.execute(f"ALTER TABLE raw.{table} ADD COLUMN {col.name} {wanted}")  # noqa: S608 - names are ours
                added.append(f"raw.{table}.{col.name}")  # RAW_DDL just created missing tables whole
                continue
            dtype, nullable = found[(table, col.name)]
            if dtype != wanted:
                con.execute(f"ALTER TABLE raw.{table} ALTER COLUMN {col.name} TYPE {wanted}")  # noqa: S608
            if col.nullable and not nullable:
                con.execute(f"ALTER TABLE raw.{table} ALTER COLUMN {col.name} DROP NOT NULL")  # noqa: S608
    if added:
        ensure_ops(con)
        request_full_refresh(con, f"the raw layer gained columns {', '.join(added)} (pipeline upgrade)")


def known_contents(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Hashes already ingested or rejected: their bytes are never processed again."""
    rows = con.execute(
        "SELECT snapshot_id FROM raw.snapshots UNION ALL SELECT sha256 FROM raw.rejected_files"
    ).fetchall()
    return {row[0] for row in rows}


def due_retries(con: duckdb.DuckDBPyConnection, today: date) -> set[str]:
    """Rejected contents whose ``retry_on`` day has come (a file dated too far ahead, its day now near)."""
    rows = con.execute("SELECT sha256 FROM raw.rejected_files WHERE retry_on <= ?", [today]).fetchall()
    return {row[0] for row in rows}


def version_key(version: str | None) -> tuple[int, ...]:
    """``"1.10"`` > ``"1.9"``: parser versions compare as numbers, a missing one as oldest."""
    return tuple(int(part) for part in (version or "0").split(".") if part.isdigit())


def outdated_contents(con: duckdb.DuckDBPyConnection, parser_version: str) -> dict[str, str | None]:
    """Hashes read (loaded or rejected) by an older parser -> that parser's version.

    A parser upgrade reads them again when their files are still in the landing dir.
    """
    rows = con.execute(
        "SELECT snapshot_id, parser_version FROM raw.snapshots UNION ALL SELECT sha256, parser_version FROM raw.rejected_files"
    ).fetchall()
    current = version_key(parser_version)
    return {sha: version for sha, version in rows if version_key(version) < current}


def landing_index(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int, int], str]:
    """(name, size, mtime) -> sha256 of files hashed before, so unchanged files are not re-read."""
    rows = con.execute("SELECT file_name, size_bytes, mtime_ns, sha256 FROM raw.landing_files").fetchall()
    return {(name, size, mtime): sha for name, size, mtime, sha in rows}


# Rows of a content that a newer parser replaces, by the column naming the content.
REPLACED_BY = {"paper_mentions": "snapshot_id", "rejected_mentions": "snapshot_id", "field_issues": "snapshot_id",
               "snapshots": "snapshot_id", "rejected_files": "sha256"}


def write_batch(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], replaced: list[str] | None = None) -> None:
    """Append frames (keyed by raw table name) in one transaction: all or nothing.

    ``replaced`` names contents read again by a newer parser: their old rows
    are deleted in the same transaction, so a reader sees the old or the new
    version of a snapshot, never both or neither.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        if replaced:
            for table, column in REPLACED_BY.items():
                con.execute(f"DELETE FROM raw.{table} WHERE list_contains(?, {column})", [replaced])  # noqa: S608 - names are ours
        for table, frame in frames.items():
            if frame.height:
                con.register("incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
                if table == "landing_files":  # replace by key; a DuckLake table has no primary key for INSERT OR REPLACE
                    con.execute("DELETE FROM raw.landing_files WHERE (file_name, size_bytes, mtime_ns) IN "
                                "(SELECT (file_name, size_bytes, mtime_ns) FROM incoming)")
                con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM incoming")  # noqa: S608 - names are ours
                con.unregister("incoming")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_observed_dates(con: duckdb.DuckDBPyConnection, files: pl.DataFrame, latest: date, now: datetime) -> int:
    """Record the files (``file_name``, ``sha256``, ``name_date``) whose bytes repeat a stored snapshot under another date.

    Only a date from the file name can differ from the stored snapshot's (the
    rest of the date rule reads the same bytes); one later than ``latest`` is
    a typo or a bad clock and is not recorded (its file is looked at again by
    every run, so it counts once its day has come). Returns the rows added.
    """
    con.register("observed_files", files.to_arrow())
    try:
        before = con.execute("SELECT count(*) FROM raw.observed_dates").fetchone()[0]
        con.execute(
            # an anti-join, not INSERT OR IGNORE: a DuckLake table (team mode) has no key to conflict on
            """INSERT INTO raw.observed_dates BY NAME
               SELECT DISTINCT f.file_name, f.name_date AS snapshot_date, s.snapshot_id, ?::TIMESTAMP AS observed_at
               FROM observed_files AS f JOIN raw.snapshots AS s ON s.snapshot_id = f.sha256
               WHERE f.name_date IS NOT NULL AND f.name_date <> s.snapshot_date AND f.name_date <= ?
                 AND NOT EXISTS (SELECT 1 FROM raw.observed_dates AS o
                                 WHERE o.file_name = f.file_name AND o.snapshot_id = s.snapshot_id)""",
            [now, latest])
        return con.execute("SELECT count(*) FROM raw.observed_dates").fetchone()[0] - before
    finally:
        con.unregister("observed_files")


# The dbt step's own record of its last complete build (what ``raw`` and the dbt project were then).
BUILD_STATE_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.dbt_builds (built_at TIMESTAMPTZ NOT NULL, raw_fingerprint VARCHAR NOT NULL,
                                           project_fingerprint VARCHAR NOT NULL);
"""


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Hash of the whole content of every raw table dbt reads (row order free).

    Equal fingerprints mean a ``dbt build`` would read exactly the same rows;
    a load, a parser upgrade's replacement or a deletion all change it.
    """
    rows = {i: (n, h) for i, n, h in con.execute(" UNION ALL ".join(  # one statement: a lake reads its snapshot once
        f"SELECT {i} AS i, count(*), coalesce(sum(hash(t)), 0) FROM raw.{table} AS t"  # noqa: S608 - our table names
        for i, table in enumerate(RAW_TABLES))).fetchall()}
    parts = [rows[i] for i in range(len(RAW_TABLES))]  # as before: (count, hash sum) per table, in RAW_TABLES order
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def last_build(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(raw, project) fingerprints of the last complete build recorded in this warehouse, if any."""
    con.execute(BUILD_STATE_DDL)
    row = con.execute("SELECT raw_fingerprint, project_fingerprint FROM ops.dbt_builds").fetchone()
    return (row[0], row[1]) if row else None


def record_build(con: duckdb.DuckDBPyConnection, state: tuple[str, str] | None) -> None:
    """Replace the record: ``state`` after a complete build, ``None`` before one starts (so a crash forgets it)."""
    con.execute(BUILD_STATE_DDL)
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM ops.dbt_builds")
    if state:
        con.execute("INSERT INTO ops.dbt_builds VALUES (now(), ?, ?)", list(state))
    con.execute("COMMIT")


# "The marts must be rebuilt from raw": left by a deletion from raw (drop-samples) in the same
# transaction, honoured (dbt build --full-refresh) and cleared by the next build of every model.
FULL_REFRESH_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.full_refresh_requests (requested_at TIMESTAMPTZ NOT NULL, reason VARCHAR NOT NULL);
"""


def request_full_refresh(con: duckdb.DuckDBPyConnection, reason: str) -> None:
    """Record that the next dbt build must be a full refresh (the table exists once ``ensure_ops`` ran)."""
    con.execute("INSERT INTO ops.full_refresh_requests VALUES (now(), ?)", [reason])


def ensure_ops(con: duckdb.DuckDBPyConnection) -> None:
    """The dbt step's bookkeeping tables (outside a transaction: DDL first, rows later)."""
    con.execute(BUILD_STATE_DDL + FULL_REFRESH_DDL)


def full_refresh_requests(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Reasons of the pending requests for a full refresh, oldest first."""
    ensure_ops(con)
    return [r[0] for r in con.execute("SELECT reason FROM ops.full_refresh_requests ORDER BY requested_at").fetchall()]


def clear_full_refresh_requests(con: duckdb.DuckDBPyConnection) -> None:
    ensure_ops(con)
    con.execute("DELETE FROM ops.full_refresh_requests")


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of each raw table, for summaries and metadata."""
    counts = row_counts(con, [("raw", t) for t in RAW_TABLES])
    return {t: counts[("raw", t)] for t in RAW_TABLES}


def row_counts(con: duckdb.DuckDBPyConnection, relations: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Rows of each (schema, name) relation, in ONE statement: a lake reads its snapshot once, not per table."""
    if not relations:
        return {}
    sql = " UNION ALL ".join(f'SELECT {i} AS i, count(*) AS n FROM "{schema}"."{name}"'  # noqa: S608 - our relation names
                             for i, (schema, name) in enumerate(relations))
    counts = dict(con.execute(sql).fetchall())
    return {relation: counts[i] for i, relation in enumerate(relations)}
