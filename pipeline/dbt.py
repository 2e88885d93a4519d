"""dbt models as Dagster assets (dagster-dbt), one ``dbt build`` per refresh, run in-process.

The manifest is prepared at set-up (``python -m pipeline.cli prepare``) or by
``prepare_if_dev`` under ``dagster dev``; importing this module never parses
the dbt project. dbt sources ``raw.*`` map to the ingest assets' keys.
"""


import time
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, Config, Failure, MaterializeResult, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets
from pydantic import Field

from pipeline import warehouse as wh
from pipeline.dbt_fingerprint import project_fingerprint
from pipeline.dbt_runner import DbtRunner
from pipeline.delivery import delivered
from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()
STAGES = ("staging", "intermediate", "marts")
PROGRESS_EVERY_S = 2.0  # seconds between two "dbt built ..." lines of one build
# Where an operator asks for a rebuild: the launchpad of daily_refresh, or `python -m pipeline.cli run --full-refresh`.
FULL_REFRESH_HINT = ("launch daily_refresh from the Dagster launchpad with run config "
                     "`ops: {dbt_models: {config: {full_refresh: true}}}` (or `python -m pipeline.cli run --full-refresh`)")


class DbtBuildConfig(Config):
    """Run config of the dbt step: ``full_refresh`` rebuilds every incremental model from raw."""

    full_refresh: bool = Field(
        default=False,
        description="dbt build --full-refresh: rebuild every incremental model from raw (under the warehouse lock).",
    )


