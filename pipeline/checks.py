"""Asset checks that look at the whole warehouse, not just the latest run.

The per-run Pandera results are emitted by the ingest asset itself; these
checks re-validate everything stored (catching rows written around the
pipeline) and warn when the data goes stale.
"""


import hashlib
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import polars as pl
from dagster import (AssetCheckExecutionContext, AssetCheckKey, AssetCheckResult, AssetCheckSeverity, AssetKey,
                     DagsterInstance, asset_check)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from pipeline.resources import WarehouseResource
from pipeline.columns import polars_schema
from pipeline.ingest.loader import MAX_DAYS_AHEAD
from pipeline.warehouse import observed_dates_sql

MAX_STALENESS_DAYS = 2
# What decides raw_mentions_schema's verdict besides the rows: the schema and column definitions
# (and the modules they read), and the Pandera and polars versions that apply them.
RULE_SOURCES = ("schemas.py", "columns.py", "names.py", "checks.py")
RULE_PACKAGES = ("pandera", "polars")


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
def raw_mentions_schema(context: AssetCheckExecutionContext, paths: WarehouseResource) -> AssetCheckResult:
    """Pandera over every stored mention, unless a passing evaluation already read exactly these rows.

    The rows are fingerprinted as the check reads them (a sum of row hashes, order free) together
    with the rules (``rule_fingerprint``); a later passing evaluation of equal fingerprints would
    find the same, so a refresh with nothing new reports that pass again instead of re-validating
    (pandera over all of history each run). Any changed, added or planted row changes the
    fingerprint and re-validates everything; a failing result is never reused.
    """
    with paths.locked_connection(read_only=True) as con:
        # Only the first 40 characters of each abstract: the schema only checks its length
        # (>= 20), and reading whole abstracts would make this check grow with history.
        columns = ", ".join("left(m.abstract, 40) AS abstract" if c == "abstract" else f"m.{c}" for c in polars_schema("paper_mentions"))
        select = f"SELECT {columns}, s.snapshot_date FROM raw.paper_mentions m JOIN raw.snapshots s USING (snapshot_id)"  # noqa: S608 - our names
        rows, row_hash = con.execute(f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM ({select}) AS r").fetchone()  # noqa: S608
        fingerprint = hashlib.sha256(f"{rows} {row_hash} {rule_fingerprint()}".encode()).hexdigest()
        passed_before = _passed_on(context.instance, context.check_specs[0].key, fingerprint)
        mentions = None if passed_before else con.sql(select).pl()
    if passed_before:
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.ERROR, metadata={
            "rows_checked": rows, "failing_rows": 0, "first_failures": [], "rows_fingerprint": fingerprint,
            "revalidated": False, "same_rows_passed_in_run": passed_before})
    # Stored rows must be what the policy loads: a usable title, every optional field valid or
    # null. Only the abstract is kept as given, so only its checks may fail here.
    from pipeline.schemas import KEPT_FIELDS, failure_cases  # Pandera: only when the rows are validated again

    cases = failure_cases(mentions.with_columns(pl.col("position").cast(pl.Int32)))
    failing = cases.filter(~pl.col("field").is_in(KEPT_FIELDS) | pl.col("field").is_null())
    return AssetCheckResult(
        passed=failing.is_empty(),
        severity=AssetCheckSeverity.ERROR,
        metadata={"rows_checked": mentions.height, "failing_rows": failing["row"].n_unique(),
                  "first_failures": [f"{f}: {r} failed for {v}" for f, r, v in failing.select("field", "reason", "raw_value").head(5).rows()],
                  "rows_fingerprint": fingerprint, "revalidated": True},
    )


def rule_fingerprint() -> str:
    """Hash of what the schema check applies besides the rows: its modules' sources and the package versions."""
    digest = hashlib.sha256(" ".join(version(p) for p in RULE_PACKAGES).encode())
    for name in RULE_SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _passed_on(instance: DagsterInstance, key: AssetCheckKey, fingerprint: str) -> str | None:
    """Run id of the evaluation that validated rows of this fingerprint and passed, if one of the last few
    passes was on them (a pass that itself reused one names the run that validated)."""
    for record in instance.event_log_storage.get_asset_check_execution_history(
            key, limit=3, status={AssetCheckExecutionRecordStatus.SUCCEEDED}):
        evaluation = record.event.asset_check_evaluation if record.event else None
        seen = evaluation.metadata.get("rows_fingerprint") if evaluation else None
        if evaluation and evaluation.passed and seen is not None and seen.value == fingerprint:
            validated = evaluation.metadata.get("same_rows_passed_in_run")
            return validated.value if validated is not None else record.run_id
    return None


ASSET_CHECKS = [snapshots_fresh, raw_mentions_schema]
