"""Dagster assets outside dbt: live fetch, snapshot ingest, publish and report.

Asset keys follow the warehouse: the ingest writes ``["raw", <table>]``, which
are exactly the keys dagster-dbt gives the dbt sources, so lineage runs from
the landing files to the marts without glue.
"""


import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    Config,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
    multi_asset,
)

from pipeline import warehouse
from pipeline.publish import MARTS
from pipeline.quality import layout_drift
from pipeline.fetch import FetchOptions, fetch_days
from pipeline.ingest.loader import IngestSummary, ingest_into
from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.settings import FetchSettings

RAW_DESCRIPTIONS = {
    "snapshots": "One row per ingested snapshot file content (SHA-256 identity), with layout and dated by the DESIGN.md rule.",
    "paper_mentions": "One row per valid paper entry of a snapshot, in page order (position is 1-based).",
    "rejected_files": "Files that could not be read or parsed at all, with the reason; they stay on disk.",
    "rejected_mentions": "Entries that cannot be a paper (no usable title, or an unpaired paragraph), with the raw text and the reason.",
    "field_issues": "Fields of loaded entries that failed their Pandera check: set null (the abstract kept), with the raw value and the reason.",
    "observed_dates": "Days observed by landing files whose bytes repeat a stored snapshot (a second empty API day): they count as observed days.",
}
ANALYTICS_KEY = AssetKey(["delivery", "analytics_db"])
FETCH_KEY = AssetKey(["landing", "hf_daily_papers"])


FETCH_DEFAULTS = FetchOptions(base_url="")  # the one place the fetch bounds are defined is FetchOptions


class FetchConfig(Config):
    """Bounds of the fetch; the defaults (FetchOptions's) suit the public API (anonymous: ~500 requests / 5 minutes)."""

    page_limit: int = FETCH_DEFAULTS.page_limit
    timeout_s: float = FETCH_DEFAULTS.timeout_s
    retries: int = FETCH_DEFAULTS.retries
    backoff_factor_s: float = FETCH_DEFAULTS.backoff_factor_s
    backoff_max_s: float = FETCH_DEFAULTS.backoff_max_s
    retry_after_max_s: int = FETCH_DEFAULTS.retry_after_max_s


def fetch_partitions(start: date) -> DailyPartitionsDefinition:
    """One partition per UTC day from ``start`` up to and including today (today's list is already useful)."""
    return DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1, timezone="UTC")


def build_hf_daily_papers(fetch: FetchSettings | None = None) -> AssetsDefinition:
    """The fetch asset for the given settings (default: the environment, read once here)."""
    fetch = fetch or FetchSettings.from_env()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)  # backfill_policy is beta, and the CLI range needs it
        return _fetch_asset(fetch)


def _fetch_asset(fetch: FetchSettings) -> AssetsDefinition:
    @asset(
        key=FETCH_KEY,
        group_name="ingest",
        kinds={"python"},
        partitions_def=fetch_partitions(fetch.start),
        backfill_policy=BackfillPolicy.single_run(),
        description=(
            "One partition per day of the Hugging Face daily papers API, stored in the landing dir as "
            "YYYY-MM-DD.json (all pages of the day as one JSON list; a changed re-fetch adds a "
            "YYYY-MM-DD_fetch<time>.json). A range of days runs as one run."
        ),
    )
    def hf_daily_papers(context: AssetExecutionContext, config: FetchConfig, paths: WarehouseResource) -> MaterializeResult:
        days = [date.fromisoformat(key) for key in context.partition_keys]
        options = FetchOptions(base_url=fetch.base_url, **config.model_dump())
        context.log.info(f"fetching {len(days)} day(s) {days[0]} … {days[-1]} from {options.base_url}")
        results, errors = fetch_days(paths.settings.landing_dir, days, options)
        for line in errors:
            context.log.error(line)
        summary = {r.day.isoformat(): {"papers": r.n_papers, "pages": r.n_pages, "status": r.status,
                                       "file": r.path.name if r.path else None} for r in results}
        if errors:
            raise Failure(
                description=f"{len(errors)} of {len(days)} day(s) could not be fetched; the others were stored: " + "; ".join(errors),
                metadata={"errors": MetadataValue.json(errors), "days": MetadataValue.json(summary)},
            )
        return MaterializeResult(metadata={
            "base_url": options.base_url,
            "days": len(days),
            "n_papers": sum(r.n_papers for r in results),
            "new_files": MetadataValue.json([r.path.name for r in results if r.path]),
            "unchanged_days": sum(r.status == "unchanged" for r in results),
            "per_day": MetadataValue.json(summary),
        })

    return hf_daily_papers


