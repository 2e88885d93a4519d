"""The one warehouse resource: a run's config moves every step, the lock turns a second writer away.

The environment variables point at one world (``env/``); the run config of
``daily_refresh`` points the warehouse resource at another (``run/``). Every
step must follow the run config and leave the environment's world untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, SensorResult, build_sensor_context, define_asset_job, materialize

from pipeline.assets import ingest_snapshots
from pipeline.automation import build_landing_sensor
from pipeline.definitions import build_definitions
from pipeline.resources import WarehouseResource, build_resources
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.warehouse import WarehouseBusy
from tests import pages
from tests.conftest import write_file

ENV_DIRS = {"PAPERTRENDS_LANDING_DIR": "landing", "PAPERTRENDS_WAREHOUSE": "warehouse.duckdb",
            "PAPERTRENDS_ANALYTICS": "analytics.duckdb", "PAPERTRENDS_REPORT_DIR": "reports"}


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory):
    """daily_refresh with env vars on ``env/`` and the run config's resource on ``run/`` (one small page)."""
    root = tmp_path_factory.mktemp("override")
    with pytest.MonkeyPatch.context() as mp:
        for name, sub in ENV_DIRS.items():
            mp.setenv(name, str(root / "env" / sub))
        env = Settings.from_env()
        env.landing_dir.mkdir(parents=True)
        # 3 entries with 3 distinct titles, dated 2026-11-18 by the file name.
        write_file(env.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
        run = Settings(env.landing_dir, root / "run" / "warehouse.duckdb", root / "run" / "published.duckdb", root / "run" / "reports")
        # As in the launchpad: a resource's config is given whole (the landing dir unchanged).
        run_config = {"resources": {"paths": {"config": {
            "landing_dir": str(run.landing_dir), "warehouse": str(run.warehouse), "analytics": str(run.analytics), "report_dir": str(run.report_dir),
        }}}}
        result = build_definitions().resolve_job_def("daily_refresh").execute_in_process(
            run_config=run_config, instance=DagsterInstance.ephemeral(), raise_on_error=False)
        yield env, run, result


def test_run_config_moves_every_step(overridden) -> None:
    env, run, result = overridden
    assert result.success
    # raw layer (ingest), marts (dbt), the lock file and the published copy are all under run/
    assert query(run.warehouse, "SELECT count(*) FROM raw.paper_mentions") == [(3,)]
    assert query(run.warehouse, "SELECT count(*) FROM marts.papers") == [(3,)]
    assert run.warehouse.with_name("warehouse.duckdb.lock").exists()
    assert query(run.analytics, "SELECT count(*) FROM marts.papers") == [(3,)]
    assert (run.report_dir / "trends.html").exists()
    # the environment's world only has its landing file
    assert not env.warehouse.exists()
    assert not env.warehouse.with_name("warehouse.duckdb.lock").exists()
    assert not env.analytics.exists()
    assert not env.report_dir.exists()
    assert sorted(p.name for p in env.warehouse.parent.iterdir()) == ["landing"]


def test_checks_read_the_overridden_warehouse(overridden) -> None:
    _, _, result = overridden
    evaluations = {e.check_name: e for e in (ev.event_specific_data for ev in result.all_events
                                             if ev.event_type_value == "ASSET_CHECK_EVALUATION")}
    schema = evaluations["raw_mentions_schema"]
    assert schema.passed and schema.metadata["rows_checked"].value == 3
    assert evaluations["snapshots_fresh"].metadata["newest_snapshot_date"].value == "2026-11-18"


def test_dbt_materializations_carry_column_types_and_row_counts(overridden) -> None:
    _, _, result = overridden
    papers = next(m for m in result.asset_materializations_for_node("dbt_models") if m.asset_key == AssetKey(["marts", "papers"]))
    columns = {c.name: c.type for c in papers.metadata["dagster/column_schema"].value.columns}
    assert columns["paper_id"].strip()
    assert columns["first_seen_date"].upper() == "DATE"
    assert {"title", "last_seen_date", "n_snapshots", "max_upvotes"} <= columns.keys()
    assert papers.metadata["dagster/row_count"].value == 3


def test_second_writer_gets_warehouse_busy(tmp_path: Path) -> None:
    """The lock held in this process: a step with timeout 0 fails at once with the clear error."""
    settings = Settings(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "a.duckdb", tmp_path / "reports")
    settings.landing_dir.mkdir()
    write_file(settings.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    paths = WarehouseResource.from_settings(settings, lock_timeout_s=0)
    with paths.lock():
        with pytest.raises(WarehouseBusy, match="warehouse busy"):
            with paths.lock(timeout_s=0):
                pass
        result = materialize([ingest_snapshots], resources={"paths": paths}, raise_on_error=False)
        assert not result.success
        error = next(e for e in result.all_events if e.is_step_failure).event_specific_data.error.to_string()
        assert "warehouse busy" in error
        assert not settings.warehouse.exists()
    # released: the same step now loads the page
    assert materialize([ingest_snapshots], resources={"paths": paths}).success
    assert query(settings.warehouse, "SELECT count(*) FROM raw.paper_mentions") == [(3,)]


def test_landing_sensor_reads_the_resource(world: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other_landing"
    other.mkdir()
    write_file(other / "2026-11-18.txt", pages.BLANK_SEPARATED)
    sensor = build_landing_sensor(define_asset_job("daily_refresh"))
    moved = WarehouseResource.from_settings(Settings(other, world.warehouse, world.analytics, world.report_dir))
    with DagsterInstance.ephemeral() as instance:
        on_env = sensor(build_sensor_context(instance=instance, resources={"paths": build_resources()["paths"]}))
        on_other = sensor(build_sensor_context(instance=instance, resources={"paths": moved}))
    assert isinstance(on_env, SensorResult) and not on_env.run_requests and on_env.skip_reason is not None  # empty landing dir
    assert isinstance(on_other, SensorResult) and len(on_other.run_requests) == 1


def test_one_warehouse_resource_and_env_read_only_in_settings() -> None:
    assert set(build_resources()) == {"paths", "dbt"}
    reads = re.compile(r"getenv|EnvVar|environ\.get|environ\[[^\]]+\](?!\s*=)")
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pipeline").rglob("*.py")
                 if p.name != "settings.py" and reads.search(p.read_text())]
    assert offenders == []
