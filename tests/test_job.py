"""The whole daily_refresh job, executed by Dagster in a tmp_path world."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, AssetSelection, DagsterInstance, Definitions, define_asset_job

from pipeline.checks import raw_mentions_schema, snapshots_fresh
from pipeline.definitions import build_definitions
from pipeline.resources import WarehouseResource
from pipeline.samples import generate
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.warehouse import warehouse_lock
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import project_unit_tests, unit_test_statuses

END = date(2026, 11, 20)


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def check_results(result) -> dict[tuple[str, str], object]:
    return {
        ("/".join(e.asset_key.path), e.check_name): e
        for e in (ev.event_specific_data for ev in result.all_events if ev.event_type_value == "ASSET_CHECK_EVALUATION")
    }


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory):
    """One full refresh on 8 generated days (2026-11-13 .. 11-20, each layout twice), shared by the tests below."""
    root = tmp_path_factory.mktemp("job_world")
    env = {
        "PAPERTRENDS_LANDING_DIR": str(root / "landing"),
        "PAPERTRENDS_WAREHOUSE": str(root / "warehouse.duckdb"),
        "PAPERTRENDS_ANALYTICS": str(root / "analytics.duckdb"),
        "PAPERTRENDS_REPORT_DIR": str(root / "reports"),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        manifest = generate(root / "landing", days=8, end=END)
        defs = build_definitions()
        result = defs.resolve_job_def("daily_refresh").execute_in_process()
        yield Settings.from_env(), manifest, defs, result
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_job_builds_raw_marts_analytics_and_report(refreshed) -> None:
    settings, manifest, _, result = refreshed
    assert result.success
    assert query(settings.warehouse, "SELECT count(*) FROM raw.snapshots") == [(8,)]
    assert query(settings.warehouse, "SELECT count(*) FROM raw.paper_mentions") == [(manifest.n_mentions,)]
    assert query(settings.warehouse, "SELECT count(*) FROM marts.papers") == [(manifest.n_distinct_papers,)]
    assert query(settings.analytics, "SELECT count(*) FROM marts.papers") == [(manifest.n_distinct_papers,)]
    assert query(settings.analytics, "SELECT newest_snapshot_date FROM meta") == [(END,)]
    assert (settings.report_dir / "trends.html").stat().st_size > 10_000
    materialized = {tuple(m.asset_key.path) for m in result.get_asset_materialization_events() for m in [m.event_specific_data.materialization]}
    assert {("raw", "paper_mentions"), ("marts", "topic_trends"), ("delivery", "analytics_db"), ("delivery", "trend_report")} <= materialized


def test_materializations_carry_operator_metadata(refreshed) -> None:
    _, manifest, _, result = refreshed
    by_key = {"/".join(e.event_specific_data.materialization.asset_key.path): e.event_specific_data.materialization.metadata
              for e in result.get_asset_materialization_events()}
    mentions = by_key["raw/paper_mentions"]
    assert mentions["dagster/row_count"].value == manifest.n_mentions
    assert mentions["new_mentions"].value == manifest.n_mentions
    assert "| date | # | title |" in mentions["preview"].value
    assert {c.name for c in mentions["dagster/column_schema"].schema.columns} >= {"snapshot_id", "position", "title", "arxiv_id"}
    assert by_key["raw/snapshots"]["new_snapshots"].value == 8
    assert by_key["marts/papers"]["dagster/row_count"].value == manifest.n_distinct_papers


def test_checks_pass_on_clean_data_and_freshness_warns_on_old_data(refreshed) -> None:
    _, manifest, _, result = refreshed
    checks = check_results(result)
    entries = checks[("raw/paper_mentions", "pandera_entries_valid")]
    assert entries.passed and entries.metadata["rows_checked"].value == manifest.n_mentions
    assert checks[("raw/snapshots", "files_parsed")].passed
    assert checks[("raw/paper_mentions", "raw_mentions_schema")].passed
    fresh = checks[("raw/snapshots", "snapshots_fresh")]
    # Newest sample day is 2026-11-20; the check compares with today's date (later than 2026-11-22).
    assert (fresh.passed, fresh.severity) == (date.today() <= date(2026, 11, 22), AssetCheckSeverity.WARN)
    dbt_checks = [c for (key, _), c in checks.items() if key.startswith("marts/")]
    # one table_rules test per mart (11), its relationships folded in as `references`
    assert len(dbt_checks) == 11 and all(c.passed for c in dbt_checks)


def test_dbt_results_reach_dagster_while_dbt_runs(refreshed) -> None:
    """dbt test results are passed on as dbt reports them, not after the build: they precede the
    model materializations, which wait for their row counts until dbt has closed the warehouse."""
    _, _, _, result = refreshed
    dbt_events = [e for e in result.all_events if e.step_key == "dbt_models"]
    kinds = [e.event_type_value for e in dbt_events]
    checks = [i for i, k in enumerate(kinds) if k == "ASSET_CHECK_EVALUATION"]
    models = [i for i, k in enumerate(kinds) if k == "ASSET_MATERIALIZATION"]
    assert len(checks) >= 20 and len(models) >= 6
    assert max(checks) < min(models)


def materialized_keys(result) -> set[str]:
    return {"/".join(e.event_specific_data.materialization.asset_key.path) for e in result.get_asset_materialization_events()}


def test_rerun_without_new_files_skips_dbt_publish_and_report_and_changes_no_mart_row(refreshed) -> None:
    """Nothing new landed: raw is unchanged, so dbt would rebuild the same marts; the step says so and
    builds nothing, and publish and report (downstream of the marts) are skipped by Dagster."""
    settings, _, defs, _ = refreshed
    before = query(settings.warehouse, "SELECT * FROM marts.papers ORDER BY paper_id")
    trends = query(settings.warehouse, "SELECT * FROM marts.topic_trends ORDER BY ALL")
    published = query(settings.analytics, "SELECT refreshed_at FROM meta")
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("daily_refresh").execute_in_process(instance=instance)
        messages = [e.user_message for e in instance.all_logs(result.run_id) if e.step_key == "dbt_models"]
    assert result.success
    assert not {key for key in materialized_keys(result) if key.startswith(("marts/", "delivery/"))}
    assert any(m.startswith("nothing to build: raw tables and dbt project unchanged") for m in messages)
    assert {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"} >= {"deliver"}
    assert query(settings.warehouse, "SELECT * FROM marts.papers ORDER BY paper_id") == before
    assert query(settings.warehouse, "SELECT * FROM marts.topic_trends ORDER BY ALL") == trends
    assert query(settings.analytics, "SELECT refreshed_at FROM meta") == published
    assert query(settings.warehouse, "SELECT count(*) FROM raw.snapshots") == [(8,)]


def test_rerun_rebuilds_when_a_mart_is_missing(refreshed) -> None:
    """The skip needs every model's table in place: a dropped mart makes the next run build again."""
    settings, _, defs, _ = refreshed
    trends = query(settings.warehouse, "SELECT * FROM marts.term_trends ORDER BY ALL")
    assert trends  # rows to compare
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("DROP TABLE marts.term_trends")
    result = defs.resolve_job_def("daily_refresh").execute_in_process()
    assert result.success
    assert {"marts/term_trends", "marts/papers", "delivery/analytics_db"} <= materialized_keys(result)
    assert query(settings.warehouse, "SELECT * FROM marts.term_trends ORDER BY ALL") == trends
    assert unit_tests_run(settings) == set()  # the same project as the last complete build


