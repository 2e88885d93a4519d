"""dbt models as Dagster assets (dagster-dbt), one ``dbt build`` per refresh.

The manifest is prepared at set-up (``python -m pipeline.cli prepare``) or by
``prepare_if_dev`` under ``dagster dev``; importing this module never parses
the dbt project. dbt sources ``raw.*`` map to the ingest assets' keys.
"""


import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from pipeline.resources import WAREHOUSE_POOL, PapertrendsPaths
from pipeline.settings import DBT_PROJECT_DIR
from pipeline.warehouse import warehouse_lock

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()
STAGES = ("staging", "intermediate", "marts")


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


def _row_counts(warehouse: Path, keys: list[AssetKey]) -> dict[AssetKey, int]:
    """Rows per built model, read after dbt has closed the file (DuckDB: one writer)."""
    counts: dict[AssetKey, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        existing = set(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())
        for key in keys:
            if len(key.path) == 2 and tuple(key.path) in existing:
                schema, name = key.path
                counts[key] = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]  # noqa: S608 - our model names
    return counts


def _event_key(context: AssetExecutionContext, event: Any) -> AssetKey | None:
    if isinstance(event, Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, MaterializeResult):
        return event.asset_key
    return None


def _with_row_counts(context: AssetExecutionContext, events: list[Any], counts: dict[AssetKey, int]) -> Iterator[Any]:
    """Attach ``dagster/row_count`` to every model materialization."""
    for event in events:
        key = _event_key(context, event)
        if key not in counts:
            yield event
        elif isinstance(event, Output):
            yield event.with_metadata({**event.metadata, "dagster/row_count": counts[key]})
        else:
            yield event._replace(metadata={**(event.metadata or {}), "dagster/row_count": counts[key]})


@contextmanager
def warehouse_env(warehouse: Path) -> Iterator[None]:
    """dbt reads the warehouse path from PAPERTRENDS_WAREHOUSE (profiles.yml): set it for one call."""
    saved = os.environ.get("PAPERTRENDS_WAREHOUSE")
    os.environ["PAPERTRENDS_WAREHOUSE"] = str(warehouse)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PAPERTRENDS_WAREHOUSE", None)
        else:
            os.environ["PAPERTRENDS_WAREHOUSE"] = saved


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, paths: PapertrendsPaths) -> Iterator[Any]:
    """Build staging → intermediate → marts and run every dbt test (as asset checks).

    Events go to Dagster as dbt emits them (test results at once, a log line
    per built model), so a long build shows progress. Model materializations
    wait for their row counts, read once dbt has closed the file (DuckDB: one
    writer), while the write lock is still held; a failed build still reports
    every result it has (failed checks included) before the step fails.
    """
    warehouse = paths.settings.warehouse
    with warehouse_lock(warehouse, paths.lock_timeout_s), warehouse_env(warehouse):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        models: list[Any] = []
        for event in invocation.stream():
            key = _event_key(context, event)
            if key is None:
                yield event
                continue
            models.append(event)
            context.log.info(f"dbt built {key.to_user_string()} ({len(models)} models so far)")
        keys = [key for key in (_event_key(context, e) for e in models) if key]
        counts = _row_counts(warehouse, keys) if keys else {}
    yield from _with_row_counts(context, models, counts)
    if not invocation.is_successful():
        raise Failure(description=f"dbt build failed: {invocation.get_error()}")
