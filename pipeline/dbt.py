"""dbt models as Dagster assets (dagster-dbt), one ``dbt build`` per refresh.

The manifest is prepared at set-up (``python -m pipeline.cli prepare``) or by
``prepare_if_dev`` under ``dagster dev``; importing this module never parses
the dbt project. dbt sources ``raw.*`` map to the ingest assets' keys.
"""


from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.settings import DBT_PROJECT_DIR

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
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, paths: WarehouseResource) -> Iterator[Any]:
    """Build staging → intermediate → marts and run every dbt test (as asset checks).

    Events are collected first; row counts and column types (shown on the
    asset pages) are read from the warehouse while the write lock is still held; a failed build still reports every result it has (failed
    checks included) before the step fails.
    """
    with paths.lock(), paths.dbt_env():
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        events = list(invocation.stream())
        keys = [key for key in (_event_key(context, e) for e in events) if key]
        tables = paths.table_metadata(keys)
    yield from _with_table_metadata(context, events, tables)
    if not invocation.is_successful():
        raise Failure(description=f"dbt build failed: {invocation.get_error()}")
