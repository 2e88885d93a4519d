"""The Dagster code location ``pipeline.definitions`` (loaded by workspace.yaml)."""


from dagster import AssetSelection, Definitions, define_asset_job

from pipeline.assets import FETCH_KEY, build_hf_daily_papers, deliver, ingest_snapshots
from pipeline.automation import build_fetch_schedule, build_landing_sensor, build_schedule
from pipeline.checks import ASSET_CHECKS
from pipeline.dbt import dbt_models
from pipeline.executor import in_process_executor
from pipeline.progress import concise_console
from pipeline.resources import build_resources
from pipeline.settings import FetchSettings

# In-process: start-up costs dominate on 2 cores, and every step writes the
# same DuckDB file one after the other anyway. The partitioned fetch has its
# own job and schedule; its files reach this job through landing_sensor.
daily_refresh = define_asset_job(
    "daily_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(FETCH_KEY),
    executor_def=in_process_executor,
    description="Ingest → dbt build → publish → report, in order, on what is in the landing dir.",
)
hf_daily_papers_job = define_asset_job(
    "hf_daily_papers_job",
    selection=AssetSelection.assets(FETCH_KEY),
    executor_def=in_process_executor,
    description="Fetch a range of days from the HF daily papers API into the landing dir, in one run.",
)


def build_definitions() -> Definitions:
    """Definitions from the current environment (tests call this after setting env vars)."""
    fetch = FetchSettings.from_env()
    return Definitions(
        assets=[build_hf_daily_papers(fetch), ingest_snapshots, dbt_models, deliver],
        asset_checks=ASSET_CHECKS,
        jobs=[daily_refresh, hf_daily_papers_job],
        schedules=[build_schedule(daily_refresh), build_fetch_schedule(hf_daily_papers_job, fetch)],
        sensors=[build_landing_sensor(daily_refresh)],
        resources=build_resources(),
        loggers={"console": concise_console},
        # Also for the implicit asset job behind `dagster asset materialize` (e.g. a fetch range):
        # one process instead of a subprocess per step saves ~10 s of start-up on 2 cores.
        executor=in_process_executor,
    )


defs = build_definitions()
