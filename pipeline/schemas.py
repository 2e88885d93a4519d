"""Pandera (polars backend) schemas of the raw tables, and the entry policy.

The columns and dtypes come from ``pipeline.columns``; this module adds the
checks. Pandera does all the checking of entries, and ``apply_policy``
decides what a failure means: an entry is rejected only when it has no usable
title (it cannot be a paper); any other failed field is set null (the
abstract is kept as given) and recorded as a field issue, and the entry loads.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from pipeline import names
from pipeline.columns import RAW_TABLES, polars_schema

ARXIV_ID_RE = r"^([0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?$"
NO_CONTROL_RE = r"^[^\x00-\x1f\x7f]*$"
# A title has no sentence breaks; an abstract pasted in its place has several, or many words.
ABSTRACT_SHAPE_RE = r"^(\S+\s+){40,}\S|[a-z]{2}[.!?]\s+[A-Z][^.!?]*[a-z]{2}[.!?]\s+[A-Z]"
EARLIEST_PUBLICATION = date(1990, 1, 1)
MAX_TITLE = 500
MIN_ABSTRACT = 20
MAX_UPVOTES = 10_000_000
LAYOUTS, DATE_SOURCES, SOURCES = list(names.LAYOUTS), list(names.DATE_SOURCES), list(names.SOURCES)

# Fields whose failure means the entry cannot be a paper: rejected, never loaded.
TITLE_FIELDS = ("title",)
# Fields kept as given when they fail (the failure is only recorded).
KEPT_FIELDS = ("abstract",)


def _published_not_after_snapshot(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("published_on").is_null() | (pl.col("published_on") <= pl.col("snapshot_date")))


def _abstract_differs_from_title(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("abstract").is_null() | (pl.col("abstract") != pl.col("title")))


def _not_abstract_shaped(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(~pl.col(data.key).str.contains(ABSTRACT_SHAPE_RE).fill_null(False))


def _matches(pattern: str, name: str) -> pa.Check:
    """A regex check that reports its own name (Pandera's built-in one reports the pattern)."""
    return pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).str.contains(pattern)), name=name)


# Dataframe-level checks and the field each one is about.
FRAME_CHECK_FIELDS = {"published_on_not_after_snapshot_date": "published_on", "abstract_differs_from_title": "abstract"}

MENTION_CHECKS: dict[str, list[pa.Check]] = {
    "snapshot_id": [pa.Check.str_length(64, 64)],
    "position": [pa.Check.ge(1)],
    "title": [
        pa.Check.str_length(1, MAX_TITLE),
        _matches(NO_CONTROL_RE, "no_control_characters"),
        pa.Check(_not_abstract_shaped, name="not_shaped_like_an_abstract"),
    ],
    "abstract": [pa.Check.str_length(min_value=MIN_ABSTRACT)],
    "authors_count": [pa.Check.ge(1)],
    "organization": [pa.Check.str_length(1, 200)],
    "organization_name": [pa.Check.str_length(1, 200)],
    "published_on": [pa.Check.ge(EARLIEST_PUBLICATION)],
    "upvotes": [pa.Check.in_range(0, MAX_UPVOTES)],
    "arxiv_id": [_matches(ARXIV_ID_RE, "arxiv_id_format")],
    "num_comments": [pa.Check.ge(0)],
}
# Required in Pandera's sense: a null is a failure (for the abstract: recorded, kept).
REQUIRED = {"snapshot_id", "position", "title", "abstract"}

MENTIONS = pa.DataFrameSchema(
    {
        **{
            name: pa.Column(dtype, MENTION_CHECKS.get(name, []), nullable=name not in REQUIRED)
            for name, dtype in polars_schema("paper_mentions").items()
        },
        "snapshot_date": pa.Column(pl.Date),
    },
    checks=[
        pa.Check(_published_not_after_snapshot, name="published_on_not_after_snapshot_date"),
        pa.Check(_abstract_differs_from_title, name="abstract_differs_from_title"),
    ],
    unique=["snapshot_id", "position"],
    strict=True,
    name="raw.paper_mentions",
)

