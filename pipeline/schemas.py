"""Pandera (polars backend) schemas of the raw tables.

``MENTIONS`` is where entry-level rules live: whatever it rejects goes to
``raw.rejected_mentions`` with the check Pandera names, and the rest of the
file still loads. The other schemas guard the bookkeeping tables.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

ARXIV_ID_RE = r"^([0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?$"
NO_CONTROL_RE = r"^[^\x00-\x1f\x7f]*$"
EARLIEST_PUBLICATION = date(1990, 1, 1)


def _no_parse_error(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col(data.key).is_null())


def _published_not_after_snapshot(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(
        pl.col("published_on").is_null() | (pl.col("published_on") <= pl.col("snapshot_date"))
    )


MENTIONS = pa.DataFrameSchema(
    {
        "snapshot_id": pa.Column(pl.String, pa.Check.str_length(64, 64)),
        "snapshot_date": pa.Column(pl.Date),
        "position": pa.Column(pl.Int32, pa.Check.ge(1)),
        "title": pa.Column(
            pl.String,
            [pa.Check.str_length(1, 500), pa.Check.str_matches(NO_CONTROL_RE, name="no_control_characters")],
        ),
        "abstract": pa.Column(pl.String, pa.Check.str_length(min_value=20)),
        "authors_count": pa.Column(pl.Int32, pa.Check.ge(1), nullable=True),
        "organization": pa.Column(pl.String, pa.Check.str_length(1, 200), nullable=True),
        "published_on": pa.Column(pl.Date, pa.Check.ge(EARLIEST_PUBLICATION), nullable=True),
        "upvotes": pa.Column(pl.Int32, pa.Check.ge(0), nullable=True),
        "arxiv_id": pa.Column(pl.String, pa.Check.str_matches(ARXIV_ID_RE, name="arxiv_id_format"), nullable=True),
        "parse_error": pa.Column(pl.String, pa.Check(_no_parse_error, name="parsed_cleanly"), nullable=True),
    },
    checks=[pa.Check(_published_not_after_snapshot, name="published_on_not_after_snapshot_date")],
    unique=["snapshot_id", "position"],
    strict=True,
    name="raw.paper_mentions",
)

SNAPSHOTS = pa.DataFrameSchema(
    {
        "snapshot_id": pa.Column(pl.String, pa.Check.str_length(64, 64), unique=True),
        "file_name": pa.Column(pl.String),
        "layout": pa.Column(pl.String, pa.Check.isin(["blank_separated", "line_pairs", "annotated", "hf_api_json"])),
        "snapshot_date": pa.Column(pl.Date),
        "snapshot_date_source": pa.Column(pl.String, pa.Check.isin(["file_name", "header", "api", "mtime"])),
        "n_entries": pa.Column(pl.Int32, pa.Check.ge(0)),
        "n_rejected": pa.Column(pl.Int32, pa.Check.ge(0)),
        "size_bytes": pa.Column(pl.Int64, pa.Check.ge(0)),
        "encoding": pa.Column(pl.String),
        "parser_version": pa.Column(pl.String),
        "ingested_at": pa.Column(pl.Datetime),
    },
    strict=True,
    name="raw.snapshots",
)

REJECTED_FILES = pa.DataFrameSchema(
    {
        "sha256": pa.Column(pl.String, pa.Check.str_length(64, 64), unique=True),
        "file_name": pa.Column(pl.String),
        "reason": pa.Column(pl.String, pa.Check.str_length(min_value=1)),
        "size_bytes": pa.Column(pl.Int64, pa.Check.ge(0)),
        "rejected_at": pa.Column(pl.Datetime),
    },
    strict=True,
    name="raw.rejected_files",
)

REJECTED_MENTIONS = pa.DataFrameSchema(
    {
        "snapshot_id": pa.Column(pl.String, pa.Check.str_length(64, 64)),
        "position": pa.Column(pl.Int32),
        "raw_text": pa.Column(pl.String),
        "reason": pa.Column(pl.String, pa.Check.str_length(min_value=1)),
    },
    strict=True,
    name="raw.rejected_mentions",
)


def split_valid(mentions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a batch of mentions; return ``(valid, reasons)``.

    ``reasons`` has one row per failing row index (``row``, ``reason``), the
    reason naming every failed column and check as Pandera reports them.
    """
    try:
        MENTIONS.validate(mentions, lazy=True)
        return mentions, pl.DataFrame(schema={"row": pl.Int64, "reason": pl.String})
    except SchemaErrors as exc:
        cases = exc.failure_cases
    if cases["index"].null_count():
        # A failure without a row (wrong dtype, missing column) is a bug of ours, not bad data.
        raise RuntimeError(f"mention batch failed schema-level checks:\n{cases.filter(pl.col('index').is_null())}")
    reasons = (
        cases.with_columns(
            pl.when(pl.col("schema_context") == "DataFrameSchema")
            .then(pl.col("check"))
            .otherwise(
                pl.concat_str(
                    [
                        pl.col("column"),
                        pl.lit(": "),
                        pl.col("check"),
                        pl.lit(" failed for "),
                        pl.col("failure_case").cast(pl.String).fill_null("null").str.slice(0, 120),
                    ]
                )
            )
            .alias("reason")
        )
        .group_by(pl.col("index").cast(pl.Int64).alias("row"))
        .agg(pl.col("reason").unique(maintain_order=True).str.join("; "))
    )
    bad = pl.Series(reasons["row"])
    valid = mentions.with_row_index("row").filter(~pl.col("row").is_in(bad.implode())).drop("row")
    return valid, reasons
