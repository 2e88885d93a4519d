"""Each dagster-dbt / dbt-duckdb internal that pipeline/dbt_runner.py uses, pinned: an upgrade that
changes one fails here, by name, instead of inside a refresh (pyproject bounds dagster-dbt for this)."""

from __future__ import annotations

import inspect
import json

from dagster import AssetMaterialization

from pipeline.dbt import DBT_PROJECT, TRANSLATOR


def test_asset_utils_invocation_params_for_context() -> None:
    from dagster_dbt.asset_utils import DbtCliInvocationPartialParams, get_updated_cli_invocation_params_for_context

    params = inspect.signature(get_updated_cli_invocation_params_for_context).parameters
    assert {"context", "manifest", "dagster_dbt_translator"} <= set(params)
    fields = set(DbtCliInvocationPartialParams.__annotations__)  # a dagster record
    assert {"manifest", "selection_args", "dbt_project"} <= fields  # DbtBuild reads these three


def test_core_cli_event_message_translates_a_model_result() -> None:
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    unique_id = "model.papertrends.papers"
    raw = {"info": {"name": "LogModelResult", "level": "info", "invocation_id": "x", "ts": "2026-11-20T10:00:00Z",
                    "msg": "ok"},
           "data": {"node_info": {"unique_id": unique_id, "node_status": "success", "node_name": "papers",
                                  "node_started_at": "2026-11-20T10:00:00", "node_finished_at": "2026-11-20T10:00:01",
                                  "resource_type": "model", "materialized": "incremental"},
                    "status": "success", "execution_time": 1.0}}
    events = list(DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).to_default_asset_events(
        manifest=manifest, dagster_dbt_translator=TRANSLATOR, context=None, target_path=None, project=None))
    assert [e.asset_key.path for e in events if isinstance(e, AssetMaterialization)] == [["marts", "papers"]]


def test_dbt_duckdb_keeps_its_environment_on_the_connection_manager() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    assert hasattr(DuckDBConnectionManager, "_ENV")  # close_duckdb closes it so others may open the file
    assert callable(DuckDBConnectionManager.close_all_connections)


def test_a_parsed_manifest_converts_to_the_manifest_json_form(tmp_path) -> None:
    """DbtBuild translates events with the parse dbt builds from, in the form dagster-dbt reads."""
    from pipeline.dbt import project_fingerprint
    from pipeline.dbt_runner import manifest_dict, parsed_manifest

    parsed = parsed_manifest(tmp_path / "target", "warehouse", project_fingerprint())
    fresh = manifest_dict(parsed)
    prepared = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    assert set(fresh["nodes"]) == set(prepared["nodes"]) and set(fresh["sources"]) == set(prepared["sources"])
    assert fresh["metadata"]["adapter_type"] == "duckdb"