def _column_schemas(con: duckdb.DuckDBPyConnection) -> dict[str, TableSchema]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' ORDER BY ordinal_position"
    ).fetchall()
    schemas: dict[str, list[TableColumn]] = {}
    for table, column, dtype in rows:
        schemas.setdefault(table, []).append(TableColumn(column, dtype))
    return {table: TableSchema(columns=cols) for table, cols in schemas.items()}


def _preview(con: duckdb.DuckDBPyConnection, snapshot_ids: list[str]) -> str:
    """A markdown table of a few newly loaded papers, for the materialization page."""
    rows = con.execute(
        """SELECT s.snapshot_date, m.position, m.title FROM raw.paper_mentions m JOIN raw.snapshots s USING (snapshot_id)
           WHERE list_contains(?, m.snapshot_id) ORDER BY s.snapshot_date DESC, m.position LIMIT 10""",
        [snapshot_ids],
    ).fetchall()
    lines = ["| date | # | title |", "|---|---|---|"]
    lines += [f"| {d} | {p} | {t.replace('|', '/')} |" for d, p, t in rows]
    return "\n".join(lines)


def _ingest_events(summary: IngestSummary, counts: dict[str, int], schemas: dict[str, TableSchema], preview: str,
                   drift: pl.DataFrame) -> Iterator[Any]:
    dates = sorted({str(d) for _, _, d in summary.new_snapshots})
    common = {"files_seen": summary.files_seen, "seconds": round(summary.seconds, 3)}
    per_table: dict[str, dict[str, Any]] = {
        "snapshots": {"new_snapshots": summary.snapshots_loaded, "snapshots_reparsed": summary.snapshots_reparsed, "new_snapshot_dates": ", ".join(dates) or "none",
                      "new_snapshot_ids": MetadataValue.json([sid[:16] for sid, _, _ in summary.new_snapshots][:200]),
                      "megabytes": round(summary.bytes_loaded / 1e6, 3)},
        "paper_mentions": {"new_mentions": summary.mentions_loaded, "preview": MetadataValue.md(preview)},
        "rejected_files": {"new_rejected_files": summary.files_rejected,
                           "reasons": MetadataValue.json([list(r) for r in summary.rejected_files][:50])},
        "rejected_mentions": {"new_rejected_mentions": summary.mentions_rejected},
        "field_issues": {"new_field_issues": summary.field_issues},
        "observed_dates": {"new_observed_dates": summary.dates_observed},
    }
    for table, meta in per_table.items():
        yield MaterializeResult(
            asset_key=AssetKey(["raw", table]),
            metadata={**common, **meta, "dagster/row_count": counts[table], "dagster/column_schema": schemas[table]},
        )
    checked = summary.mentions_loaded + summary.mentions_rejected
    yield AssetCheckResult(
        asset_key=AssetKey(["raw", "paper_mentions"]), check_name="pandera_entries_valid",
        passed=summary.mentions_rejected == 0, severity=AssetCheckSeverity.WARN,
        metadata={"rows_checked": checked, "rejected_entries": summary.mentions_rejected},
        description="Entries of this run without a usable title (recorded in raw.rejected_mentions).",
    )
    yield AssetCheckResult(
        asset_key=AssetKey(["raw", "paper_mentions"]), check_name="layout_drift",
        passed=drift.is_empty(), severity=AssetCheckSeverity.WARN,
        metadata={"snapshots_checked": summary.snapshots_loaded, "drifting_snapshots": drift.height,
                  "drift": MetadataValue.json([
                      {"file_name": f, "snapshot_date": str(d), "reasons": r}
                      for f, d, r in drift.select("file_name", "snapshot_date", "drift_reasons").rows()
                  ][:50])},
        description="New snapshots whose shape deviates from recent ones (rejected share, title length, entry count).",
    )
    yield AssetCheckResult(
        asset_key=AssetKey(["raw", "snapshots"]), check_name="files_parsed",
        passed=summary.files_rejected == 0, severity=AssetCheckSeverity.WARN,
        metadata={"new_files": summary.snapshots_loaded + summary.files_rejected, "rejected_files": summary.files_rejected},
        description="Files of this run that could not be read or parsed (recorded in raw.rejected_files).",
    )


