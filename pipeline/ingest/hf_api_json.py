"""Layout ``hf_api_json``: the JSON list of the Hugging Face daily papers API.

Only the fields the raw layer needs are decoded (with a fixed dtype, so extra
fields are ignored and missing optional ones become null). A document that is
not a JSON list of objects is a file-level error, raised as ``ValueError``.
"""

from __future__ import annotations

import json

import polars as pl

from pipeline.ingest.common import doc_dates, finish

LAYOUT = "hf_api_json"

ITEM_DTYPE = pl.Struct(
    {
        "paper": pl.Struct(
            {
                "id": pl.String(),
                "title": pl.String(),
                "summary": pl.String(),
                "authors": pl.List(pl.Struct({"name": pl.String()})),
                "upvotes": pl.Int64(),
                "publishedAt": pl.String(),
            }
        ),
        "title": pl.String(),
        "publishedAt": pl.String(),
        "organization": pl.Struct({"name": pl.String(), "fullname": pl.String()}),
    }
)


def check_shape(text: str) -> None:
    """Reject truncated JSON and JSON of the wrong shape with a precise reason."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid or truncated JSON: {exc}") from None
    if not isinstance(value, list):
        raise ValueError(f"JSON is a {type(value).__name__}, expected a list of daily-paper items")
    if not value:
        raise ValueError("JSON list is empty: no entries found")
    if not all(isinstance(item, dict) for item in value):
        raise ValueError("JSON list holds non-object items, expected daily-paper objects")
    if not any("paper" in item or "title" in item for item in value):
        raise ValueError("JSON list holds no daily-paper item (no 'paper' or 'title' field): an API error answer?")


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of API documents; returns ``(entries, api_dates)``."""
    items = (
        docs.select("doc_id", pl.col("text").str.json_decode(pl.List(ITEM_DTYPE)).alias("item"))
        .explode("item")
        .with_columns(pl.int_range(1, pl.len() + 1).over("doc_id").alias("position"))
    )
    paper = pl.col("item").struct.field("paper")
    published = paper.struct.field("publishedAt").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    org = pl.col("item").struct.field("organization")
    entries = items.with_columns(
        pl.coalesce(paper.struct.field("title"), pl.col("item").struct.field("title")).str.strip_chars().alias("title"),
        paper.struct.field("summary").str.strip_chars().alias("abstract"),
        paper.struct.field("authors").list.len().alias("authors_count"),
        pl.coalesce(org.struct.field("fullname"), org.struct.field("name")).alias("organization"),
        published.dt.year().alias("pub_year"),
        published.dt.month().alias("pub_month"),
        published.dt.day().alias("pub_day"),
        paper.struct.field("upvotes").alias("upvotes"),
        paper.struct.field("id").str.strip_chars().str.replace(r"^(?i)arxiv:", "").alias("arxiv_id"),
        pl.when(paper.struct.field("publishedAt").is_not_null() & published.is_null())
        .then(pl.lit("unreadable publishedAt: ") + paper.struct.field("publishedAt"))
        .alias("parse_error"),
    )
    api_dates = doc_dates(
        items.select(
            "doc_id",
            pl.col("item").struct.field("publishedAt").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias("d"),
        )
        .drop_nulls("d")
        .group_by("doc_id")
        .agg(pl.col("d").mode().max().alias("api_date"))
    )
    return finish(entries, pl.col("item").struct.json_encode()), api_dates
