"""Asset checks that look at the whole warehouse, not just the latest run.

The per-run Pandera results are emitted by the ingest asset itself; these
checks re-validate everything stored (catching rows written around the
pipeline) and warn when the data goes stale.
"""


from datetime import UTC, datetime

import duckdb
import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from pipeline.resources import PapertrendsPaths
from pipeline.schemas import split_valid
from pipeline.warehouse import warehouse_lock

MAX_STALENESS_DAYS = 2


@asset_check(
    asset=AssetKey(["raw", "snapshots"]),
    name="snapshots_fresh",
    description=f"Warns when the newest snapshot date is more than {MAX_STALENESS_DAYS} days old.",
)
def snapshots_fresh(paths: PapertrendsPaths) -> AssetCheckResult:
    settings = paths.settings
    with warehouse_lock(settings.warehouse, paths.lock_timeout_s), duckdb.connect(str(settings.warehouse), read_only=True) as con:
        newest = con.execute("SELECT max(snapshot_date) FROM raw.snapshots").fetchone()[0]
    today = datetime.now(UTC).date()
    age = (today - newest).days if newest else None
    return AssetCheckResult(
        passed=age is not None and age <= MAX_STALENESS_DAYS,
        severity=AssetCheckSeverity.WARN,
        metadata={"newest_snapshot_date": str(newest), "age_days": -1 if age is None else age, "today_utc": str(today)},
    )


@asset_check(
    asset=AssetKey(["raw", "paper_mentions"]),
    name="raw_mentions_schema",
    description="Re-validates every stored mention against the Pandera schema; fails on any bad row.",
)
def raw_mentions_schema(paths: PapertrendsPaths) -> AssetCheckResult:
    settings = paths.settings
    with warehouse_lock(settings.warehouse, paths.lock_timeout_s), duckdb.connect(str(settings.warehouse), read_only=True) as con:
        # Only the first 40 characters of each abstract: the schema only checks its length
        # (>= 20), and reading whole abstracts would make this check grow with history.
        mentions = con.sql(
            """SELECT m.snapshot_id, s.snapshot_date, m.position, m.title, left(m.abstract, 40) AS abstract,
                      m.authors_count, m.organization, m.published_on, m.upvotes, m.arxiv_id, NULL::VARCHAR AS parse_error
               FROM raw.paper_mentions m JOIN raw.snapshots s USING (snapshot_id)"""
        ).pl()
    _, reasons = split_valid(mentions.with_columns(pl.col("position").cast(pl.Int32)))
    return AssetCheckResult(
        passed=reasons.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={"rows_checked": mentions.height, "failing_rows": reasons.height,
                  "first_failures": [r[1] for r in reasons.head(5).rows()]},
    )


ASSET_CHECKS = [snapshots_fresh, raw_mentions_schema]
