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


def test_dbt_events_are_built_only_when_a_logger_or_a_callback_reads_them() -> None:
    """pipeline/dbt_events.py: no protobuf for an event nobody reads; what is read arrives whole."""
    import io

    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.logger import LineFormat, LoggerConfig
    from dbt_common.events.types import Note, SystemExecutingCmd

    import pipeline.dbt_events  # noqa: F401 - applies the change (pipeline.dbt_runner imports it before dbt runs)

    manager, seen, everything = EventManager(), [], []

    def reads_notes(msg) -> None:  # noqa: ANN001 - dbt's callback signature
        seen.append((msg.info.name, msg.info.level, msg.data.msg))

    reads_notes.dbt_events = frozenset({"Note"})
    manager.callbacks = [reads_notes]
    debug = SystemExecutingCmd(cmd=["git", "status"])
    manager.fire_event(debug)
    assert "pb_msg" not in vars(debug)  # dropped unparsed: below every logger (none here), read by no callback
    manager.fire_event(Note(msg="kept"))
    manager.fire_event(Note(msg="a warning"), level=EventLevel.WARN)
    assert seen == [("Note", "info", "kept"), ("Note", "warn", "a warning")]

    lazy = Note(msg="read later")
    assert "pb_msg" not in vars(lazy) and lazy.msg == "read later" and "pb_msg" in vars(lazy)

    # a callback that does not say what it reads gets every event; so does a logger at debug level
    manager.callbacks = [everything.append]
    manager.fire_event(SystemExecutingCmd(cmd=["ls"]))
    assert [m.info.name for m in everything] == ["SystemExecutingCmd"] and list(everything[0].data.cmd) == ["ls"]
    manager.callbacks, stream = [], io.StringIO()
    manager.add_logger(LoggerConfig(name="debug_test", line_format=LineFormat.PlainText, level=EventLevel.DEBUG,
                                    output_stream=stream))
    manager.fire_event(SystemExecutingCmd(cmd=["pwd"]))
    assert "pwd" in stream.getvalue()


def test_dbt_event_internals_that_pipeline_dbt_events_replaces() -> None:
    """The day dbt-common changes these, pipeline/dbt_events.py must be looked at again."""
    from dbt_common.events.base_types import BaseEvent
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.logger import _log_level_map

    from pipeline import dbt_events

    assert list(inspect.signature(dbt_events._FIRE).parameters) == ["self", "e", "level", "node",  # noqa: SLF001
                                                                    "force_warn_or_error_handling"]
    assert "ParseDict(kwargs" in inspect.getsource(dbt_events._PARSE_FIELDS)  # noqa: SLF001 - the eager parse
    assert "msg_from_base_event(e" in inspect.getsource(dbt_events._FIRE)  # noqa: SLF001
    assert (BaseEvent.__init__, EventManager.fire_event) == (dbt_events._keep_arguments, dbt_events._fire_if_read)  # noqa: SLF001
    assert set(_log_level_map.values()) == {10, 20, 30, 40}