@multi_asset(
    name="ingest_snapshots",
    specs=[
        AssetSpec(["raw", table], group_name="ingest", kinds={"duckdb", "polars"}, description=text,
                  deps=[FETCH_KEY])
        for table, text in RAW_DESCRIPTIONS.items()
    ],
    check_specs=[
        AssetCheckSpec("pandera_entries_valid", asset=AssetKey(["raw", "paper_mentions"])),
        AssetCheckSpec("files_parsed", asset=AssetKey(["raw", "snapshots"])),
        AssetCheckSpec("layout_drift", asset=AssetKey(["raw", "paper_mentions"])),
    ],
    pool=WAREHOUSE_POOL,
    description="Parse every new landing file (any layout), validate with Pandera, append to raw.* in transactions.",
)
def ingest_snapshots(context: AssetExecutionContext, paths: WarehouseResource) -> Iterator[Any]:
    settings = paths.settings

    def progress(done: int, total: int) -> None:
        context.log.info(f"ingest progress: {done}/{total} files")

    with paths.locked_connection() as con:
        # the landing sensor's index file beside a DuckDB warehouse; in team mode it reads the lake itself
        summary = ingest_into(con, settings.landing_dir, progress=progress,
                              held_index_of=None if settings.lake else settings.warehouse)
        counts = warehouse.table_counts(con)
        schemas = _column_schemas(con)
        preview = _preview(con, [sid for sid, _, _ in summary.new_snapshots])
        drift = layout_drift(con, [sid for sid, _, _ in summary.new_snapshots])
    context.log.info(
        f"ingested {summary.snapshots_loaded} snapshots ({summary.mentions_loaded} mentions), "
        f"rejected {summary.files_rejected} files and {summary.mentions_rejected} entries, "
        f"re-parsed {summary.snapshots_reparsed} contents read by an older parser, in {summary.seconds:.2f}s"
    )
    yield from _ingest_events(summary, counts, schemas, preview, drift)


REPORT_KEY = AssetKey(["delivery", "trend_report"])


@multi_asset(
    name="deliver",
    specs=[
        AssetSpec(ANALYTICS_KEY, group_name="delivery", kinds={"duckdb"}, skippable=True,
                  deps=[AssetKey(["marts", name]) for name in MARTS],
                  description="Atomically published read-only copy of the marts for SQL analysts (PAPERTRENDS_ANALYTICS)."),
        AssetSpec(REPORT_KEY, group_name="delivery", kinds={"html"}, skippable=True, deps=[ANALYTICS_KEY],
                  description="Self-contained HTML trend report (opens offline) in PAPERTRENDS_REPORT_DIR."),
    ],
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def deliver(context: AssetExecutionContext, paths: WarehouseResource) -> Iterator[MaterializeResult]:
    """Publish, then the report, in ONE step under the `warehouse` slot: the delivery of a build is whole
    before another refresh's dbt step looks at it (pipeline/delivery.py). As two steps, a refresh waiting
    on the slot took it between publish and report, found the delivery half done and rebuilt everything."""
    selected = context.selected_asset_keys
    if ANALYTICS_KEY in selected:
        yield _publish(context, paths)
    if REPORT_KEY in selected:
        from pipeline.report import build_report

        path = build_report(paths.settings.analytics_source, paths.settings.report_dir)
        context.log.info(f"report written to {path}")
        yield MaterializeResult(asset_key=REPORT_KEY,
                                metadata={"path": MetadataValue.path(str(path)), "bytes": path.stat().st_size})


def _publish(context: AssetExecutionContext, paths: WarehouseResource) -> MaterializeResult:
    """The analytics file (or published lake) from the marts, in one transaction."""
    from pipeline import __version__

    with paths.lock():
        # the column docs of the manifest the last dbt build of this warehouse wrote (the parse it built from)
        result = paths.publish(pipeline_version=__version__, manifest=paths.dbt_target_path / "manifest.json")
    context.log.info(f"published {result.path}")
    return MaterializeResult(
        asset_key=ANALYTICS_KEY,
        metadata={
            "path": MetadataValue.path(str(result.path)),
            "newest_snapshot_date": str(result.newest_snapshot_date),
            **{f"rows_{table}": n for table, n in result.row_counts.items()},
        },
    )
