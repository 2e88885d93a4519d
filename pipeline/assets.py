"""Dagster assets outside dbt: live fetch, snapshot ingest, publish and report.

Asset keys follow the warehouse: the ingest writes ``["raw", <table>]``, which
are exactly the keys dagster-dbt gives the dbt sources, so lineage runs from
the landing files to the marts without glue.
"""


from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from pipeline import warehouse
from pipeline.publish import MARTS
from pipeline.fetch import DEFAULT_BASE_URL, fetch_daily_papers
from pipeline.ingest.discover import list_landing_files
from pipeline.ingest.loader import IngestSummary, ingest_into
from pipeline.resources import WAREHOUSE_POOL, PapertrendsPaths

RAW_DESCRIPTIONS = {
    "snapshots": "One row per ingested snapshot file content (SHA-256 identity), with layout and dated by the DESIGN.md rule.",
    "paper_mentions": "One row per valid paper entry of a snapshot, in page order (position is 1-based).",
    "rejected_files": "Files that could not be read or parsed at all, with the reason; they stay on disk.",
    "rejected_mentions": "Entries that failed Pandera validation, with the raw text and the reason.",
}
ANALYTICS_KEY = AssetKey(["delivery", "analytics_db"])


class FetchConfig(Config):
    """Off by default: the daily refresh runs on files that landed by other means."""

    enabled: bool = False
    day: str = ""  # ISO date; empty = yesterday (UTC)
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0
    retries: int = 2


@asset(
    key=["landing", "hf_daily_papers"],
    group_name="ingest",
    kinds={"python"},
    description=(
        "The landing feed: optionally fetches one day from the Hugging Face daily papers API "
        "(enable by config), then reports the complete files waiting in the landing dir."
    ),
)
def hf_daily_papers(context: AssetExecutionContext, config: FetchConfig, paths: PapertrendsPaths) -> MaterializeResult:
    landing = paths.settings.landing_dir
    fetched: dict[str, Any] = {"fetch": "disabled by config (enabled=false)"}
    if config.enabled:
        day = date.fromisoformat(config.day) if config.day else datetime.now(UTC).date() - timedelta(days=1)
        result = fetch_daily_papers(landing, day, config.base_url, config.timeout_s, config.retries)
        fetched = {"fetch": result.url, "n_papers": result.n_papers,
                   "written": str(result.path) if result.path else "nothing (empty feed)"}
    context.log.info(f"landing feed: {fetched}")
    files = list_landing_files(landing)
    return MaterializeResult(
        metadata={**fetched, "landing_files": len(files), "landing_megabytes": round(sum(f.size_bytes for f in files) / 1e6, 3)}
    )


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


def _ingest_events(summary: IngestSummary, counts: dict[str, int], schemas: dict[str, TableSchema], preview: str) -> Iterator[Any]:
    dates = sorted({str(d) for _, _, d in summary.new_snapshots})
    common = {"files_seen": summary.files_seen, "seconds": round(summary.seconds, 3)}
    per_table: dict[str, dict[str, Any]] = {
        "snapshots": {"new_snapshots": summary.snapshots_loaded, "new_snapshot_dates": ", ".join(dates) or "none",
                      "new_snapshot_ids": MetadataValue.json([sid[:16] for sid, _, _ in summary.new_snapshots][:200]),
                      "megabytes": round(summary.bytes_loaded / 1e6, 3)},
        "paper_mentions": {"new_mentions": summary.mentions_loaded, "preview": MetadataValue.md(preview)},
        "rejected_files": {"new_rejected_files": summary.files_rejected,
                           "reasons": MetadataValue.json([list(r) for r in summary.rejected_files][:50])},
        "rejected_mentions": {"new_rejected_mentions": summary.mentions_rejected},
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
        description="Entries of this run that failed the Pandera schema (recorded in raw.rejected_mentions).",
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
                  deps=[AssetKey(["landing", "hf_daily_papers"])])
        for table, text in RAW_DESCRIPTIONS.items()
    ],
    check_specs=[
        AssetCheckSpec("pandera_entries_valid", asset=AssetKey(["raw", "paper_mentions"])),
        AssetCheckSpec("files_parsed", asset=AssetKey(["raw", "snapshots"])),
    ],
    pool=WAREHOUSE_POOL,
    description="Parse every new landing file (any layout), validate with Pandera, append to raw.* in transactions.",
)
def ingest_snapshots(context: AssetExecutionContext, paths: PapertrendsPaths, duckdb: DuckDBResource) -> Iterator[Any]:
    settings = paths.settings

    def progress(done: int, total: int) -> None:
        context.log.info(f"ingest progress: {done}/{total} files")

    with warehouse.warehouse_lock(settings.warehouse, paths.lock_timeout_s), duckdb.get_connection() as con:
        summary = ingest_into(con, settings.landing_dir, progress=progress)
        counts = warehouse.table_counts(con)
        schemas = _column_schemas(con)
        preview = _preview(con, [sid for sid, _, _ in summary.new_snapshots])
    context.log.info(
        f"ingested {summary.snapshots_loaded} snapshots ({summary.mentions_loaded} mentions), "
        f"rejected {summary.files_rejected} files and {summary.mentions_rejected} entries in {summary.seconds:.2f}s"
    )
    yield from _ingest_events(summary, counts, schemas, preview)


@asset(
    key=ANALYTICS_KEY,
    group_name="delivery",
    kinds={"duckdb"},
    deps=[AssetKey(["marts", name]) for name in MARTS],
    pool=WAREHOUSE_POOL,
    description="Atomically published read-only copy of the marts for SQL analysts (PAPERTRENDS_ANALYTICS).",
)
def analytics_db(context: AssetExecutionContext, paths: PapertrendsPaths) -> MaterializeResult:
    from pipeline import __version__
    from pipeline.publish import publish

    settings = paths.settings
    with warehouse.warehouse_lock(settings.warehouse, paths.lock_timeout_s):
        result = publish(settings.warehouse, settings.analytics, pipeline_version=__version__)
    context.log.info(f"published {result.path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(result.path)),
            "newest_snapshot_date": str(result.newest_snapshot_date),
            **{f"rows_{table}": n for table, n in result.row_counts.items()},
        }
    )


@asset(
    key=["delivery", "trend_report"],
    group_name="delivery",
    kinds={"html"},
    deps=[ANALYTICS_KEY],
    description="Self-contained HTML trend report (opens offline) in PAPERTRENDS_REPORT_DIR.",
)
def trend_report(context: AssetExecutionContext, paths: PapertrendsPaths) -> MaterializeResult:
    from pipeline.report import build_report

    settings = paths.settings
    path = build_report(settings.analytics, settings.report_dir)
    context.log.info(f"report written to {path}")
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), "bytes": path.stat().st_size})