def unit_tests_run(settings: Settings) -> set[str]:
    """The dbt unit tests of the last build of this warehouse (in the dbt target dir the step keeps for it)."""
    return set(unit_test_statuses(WarehouseResource.from_settings(settings).dbt_target_path))


def test_unit_tests_run_again_when_the_project_changed(refreshed) -> None:
    """dbt unit tests check SQL, not data: a build of the same project as the last complete build skips
    them (test_rerun_rebuilds_when_a_mart_is_missing); another project's build record makes them run."""
    settings, _, defs, _ = refreshed
    unit_tests = project_unit_tests()
    assert len(unit_tests) >= 2
    with duckdb.connect(str(settings.warehouse)) as con:  # the last complete build ran another project
        con.execute("DROP TABLE marts.term_trends")
        con.execute("UPDATE ops.dbt_builds SET project_fingerprint = 'an earlier project'")
    assert defs.resolve_job_def("daily_refresh").execute_in_process().success
    assert unit_tests_run(settings) == unit_tests


def test_raw_schema_check_fails_on_a_planted_bad_row(refreshed) -> None:
    settings, _, defs, _ = refreshed
    with duckdb.connect(str(settings.warehouse)) as con:
        snapshot_id = con.execute("SELECT min(snapshot_id) FROM raw.snapshots").fetchone()[0]
        con.execute(
            "INSERT INTO raw.paper_mentions (snapshot_id, position, title, abstract, upvotes) VALUES (?, 999, ?, ?, -5)",
            [snapshot_id, "Planted Bad Row", pages.ABSTRACT_A],
        )
    try:
        checks_job = define_asset_job("checks_only", selection=AssetSelection.checks(raw_mentions_schema))
        scoped = Definitions(asset_checks=[raw_mentions_schema], jobs=[checks_job], resources=defs.resources)
        result = scoped.resolve_job_def("checks_only").execute_in_process(raise_on_error=False)
        check = check_results(result)[("raw/paper_mentions", "raw_mentions_schema")]
        assert (check.passed, check.severity) == (False, AssetCheckSeverity.ERROR)
        assert check.metadata["failing_rows"].value == 1
        assert "upvotes: in_range(0, 10000000) failed for -5" in check.metadata["first_failures"].value[0]
    finally:
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute("DELETE FROM raw.paper_mentions WHERE position = 999")


