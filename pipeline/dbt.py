"""dbt models as Dagster assets (dagster-dbt), one ``dbt build`` per refresh.

The manifest is prepared at set-up (``python -m pipeline.cli prepare``) or by
``prepare_if_dev`` under ``dagster dev``; importing this module never parses
the dbt project. dbt sources ``raw.*`` map to the ingest assets' keys.
"""


import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, Output
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


def _with_row_counts(context: AssetExecutionContext, events: list[Any], warehouse: Path) -> Iterator[Any]:
    """Attach ``dagster/row_count`` to every model materialization."""
    keys = [key for key in (_event_key(context, e) for e in events) if key]
    counts = _row_counts(warehouse, keys) if keys else {}
    for event in events:
        key = _event_key(context, event)
        if key not in counts:
            yield event
        elif isinstance(event, Output):
            yield event.with_metadata({**event.metadata, "dagster/row_count": counts[key]})
        else:
            yield event._replace(metadata={**(event.metadata or {}), "dagster/row_count": counts[key]})


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="dbt_models",
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, paths: PapertrendsPaths) -> Iterator[Any]:
    """Build staging → intermediate → marts and run every dbt test (as asset checks)."""
    warehouse = paths.settings.warehouse
    os.environ["PAPERTRENDS_WAREHOUSE"] = str(warehouse)
    with warehouse_lock(warehouse, paths.lock_timeout_s):
        events = list(dbt.cli(["build"], context=context).stream())
    yield from _with_row_counts(context, events, warehouse)
