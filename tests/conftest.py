"""Shared fixtures: every test gets its own world of files under ``tmp_path``."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, Settings

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"

# The slowest files first (measured with --durations, quiet machine), the rest in their own order: with
# `-n 2 --dist loadfile --no-loadscope-reorder` (make test) xdist hands out whole files in this order, so a
# long file never starts last while the other worker has nothing left to do.
SLOWEST_FILES = (
    "test_team.py", "test_ingest_upgrade.py", "test_bench.py", "test_job.py", "test_dbt_subsets.py",
    "test_dbt_samples.py", "test_fetch.py", "test_run_instance.py", "test_delivery.py", "test_dbt_trends.py",
    "test_dbt_terms.py", "test_dbt_normalization.py", "test_resources.py", "test_dbt_dedup.py", "test_report.py",
    "test_demo_data.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest files first (a stable sort: each file's tests stay together and in order)."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point every PAPERTRENDS_* variable into tmp_path and return the settings."""
    for name, sub in {
        "PAPERTRENDS_LANDING_DIR": "landing",
        "PAPERTRENDS_WAREHOUSE": "warehouse.duckdb",
        "PAPERTRENDS_ANALYTICS": "analytics.duckdb",
        "PAPERTRENDS_REPORT_DIR": "reports",
    }.items():
        monkeypatch.setenv(name, str(tmp_path / sub))
    settings = Settings.from_env()
    settings.landing_dir.mkdir(parents=True)
    return settings


def write_file(path: Path, content: bytes | str, day: str = "2026-11-20") -> Path:
    """Write a landing file and stamp its mtime at noon UTC of ``day``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    stamp = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path
