"""The code location: loadable definitions and a gap-free asset graph from files to marts."""

from __future__ import annotations

from dagster import AssetKey, Definitions

from pipeline.definitions import defs

RAW = {AssetKey(["raw", t]) for t in ("snapshots", "paper_mentions", "rejected_files", "rejected_mentions", "field_issues",
                                            "observed_dates")}
MARTS = {AssetKey(["marts", t]) for t in ("papers", "paper_mentions", "topics", "paper_topics", "topic_counts", "topic_trends")}


def upstream_closure(graph, key: AssetKey) -> set[AssetKey]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_definitions_validate_and_name_the_contract() -> None:
    Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("daily_refresh") is not None
    assert defs.resolve_schedule_def("daily_refresh_schedule").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("landing_sensor") is not None


def test_asset_graph_runs_from_landing_to_delivery_without_gaps() -> None:
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert RAW | MARTS | {AssetKey(["landing", "hf_daily_papers"]), AssetKey(["delivery", "analytics_db"]),
                          AssetKey(["delivery", "trend_report"])} <= keys
    for mart in MARTS - {AssetKey(["marts", "topics"])}:
        ancestors = upstream_closure(graph, mart)
        assert AssetKey(["raw", "paper_mentions"]) in ancestors, mart
        assert AssetKey(["landing", "hf_daily_papers"]) in ancestors, mart
    assert MARTS <= upstream_closure(graph, AssetKey(["delivery", "trend_report"]))
    staging = [k for k in keys if graph.get(k).group_name == "staging" and k.path[0] == "staging"]
    assert staging and all(upstream_closure(graph, k) & RAW for k in staging if "stg_topic" not in k.path[-1])


def test_assets_are_grouped_by_stage_and_described() -> None:
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "marts", "delivery"} <= groups
    for key in RAW | MARTS:
        assert graph.get(key).description, key
    assert {graph.get(k).group_name for k in MARTS} == {"marts"}
    assert {graph.get(k).group_name for k in RAW} == {"ingest"}


def test_checks_cover_ingest_freshness_and_dbt_tests() -> None:
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    assert (AssetKey(["raw", "paper_mentions"]), "pandera_entries_valid") in checks
    assert (AssetKey(["raw", "snapshots"]), "files_parsed") in checks
    assert (AssetKey(["raw", "snapshots"]), "snapshots_fresh") in checks
    assert (AssetKey(["raw", "paper_mentions"]), "raw_mentions_schema") in checks
    dbt_checks = {name for key, name in checks if key in MARTS}
    # one table_rules test per mart: its key, not-null columns, accepted values and references together
    assert all(name.startswith("table_rules_") for name in dbt_checks)
    rules = sorted(key.to_user_string() for key, name in checks if key in MARTS and name.startswith("table_rules_"))
    assert rules == sorted(key.to_user_string() for key in MARTS)
