"""The Dagster code location ``pipeline.definitions`` (loaded by workspace.yaml)."""


from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from pipeline.assets import analytics_db, hf_daily_papers, ingest_snapshots, trend_report
from pipeline.automation import build_landing_sensor, build_schedule
from pipeline.checks import ASSET_CHECKS
from pipeline.dbt import dbt_models
from pipeline.progress import concise_console
from pipeline.resources import build_resources

# In-process: start-up costs dominate on 2 cores, and every step writes the
# same DuckDB file one after the other anyway.
daily_refresh = define_asset_job(
    "daily_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Fetch (if enabled) → ingest → dbt build → publish → report, in order.",
)


def build_definitions() -> Definitions:
    """Definitions from the current environment (tests call this after setting env vars)."""
    return Definitions(
        assets=[hf_daily_papers, ingest_snapshots, dbt_models, analytics_db, trend_report],
        asset_checks=ASSET_CHECKS,
        jobs=[daily_refresh],
        schedules=[build_schedule(daily_refresh)],
        sensors=[build_landing_sensor(daily_refresh)],
        resources=build_resources(),
        loggers={"console": concise_console},
    )


defs = build_definitions()
