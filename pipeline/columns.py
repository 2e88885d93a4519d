"""The raw layer's columns, defined once.

The DuckDB DDL, the Pandera schemas and the polars dtypes of every frame the
ingest writes are all derived from ``RAW_TABLES`` below, so a column is added
or retyped in one place and the three can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    nullable: bool = True
    doc: str = ""
    compression: str | None = None


SQL_TYPES = {pl.String: "VARCHAR", pl.Int32: "INTEGER", pl.Int64: "BIGINT", pl.Date: "DATE",
             pl.Datetime: "TIMESTAMP", pl.Boolean: "BOOLEAN"}


def sql_type(dtype: pl.DataType) -> str:
    """DuckDB type of a polars dtype (lists become DuckDB lists)."""
    if isinstance(dtype, pl.List):
        return sql_type(dtype.inner) + "[]"
    return SQL_TYPES[dtype.base_type()]


RAW_TABLES: dict[str, tuple[Column, ...]] = {
    "snapshots": (
        Column("snapshot_id", pl.String(), False, "SHA-256 of the file's bytes"),
        Column("file_name", pl.String(), False, "name in the landing dir when ingested"),
        Column("layout", pl.String(), False, "layout detected from the content"),
        Column("snapshot_date", pl.Date(), False, "day of the digest (DESIGN.md date rule)"),
        Column("snapshot_date_source", pl.String(), False, "which rule gave snapshot_date"),
        Column("source", pl.String(), True, "file, fetch or sample (who put the file in the landing dir)"),
        Column("n_entries", pl.Int32(), False, "entries loaded into raw.paper_mentions"),
        Column("n_rejected", pl.Int32(), False, "entries sent to raw.rejected_mentions"),
        Column("n_field_issues", pl.Int32(), True, "rows written to raw.field_issues"),
        Column("size_bytes", pl.Int64(), False, "file size in bytes"),
        Column("encoding", pl.String(), False, "text encoding the file was decoded with"),
        Column("parser_version", pl.String(), False, "version of the parser that read the file"),
        Column("ingested_at", pl.Datetime("us"), False, "when the snapshot was loaded"),
        Column("fetched_at", pl.Datetime("us"), True,
               "when the content was fetched (UTC): the _fetch<time> of a re-fetch's name, else the file's mtime"),
    ),
    "paper_mentions": (
        Column("snapshot_id", pl.String(), False, "snapshot the entry belongs to"),
        Column("position", pl.Int32(), False, "1-based order of the entry in the page"),
        Column("title", pl.String(), False, "title exactly as printed"),
        # zstd: abstracts are most of the bytes, and the default string compression
        # makes every append about twice as slow for a four times larger file.
        Column("abstract", pl.String(), True, "abstract as printed; null when the page had none", "zstd"),
        Column("authors_count", pl.Int32(), True, "number of authors"),
        Column("organization", pl.String(), True, "submitting organization's display name"),
        Column("organization_name", pl.String(), True, "submitting organization's short name (its HF handle)"),
        Column("published_on", pl.Date(), True, "arXiv publication date"),
        Column("upvotes", pl.Int64(), True, "upvotes on the digest when the snapshot was taken"),
        Column("arxiv_id", pl.String(), True, "arXiv id (API snapshots)"),
        Column("ai_keywords", pl.List(pl.String()), True, "the API's paper.ai_keywords"),
        Column("ai_summary", pl.String(), True, "the API's paper.ai_summary", "zstd"),
        Column("github_repo", pl.String(), True, "the API's paper.githubRepo"),
        Column("num_comments", pl.Int32(), True, "the API's numComments"),
        Column("submitted_on_daily_at", pl.Datetime("us"), True, "the API's paper.submittedOnDailyAt (UTC)"),
    ),
    "rejected_files": (
        Column("sha256", pl.String(), False, "SHA-256 of the rejected bytes"),
        Column("file_name", pl.String(), False, "file name in the landing dir"),
        Column("reason", pl.String(), False, "why the file was rejected"),
        Column("size_bytes", pl.Int64(), False, "file size in bytes"),
        Column("rejected_at", pl.Datetime("us"), False, "when the file was rejected"),
        Column("parser_version", pl.String(), True, "parser that rejected it (retried when the parser is upgraded)"),
        Column("retry_on", pl.Date(), True, "day from which it is read again (a file dated too far ahead); null: never"),
    ),
    "rejected_mentions": (
        Column("snapshot_id", pl.String(), False, "snapshot the entry came from"),
        Column("position", pl.Int32(), False, "1-based order in the page"),
        Column("raw_text", pl.String(), False, "the entry as received"),
        Column("reason", pl.String(), False, "why it cannot be a paper"),
    ),
    "field_issues": (
        Column("snapshot_id", pl.String(), False, "snapshot of the loaded entry"),
        Column("position", pl.Int32(), False, "position of the loaded entry"),
        Column("field", pl.String(), False, "column whose value failed its check"),
        Column("raw_value", pl.String(), True, "the value as received (null when absent)"),
        Column("reason", pl.String(), False, "the failed check"),
    ),
    "reparsed": (
        Column("sha256", pl.String(), False, "content read again by a newer parser"),
        Column("old_parser_version", pl.String(), True, "version that had read it"),
        Column("parser_version", pl.String(), False, "version that read it again"),
        Column("reparsed_at", pl.Datetime("us"), False, "when its rows were replaced"),
        Column("marts_rebuilt", pl.Boolean(), False, "whether the dbt marts were fully rebuilt since"),
    ),
    "observed_dates": (
        Column("file_name", pl.String(), False, "landing file whose bytes repeat a stored snapshot"),
        Column("snapshot_date", pl.Date(), False, "the day its file name observes (an empty API day, say)"),
        Column("snapshot_id", pl.String(), False, "the stored snapshot with the same bytes"),
        Column("observed_at", pl.Datetime("us"), False, "when the ingest recorded it"),
    ),
    "landing_files": (
        Column("file_name", pl.String(), False),
        Column("size_bytes", pl.Int64(), False),
        Column("mtime_ns", pl.Int64(), False),
        Column("sha256", pl.String(), False),
    ),
}
PRIMARY_KEYS = {"snapshots": ("snapshot_id",), "rejected_files": ("sha256",), "observed_dates": ("file_name", "snapshot_id"),
                "landing_files": ("file_name", "size_bytes", "mtime_ns")}


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """Column name -> polars dtype of a raw table, in table order."""
    return {c.name: c.dtype for c in RAW_TABLES[table]}


def create_table_sql(table: str, in_lake: bool = False) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one raw table (in a DuckLake: no key, no compression choice)."""
    cols = [
        f"{c.name} {sql_type(c.dtype)}"
        + (f" USING COMPRESSION {c.compression}" if c.compression and not in_lake else "")
        + ("" if c.nullable else " NOT NULL")
        for c in RAW_TABLES[table]
    ]
    if table in PRIMARY_KEYS and not in_lake:
        cols.append(f"PRIMARY KEY ({', '.join(PRIMARY_KEYS[table])})")
    return f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    " + ",\n    ".join(cols) + "\n);"


def raw_ddl(in_lake: bool = False) -> str:
    """The whole raw layer's DDL (safe to repeat)."""
    return "CREATE SCHEMA IF NOT EXISTS raw;\n" + "\n".join(create_table_sql(t, in_lake) for t in RAW_TABLES)


RAW_DDL = raw_ddl()
