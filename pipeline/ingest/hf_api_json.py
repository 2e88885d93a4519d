"""Layout ``hf_api_json``: the JSON list of the Hugging Face daily papers API.

Items are decoded by DuckDB's JSON functions, which read any value of any
type: a field of an unexpected type (upvotes given as ``"12"`` or ``3.5``, an
author list that is an object) becomes null with a recorded field error
instead of failing the file or being truncated silently. A document that is
not a JSON list of objects is a file-level error, raised as ``ValueError``;
an empty list is a valid day without papers.
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from pipeline.ingest.common import ENTRY_COLUMNS, doc_dates, finish

LAYOUT = "hf_api_json"

# One row per item, every field typed by its JSON type (json_type), never by coercion.
ITEMS_SQL = """
WITH docs AS (
    SELECT doc_id, json_transform(text, '["JSON"]') AS arr FROM incoming_docs
), items AS (
    SELECT doc_id, unnest(arr) AS item, unnest(range(1, len(arr) + 1))::INTEGER AS position FROM docs
), typed AS (
    SELECT
        *,
        item -> 'paper' AS paper,
        nullif(json_type(item, '$.paper.upvotes'), 'NULL') AS upvotes_type,
        item -> 'paper' ->> 'upvotes' AS upvotes_raw,
        nullif(json_type(item, '$.paper.authors'), 'NULL') AS authors_type,
        nullif(json_type(item, '$.paper.summary'), 'NULL') AS summary_type,
        item -> 'paper' ->> 'publishedAt' AS published_raw
    FROM items
)
SELECT
    doc_id,
    position,
    trim(CASE WHEN json_type(paper, '$.title') = 'VARCHAR' THEN paper ->> 'title'
              WHEN json_type(item, '$.title') = 'VARCHAR' THEN item ->> 'title' END) AS title,
    CASE WHEN summary_type = 'VARCHAR' THEN trim(paper ->> 'summary') END AS abstract,
    CASE WHEN authors_type = 'ARRAY' THEN json_array_length(paper, '$.authors')::INTEGER END AS authors_count,
    CASE WHEN json_type(item, '$.organization.fullname') = 'VARCHAR' THEN item -> 'organization' ->> 'fullname'
         WHEN json_type(item, '$.organization.name') = 'VARCHAR' THEN item -> 'organization' ->> 'name' END AS organization,
    CASE WHEN json_type(item, '$.organization.name') = 'VARCHAR' THEN item -> 'organization' ->> 'name' END AS organization_name,
    TRY_CAST(left(published_raw, 10) AS DATE) AS published,
    CASE WHEN upvotes_type IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(upvotes_raw AS BIGINT) END AS upvotes,
    CASE WHEN json_type(paper, '$.id') = 'VARCHAR' THEN regexp_replace(trim(paper ->> 'id'), '^(?i)arxiv:', '') END AS arxiv_id,
    CASE WHEN json_type(paper, '$.ai_keywords') = 'ARRAY' THEN TRY_CAST(paper -> 'ai_keywords' AS VARCHAR[]) END AS ai_keywords,
    CASE WHEN json_type(paper, '$.ai_summary') = 'VARCHAR' THEN paper ->> 'ai_summary' END AS ai_summary,
    CASE WHEN json_type(paper, '$.githubRepo') = 'VARCHAR' THEN paper ->> 'githubRepo' END AS github_repo,
    CASE WHEN json_type(item, '$.numComments') IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(item ->> 'numComments' AS INTEGER) END AS num_comments,
    TRY_CAST(TRY_CAST(paper ->> 'submittedOnDailyAt' AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) AS submitted_on_daily_at,
    TRY_CAST(left(item ->> 'publishedAt', 10) AS DATE) AS api_date,
    item::VARCHAR AS raw_text,
    list_filter([
        CASE WHEN upvotes_raw IS NULL THEN NULL
             WHEN regexp_matches(upvotes_raw, '^-?[0-9]+$') AND upvotes_type <> 'VARCHAR' AND TRY_CAST(upvotes_raw AS BIGINT) IS NULL
             THEN {'field': 'upvotes', 'raw_value': upvotes_raw, 'reason': 'too large'}
             WHEN upvotes_type NOT IN ('UBIGINT', 'BIGINT')
             THEN {'field': 'upvotes', 'raw_value': upvotes_raw, 'reason': 'not an integer'} END,
        CASE WHEN nullif(json_type(item, '$.organization'), 'NULL') <> 'OBJECT'
             THEN {'field': 'organization', 'raw_value': item ->> 'organization', 'reason': 'organization is not an object'} END,
        CASE WHEN authors_type IS NOT NULL AND authors_type <> 'ARRAY'
             THEN {'field': 'authors_count', 'raw_value': paper ->> 'authors', 'reason': 'authors is not a list'} END,
        CASE WHEN summary_type IS NOT NULL AND summary_type <> 'VARCHAR'
             THEN {'field': 'abstract', 'raw_value': paper ->> 'summary', 'reason': 'summary is not a string'} END,
        CASE WHEN published_raw IS NOT NULL AND TRY_CAST(left(published_raw, 10) AS DATE) IS NULL
             THEN {'field': 'published_on', 'raw_value': published_raw, 'reason': 'unreadable publishedAt'} END
    ], lambda e: e IS NOT NULL) AS field_errors
FROM typed
"""


def check_shape(text: str) -> None:
    """Reject truncated JSON and JSON of the wrong shape with a precise reason."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid or truncated JSON: {exc}") from None
    if not isinstance(value, list):
        raise ValueError(f"JSON is a {type(value).__name__}, expected a list of daily-paper items")
    if not all(isinstance(item, dict) for item in value):
        raise ValueError("JSON list holds non-object items, expected daily-paper objects")
    if value and not any("paper" in item or "title" in item for item in value):
        raise ValueError("JSON list holds no daily-paper item (no 'paper' or 'title' field): an API error answer?")


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of API documents; returns ``(entries, api_dates)``."""
    with duckdb.connect() as con:
        con.register("incoming_docs", docs.select("doc_id", "text").to_arrow())
        items = con.sql(ITEMS_SQL).pl()
    if items.is_empty():
        return pl.DataFrame(schema=ENTRY_COLUMNS), doc_dates(pl.DataFrame(schema={"doc_id": pl.Int64}))
    entries = items.with_columns(
        pl.col("published").dt.year().alias("pub_year"),
        pl.col("published").dt.month().alias("pub_month"),
        pl.col("published").dt.day().alias("pub_day"),
    )
    api_dates = doc_dates(
        items.drop_nulls("api_date").group_by("doc_id").agg(pl.col("api_date").mode().max())
    )
    return finish(entries), api_dates
