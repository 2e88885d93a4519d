"""Layout drift: snapshots whose shape deviates from the recent ones.

A saved page whose layout changed parses "successfully" into nonsense: many
unpaired paragraphs, abstracts taken for titles, or far fewer entries than
usual. One SQL definition serves the per-run asset check (on the warehouse)
and the report's data-quality list (on the published copy).
"""

from __future__ import annotations

import duckdb
import polars as pl

MAX_REJECTED_SHARE = 0.05
MAX_MEDIAN_TITLE_CHARS = 150
COUNT_FACTOR = 8  # "far outside": below an eighth or above eight times the recent median (weekends are ~5x smaller)
RECENT_SNAPSHOTS = 14
MIN_RECENT = 5

DRIFT_SQL = f"""
WITH titles AS (
    SELECT snapshot_id, median(length(title)) AS median_title_chars
    FROM {{raw}}.paper_mentions GROUP BY snapshot_id
), shaped AS (
    SELECT s.snapshot_id, s.file_name, s.layout, s.snapshot_date, s.n_entries, s.n_rejected,
           s.n_rejected / nullif(s.n_entries + s.n_rejected, 0) AS rejected_share,
           t.median_title_chars,
           -- the baseline skips empty API days (weekends), which are not drift
           median(s.n_entries) FILTER (WHERE s.n_entries + s.n_rejected > 0) OVER recent AS recent_median_entries,
           count(*) FILTER (WHERE s.n_entries + s.n_rejected > 0) OVER recent AS recent_snapshots
    FROM {{raw}}.snapshots AS s LEFT JOIN titles AS t USING (snapshot_id)
    WINDOW recent AS (ORDER BY s.snapshot_date, s.ingested_at, s.snapshot_id
                      ROWS BETWEEN {RECENT_SNAPSHOTS} PRECEDING AND 1 PRECEDING)
), flagged AS (
    SELECT *, concat_ws('; ',
        CASE WHEN rejected_share > {MAX_REJECTED_SHARE}
             THEN printf('%.0f%% of entries rejected or unpaired', 100 * rejected_share) END,
        CASE WHEN median_title_chars > {MAX_MEDIAN_TITLE_CHARS}
             THEN printf('median title %.0f characters', median_title_chars) END,
        CASE WHEN recent_snapshots >= {MIN_RECENT} AND n_entries + n_rejected > 0
                  AND (n_entries * {COUNT_FACTOR} < recent_median_entries OR n_entries > {COUNT_FACTOR} * recent_median_entries)
             THEN printf('%d entries where recent snapshots have %.0f', n_entries, recent_median_entries) END
    ) AS drift_reasons
    FROM shaped
)
SELECT snapshot_id, file_name, layout, snapshot_date, n_entries, n_rejected, rejected_share,
       median_title_chars, recent_median_entries, drift_reasons
FROM flagged WHERE drift_reasons <> '' ORDER BY snapshot_date, file_name
"""


def drift_sql(raw_schema: str = "raw") -> str:
    """The drift query over the raw tables of ``raw_schema`` (a schema name of ours, never data)."""
    return DRIFT_SQL.format(raw=raw_schema)


def layout_drift(con: duckdb.DuckDBPyConnection, snapshot_ids: list[str] | None = None) -> pl.DataFrame:
    """Drifting snapshots, all of them or only those in ``snapshot_ids``."""
    drift = con.sql(drift_sql()).pl()
    return drift if snapshot_ids is None else drift.filter(pl.col("snapshot_id").is_in(snapshot_ids))
