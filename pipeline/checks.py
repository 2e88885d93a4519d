"""Asset checks that look at the whole warehouse, not just the latest run.

The per-run Pandera results are emitted by the ingest asset itself; these
checks re-validate everything stored (catching rows written around the
pipeline) and warn when the data goes stale.
"""


from datetime import UTC, datetime, timedelta

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from pipeline.resources import WarehouseResource
from pipeline.columns import polars_schema
from pipeline.ingest.loader import MAX_DAYS_AHEAD
from pipeline.schemas import KEPT_FIELDS, failure_cases
from pipeline.warehouse import observed_dates_sql

MAX_STALENESS_DAYS = 2


@asset_check(
    asset=AssetKey(["raw", "snapshots"]),
    name="snapshots_fresh",
    description=f"Warns when the newest observed day (snapshots and repeated empty days) is more than {MAX_STALENESS_DAYS} days old.",
)
def snapshots_fresh(paths: WarehouseResource) -> AssetCheckResult:
    today = datetime.now(UTC).date()
    with paths.locked_connection(read_only=True) as con:
        newest = con.execute(f"SELECT max(snapshot_date) FROM ({observed_dates_sql()})").fetchone()[0]  # noqa: S608
        future = con.execute(
            "SELECT file_name, snapshot_date FROM raw.snapshots WHERE snapshot_date > ? ORDER BY 2",
            [today + timedelta(days=MAX_DAYS_AHEAD)]
        ).fetchall()
    age = (today - newest).days if newest else None
    # A stored snapshot dated later than the ingest allows (tomorrow) means the date rule or a clock is broken: that is an error.
    return AssetCheckResult(
        passed=not future and age is not None and age <= MAX_STALENESS_DAYS,
        severity=AssetCheckSeverity.ERROR if future else AssetCheckSeverity.WARN,
        metadata={"newest_snapshot_date": str(newest), "age_days": -1 if age is None else age, "today_utc": str(today),
                  "future_dated": [f"{name} ({day})" for name, day in future][:20]},
    )


@asset_check(
    asset=AssetKey(["raw", "paper_mentions"]),
    name="raw_mentions_schema",
    description="Re-validates every stored mention against the Pandera schema; fails on any bad row.",
)
def raw_mentions_schema(paths: WarehouseResource) -> AssetCheckResult:
    with paths.locked_connection(read_only=True) as con:
        # Only the first 40 characters of each abstract: the schema only checks its length
        # (>= 20), and reading whole abstracts would make this check grow with history.
        columns = ", ".join("left(m.abstract, 40) AS abstract" if c == "abstract" else f"m.{c}" for c in polars_schema("paper_mentions"))
        mentions = con.sql(
            f"SELECT {columns}, s.snapshot_date FROM raw.paper_mentions m JOIN raw.snapshots s USING (snapshot_id)"  # noqa: S608 - our names
        ).pl()
    # Stored rows must be what the policy loads: a usable title, every optional field valid or
    # null. Only the abstract is kept as given, so only its checks may fail here.
    cases = failure_cases(mentions.with_columns(pl.col("position").cast(pl.Int32)))
    failing = cases.filter(~pl.col("field").is_in(KEPT_FIELDS) | pl.col("field").is_null())
    return AssetCheckResult(
        passed=failing.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={"rows_checked": mentions.height, "failing_rows": failing["row"].n_unique(),
                  "first_failures": [f"{f}: {r} failed for {v}" for f, r, v in failing.select("field", "reason", "raw_value").head(5).rows()]},
    )


ASSET_CHECKS = [snapshots_fresh, raw_mentions_schema]
