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

# The JSON paths read from each item, by the name the query below uses. One
# multi-path json_extract parses an item once; reading each field with its own
# ``->`` / json_type call parsed the ~2 KB item again for every one of ~30 calls.
FIELDS = {
    "p_title": "$.paper.title", "i_title": "$.title", "summary": "$.paper.summary", "authors": "$.paper.authors",
    "org": "$.organization", "org_fullname": "$.organization.fullname", "org_name": "$.organization.name",
    "published_raw": "$.paper.publishedAt", "upvotes": "$.paper.upvotes", "paper_id": "$.paper.id",
    "ai_keywords": "$.paper.ai_keywords", "ai_summary": "$.paper.ai_summary", "github": "$.paper.githubRepo",
    "comments": "$.numComments", "submitted": "$.paper.submittedOnDailyAt", "item_published": "$.publishedAt",
}
_PATHS = ", ".join(f"'{path}'" for path in FIELDS.values())
_COLUMNS = ", ".join(f"f[{i}] AS {name}" for i, name in enumerate(FIELDS, 1))

# One row per item, every field typed by its JSON type (json_type), never by coercion.
# A missing field and a JSON null are both NULL here (nullif(..., 'NULL')).
ITEMS_SQL = f"""
WITH docs AS (
    SELECT doc_id, json_transform(text, '["JSON"]') AS arr FROM incoming_docs
), items AS (
    SELECT doc_id, unnest(arr) AS item, unnest(range(1, len(arr) + 1))::INTEGER AS position FROM docs
), fields AS (
    SELECT doc_id, position, item, {_COLUMNS}
    FROM (SELECT doc_id, position, item, json_extract(item, [{_PATHS}]) AS f FROM items)
), typed AS (
    SELECT
        *,
        nullif(json_type(upvotes), 'NULL') AS upvotes_type,
        upvotes ->> '$' AS upvotes_raw,
        nullif(json_type(authors), 'NULL') AS authors_type,
        nullif(json_type(summary), 'NULL') AS summary_type,
        published_raw ->> '$' AS published_text
    FROM fields
)
SELECT
    doc_id,
    position,
    trim(CASE WHEN json_type(p_title) = 'VARCHAR' THEN p_title ->> '$'
              WHEN json_type(i_title) = 'VARCHAR' THEN i_title ->> '$' END) AS title,
    CASE WHEN summary_type = 'VARCHAR' THEN trim(summary ->> '$') END AS abstract,
    CASE WHEN authors_type = 'ARRAY' THEN json_array_length(authors)::INTEGER END AS authors_count,
    CASE WHEN json_type(org_fullname) = 'VARCHAR' THEN org_fullname ->> '$'
         WHEN json_type(org_name) = 'VARCHAR' THEN org_name ->> '$' END AS organization,
    CASE WHEN json_type(org_name) = 'VARCHAR' THEN org_name ->> '$' END AS organization_name,
    TRY_CAST(left(published_text, 10) AS DATE) AS published,
    CASE WHEN upvotes_type IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(upvotes_raw AS BIGINT) END AS upvotes,
    CASE WHEN json_type(paper_id) = 'VARCHAR' THEN regexp_replace(trim(paper_id ->> '$'), '^(?i)arxiv:', '') END AS arxiv_id,
    CASE WHEN json_type(ai_keywords) = 'ARRAY' THEN TRY_CAST(ai_keywords AS VARCHAR[]) END AS ai_keywords,
    CASE WHEN json_type(ai_summary) = 'VARCHAR' THEN ai_summary ->> '$' END AS ai_summary,
    CASE WHEN json_type(github) = 'VARCHAR' THEN github ->> '$' END AS github_repo,
    CASE WHEN json_type(comments) IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(comments ->> '$' AS INTEGER) END AS num_comments,
    TRY_CAST(TRY_CAST(submitted ->> '$' AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP) AS submitted_on_daily_at,
    TRY_CAST(left(item_published ->> '$', 10) AS DATE) AS api_date,
    item::VARCHAR AS raw_text,
    list_filter([
        CASE WHEN upvotes_raw IS NULL THEN NULL
             WHEN regexp_matches(upvotes_raw, '^-?[0-9]+$') AND upvotes_type <> 'VARCHAR' AND TRY_CAST(upvotes_raw AS BIGINT) IS NULL
             THEN {{'field': 'upvotes', 'raw_value': upvotes_raw, 'reason': 'too large'}}
             WHEN upvotes_type NOT IN ('UBIGINT', 'BIGINT')
             THEN {{'field': 'upvotes', 'raw_value': upvotes_raw, 'reason': 'not an integer'}} END,
        CASE WHEN nullif(json_type(org), 'NULL') <> 'OBJECT'
             THEN {{'field': 'organization', 'raw_value': org ->> '$', 'reason': 'organization is not an object'}} END,
        CASE WHEN authors_type IS NOT NULL AND authors_type <> 'ARRAY'
             THEN {{'field': 'authors_count', 'raw_value': authors ->> '$', 'reason': 'authors is not a list'}} END,
        CASE WHEN summary_type IS NOT NULL AND summary_type <> 'VARCHAR'
             THEN {{'field': 'abstract', 'raw_value': summary ->> '$', 'reason': 'summary is not a string'}} END,
        CASE WHEN published_text IS NOT NULL AND TRY_CAST(left(published_text, 10) AS DATE) IS NULL
             THEN {{'field': 'published_on', 'raw_value': published_text, 'reason': 'unreadable publishedAt'}} END
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