def test_freshness_fails_when_a_future_dated_snapshot_is_stored(refreshed) -> None:
    settings, _, defs, _ = refreshed
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "INSERT INTO raw.snapshots (snapshot_id, file_name, layout, snapshot_date, snapshot_date_source, n_entries,"
            " n_rejected, size_bytes, encoding, parser_version, ingested_at)"
            " VALUES (repeat('f', 64), '2099-01-01.txt', 'blank_separated', DATE '2099-01-01', 'file_name', 0, 0, 1, 'utf-8', '2.0', now())"
        )
    try:
        checks_job = define_asset_job("fresh_only", selection=AssetSelection.checks(snapshots_fresh))
        scoped = Definitions(asset_checks=[snapshots_fresh], jobs=[checks_job], resources=defs.resources)
        result = scoped.resolve_job_def("fresh_only").execute_in_process(raise_on_error=False)
        check = check_results(result)[("raw/snapshots", "snapshots_fresh")]
        assert (check.passed, check.severity) == (False, AssetCheckSeverity.ERROR)
        assert check.metadata["future_dated"].value == ["2099-01-01.txt (2099-01-01)"]
    finally:
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute("DELETE FROM raw.snapshots WHERE file_name = '2099-01-01.txt'")


def test_failed_dbt_test_fails_the_run_and_publishes_nothing(refreshed) -> None:
    """Runs last on the shared world: it leaves a bad snapshot behind."""
    settings, _, defs, _ = refreshed
    published = query(settings.analytics, "SELECT refreshed_at, rows_paper_mentions FROM meta")
    bad = "f" * 64
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "INSERT INTO raw.snapshots (snapshot_id, file_name, layout, snapshot_date, snapshot_date_source, n_entries, n_rejected, size_bytes, encoding, parser_version, ingested_at) VALUES (?, 'planted.txt', 'blank_separated', DATE '2026-11-21', 'file_name', 2, 0, 1, 'utf-8', '1.1', now())",
            [bad],
        )
        for title in ("Planted One", "Planted Two"):  # two mentions at the same position: a unique test fails
            con.execute("INSERT INTO raw.paper_mentions (snapshot_id, position, title, abstract) VALUES (?, 1, ?, ?)",
                        [bad, title, pages.ABSTRACT_A])
    result = defs.resolve_job_def("daily_refresh").execute_in_process(raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "dbt_models"
    assert "dbt build failed" in failure.event_specific_data.error.to_string()
    # The duplicate positions fail dbt's test on the raw source (recorded as an observation of
    # raw/paper_mentions, as dagster-dbt reports source tests) and dbt skips everything below it.
    failed = [e for e in result.all_events if e.step_key == "dbt_models" and (
        (e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed)
        or (e.event_type_value == "ASSET_OBSERVATION"
            and str(e.event_specific_data.asset_observation.metadata.get("status", "")).endswith("fail')")))]
    assert failed, "the failing dbt test is reported before the step fails"
    assert "source_table_rules_raw_paper_mentions" in str(failed[0].event_specific_data)
    assert query(settings.analytics, "SELECT refreshed_at, rows_paper_mentions FROM meta") == published
    # The failed build is not recorded as complete: the next run builds again rather than skip.
    assert query(settings.warehouse, "SELECT count(*) FROM ops.dbt_builds") == [(0,)]


INGEST_SCRIPT = """
import os, sys
from dagster import materialize
from pipeline.assets import ingest_snapshots
from pipeline.resources import build_resources
for timeout in sys.argv[1:]:  # one attempt per lock timeout, each with the resources the code location builds
    os.environ["PAPERTRENDS_LOCK_TIMEOUT_S"] = timeout
    result = materialize([ingest_snapshots], resources=build_resources(), raise_on_error=False)
    errors = [e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure]
    print("RESULT " + ("OK" if result.success else "FAILED: " + " ".join(errors).replace(chr(10), " ")), flush=True)
"""


def run_ingest_process(*timeouts_s: float) -> subprocess.Popen:
    """One writer process that ingests once per timeout, in order; its log and results on one stream."""
    return subprocess.Popen([sys.executable, "-c", INGEST_SCRIPT, *map(str, timeouts_s)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_line(process: subprocess.Popen, needle: str) -> str:
    """Read the process's output until a line holds ``needle``; return that line (fails if the process ends first)."""
    for line in process.stdout:
        if needle in line:
            return line
    pytest.fail(f"the process ended without saying {needle!r}")


def test_second_writer_fails_cleanly_or_waits(world: Settings) -> None:
    """A second writer process: with no patience it fails at once with "warehouse busy", then with 120 s it
    waits for the lock and loads (two attempts of one process: each process start costs 3-4 CPU s)."""
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    with warehouse_lock(world.warehouse):
        writer = run_ingest_process(0, 120)
        impatient = wait_for_line(writer, "RESULT ")
        assert "FAILED" in impatient and "warehouse busy" in impatient and "Could not set lock" not in impatient
        wait_for_line(writer, "warehouse busy: waiting up to 120")  # it found the lock taken and waits
        assert writer.poll() is None
    out, _ = writer.communicate(timeout=120)
    assert [line for line in out.splitlines() if line.startswith("RESULT ")] == ["RESULT OK"]
    assert query(world.warehouse, "SELECT count(*) FROM raw.paper_mentions") == [(3,)]
