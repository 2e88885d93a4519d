"""Demo data never leaks: samples only into the default landing dir, recorded as 'sample', droppable.

The killed-run test (tests/test_run_instance.py) also checks that
``python -m pipeline.cli run`` with PAPERTRENDS_LANDING_DIR pointing at an
empty dir writes nothing there; here the same decision is tested through the
``samples`` command and ``fill_samples``.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import duckdb
import pytest

from pipeline.definitions import build_definitions
from pipeline.demo import NO_SAMPLES_MARKER, drop_samples, fill_samples, landing_dir_configured
from pipeline.ingest import ingest_landing
from pipeline.ingest.origins import read_origins
from pipeline.settings import PROJECT_ROOT, Settings
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import dbt_build, query


def test_samples_command_writes_nothing_into_a_configured_landing_dir(world: Settings) -> None:
    # `make dev` runs this command; the world fixture sets PAPERTRENDS_LANDING_DIR (empty dir)
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "samples", "--days", "3"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True)
    assert list(world.landing_dir.iterdir()) == []
    assert "no sample data is generated for a configured landing dir" in done.stdout


def test_unset_landing_dir_gets_samples_marked_sample(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERTRENDS_LANDING_DIR", raising=False)
    assert not landing_dir_configured()
    # the default dir, redirected into tmp_path (tests never write data/)
    settings = Settings(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "a.duckdb", tmp_path / "r")
    assert fill_samples(settings, days=3) == 3
    files = sorted(p.name for p in settings.landing_dir.iterdir() if not p.name.startswith("."))
    assert len(files) == 3 and all(name.endswith((".txt", ".json")) for name in files)
    assert sorted(set(read_origins(settings.landing_dir).values())) == ["sample"]
    assert fill_samples(settings, days=3) == 0  # not empty any more: nothing added
    ingest_landing(settings.landing_dir, settings.warehouse)
    assert query(settings.warehouse, "SELECT source, count(*) FROM raw.snapshots GROUP BY source") == [("sample", 3)]


def test_drop_samples_removes_demo_rows_and_keeps_real_ones(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERTRENDS_LANDING_DIR", raising=False)
    settings = Settings(tmp_path / "landing", tmp_path / "warehouse.duckdb", tmp_path / "a.duckdb", tmp_path / "r")
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(settings.warehouse))
    fill_samples(settings, days=2)
    # one real page (3 entries, dated 2026-11-20 by its name) beside the 2 sample days
    write_file(settings.landing_dir / "2026-11-20_real.txt", pages.BLANK_SEPARATED)
    ingest_landing(settings.landing_dir, settings.warehouse)
    real_id = query(settings.warehouse, "SELECT snapshot_id FROM raw.snapshots WHERE source = 'file'")[0][0]
    n_real = query(settings.warehouse, "SELECT count(*) FROM raw.paper_mentions WHERE snapshot_id = ?", [real_id])[0][0]
    # the marts asserted on below, with their demo rows (and what they read; the job rebuilds every mart)
    dbt_build(tmp_path, "--select", "+papers", "+paper_mentions", "--indirect-selection", "cautious")

    dropped = drop_samples(settings)

    assert dropped.snapshots == 2 and dropped.files == 2 and dropped.rows["snapshots"] == 2
    assert dropped.rows["landing_files"] == 2 and dropped.rows["paper_mentions"] > 0
    assert query(settings.warehouse, "SELECT snapshot_id, source FROM raw.snapshots") == [(real_id, "file")]
    for table in ("paper_mentions", "rejected_mentions", "field_issues"):
        assert query(settings.warehouse, f"SELECT count(*) FROM raw.{table} WHERE snapshot_id <> ?", [real_id]) == [(0,)]  # noqa: S608
    assert query(settings.warehouse, "SELECT file_name FROM raw.landing_files") == [("2026-11-20_real.txt",)]
    # the sample files are gone (they would be ingested again) and the dir is not refilled
    assert sorted(p.name for p in settings.landing_dir.iterdir() if not p.name.startswith(".")) == ["2026-11-20_real.txt"]
    assert (settings.landing_dir / NO_SAMPLES_MARKER).exists()
    (settings.landing_dir / "2026-11-20_real.txt").unlink()
    assert fill_samples(settings, days=2) == 0
    # the refresh that drop-samples runs may fail: its record makes the next plain run a full refresh
    assert query(settings.warehouse, "SELECT count(*) FROM ops.full_refresh_requests") == [(1,)]
    for name, path in {"PAPERTRENDS_LANDING_DIR": settings.landing_dir, "PAPERTRENDS_ANALYTICS": settings.analytics,
                       "PAPERTRENDS_REPORT_DIR": settings.report_dir}.items():
        monkeypatch.setenv(name, str(path))
    result = build_definitions().resolve_job_def("daily_refresh").execute_in_process()
    assert result.success
    assert query(settings.warehouse, "SELECT count(*) FROM ops.full_refresh_requests") == [(0,)]
    assert query(settings.warehouse, "SELECT count(*), min(snapshot_id), max(snapshot_id) FROM marts.paper_mentions") == [
        (n_real, real_id, real_id)]
    assert query(settings.warehouse, "SELECT min(first_seen_date), max(last_seen_date) FROM marts.papers") == [
        (date(2026, 11, 20), date(2026, 11, 20))]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.papers").fetchone()[0] == n_real