class PapertrendsTranslator(DagsterDbtTranslator):
    """Keys ``[schema, name]`` and groups by stage folder, so the graph reads raw → marts."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props.get("alias") or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        stage = next((part for part in fqn if part in STAGES), None)
        return stage or "staging"


TRANSLATOR = PapertrendsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _event_key(context: AssetExecutionContext, event: Any) -> AssetKey | None:
    if isinstance(event, Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, MaterializeResult):
        return event.asset_key
    return None


def _with_table_metadata(context: AssetExecutionContext, events: list[Any], tables: dict[AssetKey, dict[str, Any]]) -> Iterator[Any]:
    """Attach ``dagster/row_count`` and ``dagster/column_schema`` to every model materialization."""
    for event in events:
        key = _event_key(context, event)
        if key not in tables:
            yield event
        elif isinstance(event, Output):
            yield event.with_metadata({**event.metadata, **tables[key]})
        else:
            yield event._replace(metadata={**(event.metadata or {}), **tables[key]})


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, config: DbtBuildConfig, dbt: DbtRunner,
               paths: WarehouseResource) -> Iterator[Any]:
    """Build staging → intermediate → marts and run every dbt test (as asset checks).

    It is ``dbt build --full-refresh`` (every incremental model rebuilt from
    raw, still under the write lock) when the run config asks for it, or when
    a parser upgrade replaced stored snapshots since the last rebuild: the
    incremental models key on snapshots, so only a rebuild makes the marts
    equal to a fresh build. Events go to Dagster as dbt emits them (test
    results at once, a log line per built model), so a long build shows
    progress; model materializations wait for their row counts and column
    types, read once dbt has closed the file (DuckDB: one writer) while the
    write lock is still held; a failed build still reports every result it
    has (failed checks included) before the step fails.
    """
    with paths.lock(), paths.dbt_env():
        reparsed, requests, state, built, tested = _plan_build(context, config.full_refresh, paths)
        rebuild = config.full_refresh or reparsed > 0 or bool(requests)
        if reparsed:
            context.log.info(f"full refresh: {reparsed} stored snapshots were re-parsed by parser upgrade")
        for reason in requests:
            context.log.info(f"full refresh requested: {reason}")
        if built:
            context.log.info("nothing to build: raw tables and dbt project unchanged since the last complete "
                             "build of this warehouse, whose models and tests all passed; marts left as they are")
            return
        # cautious: a test runs only when every model it reads is selected, so a subset (say
        # marts/paper_mentions alone) never fails on a test against a model it left as it was;
        # the whole job selects everything and still runs every test.
        # dbt unit tests check the models' SQL on fixed rows, not the data: they run when the
        # project differs from the one of the last complete build, which passed them.
        args = ["build", "--indirect-selection", "cautious", *(["--full-refresh"] if rebuild else []),
                *(["--exclude", "resource_type:unit_test"] if tested else [])]
        invocation = dbt.build(context, TRANSLATOR, DBT_PROJECT, args, paths.dbt_target_path,
                               database=paths.dbt_database, fingerprint=state[1] if state else project_fingerprint())
        context.log.info(f"dbt build{' --full-refresh' if rebuild else ''}: {len(context.selected_asset_keys)} models "
                         f"and seeds, {len(context.selected_asset_check_keys)} tests as checks"
                         f"{'' if tested else ', and the unit tests'}")
        models: list[Any] = []
        shown = time.monotonic()
        for event in invocation.stream():
            key = _event_key(context, event)
            if key is None:
                yield event
                continue
            models.append(event)
            # a progress line at most every PROGRESS_EVERY_S (each is an event written to the run's
            # event log), and for the last model: a long build still shows it advancing
            if time.monotonic() - shown >= PROGRESS_EVERY_S or len(models) == len(context.selected_asset_keys):
                shown = time.monotonic()
                context.log.info(f"dbt built {key.to_user_string()} ({len(models)}/{len(context.selected_asset_keys)})")
        tables = paths.table_metadata([key for key in (_event_key(context, e) for e in models) if key])
        # only a build of every model rebuilt everything the re-parsed rows reach: a subset
        # (say marts/paper_mentions alone) leaves the other incremental models as they were
        covers_all = _covers_every_model(context)
        if invocation.is_successful() and (((reparsed or requests) and covers_all) or state):
            with paths.connect() as con:
                if reparsed and covers_all:
                    con.execute("UPDATE raw.reparsed SET marts_rebuilt = true WHERE NOT marts_rebuilt")
                if requests and covers_all:
                    wh.clear_full_refresh_requests(con)
                if state:
                    wh.record_build(con, state)
    yield from _with_table_metadata(context, models, tables)
    if not invocation.is_successful():
        error = invocation.error()
        asks_rebuild = "launchpad" not in error and ("full-refresh" in error or "out of sync" in error)
        hint = f" To rebuild from raw: {FULL_REFRESH_HINT}." if asks_rebuild else ""
        raise Failure(description=f"dbt build failed: {error}{hint}")


def _plan_build(context: AssetExecutionContext, full_refresh: bool,
                paths: WarehouseResource) -> tuple[int, list[str], tuple[str, str] | None, bool, bool]:
    """One look at the warehouse before dbt runs: (re-parsed snapshots, full refresh requests, build state,
    already built, unit-tested).

    The re-parsed snapshots are those a parser upgrade replaced that the marts
    have not been rebuilt from yet. The build state, recorded once a build of
    every model and test succeeds (a full refresh included), is what such a
    build reads: (raw fingerprint, project fingerprint); None for a subset.
    When the step is to build, the record is cleared first: a build that stops
    half way must not count as complete. Unit-tested: the last complete build
    ran this same project (so its dbt unit tests passed on this very SQL).
    """
    whole = _covers_every_model(context) and set(context.selected_asset_check_keys) >= set(dbt_models.check_keys)
    with paths.connect() as con:
        reparsed = con.execute("SELECT count(*) FROM raw.reparsed WHERE NOT marts_rebuilt").fetchone()[0]
        requests = wh.full_refresh_requests(con)
        state = (wh.raw_fingerprint(con), project_fingerprint()) if whole else None
        previous = wh.last_build(con)
        built = (state is not None and not full_refresh and not reparsed and not requests and previous == state
                 and _models_present(con) and delivered(paths.settings.analytics_source, paths.settings.report_dir, state))
        if not built:
            wh.record_build(con, None)
    return reparsed, requests, state, built, state is not None and previous is not None and previous[1] == state[1]


def _covers_every_model(context: AssetExecutionContext) -> bool:
    """The step builds every dbt model and seed (``context.assets_def`` is the subset when one was selected)."""
    return set(context.selected_asset_keys) >= set(dbt_models.keys)


def _models_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Every model's relation is there.

    A no-op refresh skips dbt (and so publish and report) only when rebuilding
    would change nothing: the last complete build of this warehouse (every
    model and test passed) read the same raw rows with the same project, this
    holds, and the delivered files come from that build (pipeline/delivery.py).
    No model reads the clock, so the marts are a function of raw and the
    project alone.
    """
    present = set(con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                              "WHERE table_catalog = current_database()").fetchall())
    models = {tuple(key.path) for key in dbt_models.keys}
    return models <= present
