"""Issue 22 item 9: a model dbt builds that the code location does not know is skipped with a warning.

The Dagster assets are built from the prepared ``manifest.json`` (what the code
location loaded at set-up), while dbt parses a copy of the project holding one
model more, as after adding a model without ``prepare``. Before the skip,
dagster-dbt raised ``KeyError`` on that model's result after dbt had built it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dagster import AssetKey, DagsterInstance, materialize
from dagster_dbt import DbtProject, dbt_assets

from pipeline.dbt import DBT_PROJECT, TRANSLATOR
from pipeline.dbt_runner import DbtRunner
from pipeline.settings import DBT_PROJECT_DIR, Settings

UNKNOWN = "zz_added_after_setup"
# dbt's own selection, evaluated on each parse: the topics seed (known) and the new model (unknown to Dagster)
SELECT = f"topics {UNKNOWN}"
TOPICS = AssetKey(["seeds", "topics"])


def project_with_an_extra_model(tmp_path: Path) -> Path:
    """The dbt project copied into tmp_path, plus one model the prepared manifest does not have."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    (copy / "models" / f"{UNKNOWN}.sql").write_text("select 42 as answer\n", encoding="utf-8")
    return copy


def test_a_model_unknown_to_the_code_location_is_skipped_with_a_warning(world: Settings, tmp_path: Path) -> None:
    copy = project_with_an_extra_model(tmp_path)
    target = tmp_path / "dbt_target"

    @dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DbtProject(project_dir=copy, profiles_dir=copy),
                dagster_dbt_translator=TRANSLATOR, select=SELECT, name="extra_model_build")
    def extra_model_build(context, dbt: DbtRunner):  # noqa: ANN001, ANN202 - a Dagster op body
        build = dbt.build(context, TRANSLATOR, DBT_PROJECT, ["build", "--indirect-selection", "cautious"], target, database=world.warehouse.stem,
                          fingerprint="test_dbt_unknown_model")
        yield from build.stream()
        assert build.is_successful(), build.error()

    # only the seed and its tests are Dagster's: the new model is not in the prepared manifest
    assert extra_model_build.keys == {TOPICS}
    instance = DagsterInstance.ephemeral()
    result = materialize([extra_model_build], resources={"dbt": DbtRunner(project_dir=str(copy), profiles_dir=str(copy))},
                         instance=instance)

    assert result.success
    # dbt built the unknown model (its fresh parse has it) ...
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        assert con.execute(f"SELECT answer FROM {UNKNOWN}").fetchall() == [(42,)]  # noqa: S608 - a constant
    # ... Dagster was told, by name, with what to do ...
    warnings = [e.user_message for e in instance.all_logs(result.run_id) if f"model.papertrends.{UNKNOWN}" in e.user_message]
    assert warnings == [f"dbt built model.papertrends.{UNKNOWN}, which this code location does not know (added after "
                        "set-up): run `python -m pipeline.cli prepare` and reload the code location to see it in Dagster"]
    # ... and the known seed's materialization and its tests' check results still came through
    assert [m.asset_key for m in result.asset_materializations_for_node("extra_model_build")] == [TOPICS]
    # seeds/_seeds.yml: one table_rules test on the table (key topic_id, label not null, parent_topic_id
    # references topic_id, topic_id an identifier), so one check
    checks = {(e.asset_key, e.check_name, e.passed) for e in result.get_asset_check_evaluations()}
    assert checks == {(TOPICS, "table_rules_topics", True)}