TABLE_CHECKS: dict[str, dict[str, list[pa.Check]]] = {
    "snapshots": {
        "snapshot_id": [pa.Check.str_length(64, 64)],
        "layout": [pa.Check.isin(LAYOUTS)],
        "snapshot_date_source": [pa.Check.isin(DATE_SOURCES)],
        "source": [pa.Check.isin(SOURCES)],
        "n_entries": [pa.Check.ge(0)],
        "n_rejected": [pa.Check.ge(0)],
        "n_field_issues": [pa.Check.ge(0)],
        "size_bytes": [pa.Check.ge(0)],
    },
    "rejected_files": {"sha256": [pa.Check.str_length(64, 64)], "reason": [pa.Check.str_length(min_value=1)],
                       "size_bytes": [pa.Check.ge(0)]},
    "rejected_mentions": {"snapshot_id": [pa.Check.str_length(64, 64)], "reason": [pa.Check.str_length(min_value=1)]},
    "field_issues": {"snapshot_id": [pa.Check.str_length(64, 64)], "reason": [pa.Check.str_length(min_value=1)]},
}
UNIQUE = {"snapshots": ["snapshot_id"], "rejected_files": ["sha256"]}


def _table_schema(table: str) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(c.dtype, TABLE_CHECKS[table].get(c.name, []), nullable=c.nullable)
        for c in RAW_TABLES[table]
    }
    return pa.DataFrameSchema(columns, unique=UNIQUE.get(table), strict=True, name=f"raw.{table}")


SNAPSHOTS = _table_schema("snapshots")
REJECTED_FILES = _table_schema("rejected_files")
REJECTED_MENTIONS = _table_schema("rejected_mentions")
FIELD_ISSUES = _table_schema("field_issues")
ISSUE_SCHEMA = {"row": pl.Int64, "field": pl.String, "raw_value": pl.String, "reason": pl.String}


def failure_cases(mentions: pl.DataFrame) -> pl.DataFrame:
    """Every failed check of every row: ``row``, ``field``, ``raw_value``, ``reason``."""
    try:
        MENTIONS.validate(mentions, lazy=True)
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    if cases["index"].null_count():
        # A failure without a row (wrong dtype, missing column) is a bug of ours, not bad data.
        raise RuntimeError(f"mention batch failed schema-level checks:\n{cases.filter(pl.col('index').is_null())}")
    frame_level = pl.col("schema_context") == "DataFrameSchema"
    return cases.select(
        pl.col("index").cast(pl.Int64).alias("row"),
        pl.when(frame_level).then(pl.col("check").replace_strict(FRAME_CHECK_FIELDS, default=None))
        .otherwise(pl.col("column")).alias("field"),
        pl.col("failure_case").cast(pl.String).alias("raw_value"),
        pl.when(pl.col("check") == "not_nullable").then(pl.lit("missing")).otherwise(pl.col("check")).alias("reason"),
    ).unique(maintain_order=True)


def apply_policy(mentions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Validate a batch of mentions; return ``(loaded, rejected, issues)``.

    ``rejected`` has one row per entry without a usable title (``row``,
    ``reason``); ``loaded`` holds every other row, with the failing optional
    fields set null; ``issues`` has one row per failed field of a loaded row
    (``row``, ``field``, ``raw_value``, ``reason``). The frame-level check of
    the publication date reports the date itself as its raw value.
    """
    cases = failure_cases(mentions)
    fatal = cases.filter(pl.col("field").is_in(TITLE_FIELDS) | pl.col("field").is_null())
    rejected = fatal.group_by("row", maintain_order=True).agg(
        pl.format("{}: {} failed for {}", pl.col("field").fill_null("entry"), "reason",
                  pl.col("raw_value").fill_null("null").str.slice(0, 120)).unique(maintain_order=True).str.join("; ").alias("reason")
    )
    indexed = mentions.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    issues = cases.filter(~pl.col("row").is_in(rejected["row"].implode()) & ~pl.col("field").is_in(TITLE_FIELDS))
    # A frame-level check reports no single value: record the field's own value.
    frame_values = indexed.select("row", *[pl.col(f).cast(pl.String).alias(f"{f}_value") for f in FRAME_CHECK_FIELDS.values()])
    frame_check = pl.col("reason").is_in(list(FRAME_CHECK_FIELDS))
    issues = issues.join(frame_values, on="row", how="left").with_columns(
        pl.coalesce(
            [pl.when(frame_check & (pl.col("field") == f)).then(pl.col(f"{f}_value")) for f in FRAME_CHECK_FIELDS.values()]
            + [pl.when(~frame_check).then(pl.col("raw_value"))]
        ).alias("raw_value")
    ).select(list(ISSUE_SCHEMA))
    nulled = [
        pl.when(pl.col("row").is_in(issues.filter(pl.col("field") == name)["row"].implode())).then(None)
        .otherwise(pl.col(name)).alias(name)
        for name in issues["field"].unique().to_list() if name not in KEPT_FIELDS
    ]
    loaded = indexed.filter(~pl.col("row").is_in(rejected["row"].implode())).with_columns(nulled).drop("row")
    return loaded, rejected, issues
