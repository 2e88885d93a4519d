"""Shared fixtures: every test gets its own world of files under ``tmp_path``."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, Settings

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"


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
