"""Paths from the environment variables of DESIGN.md, resolved once per call.

Every stage reads its locations here so tests can build a whole world in
``tmp_path`` just by setting the variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULTS = {
    "PAPERTRENDS_LANDING_DIR": "data/landing",
    "PAPERTRENDS_WAREHOUSE": "data/warehouse.duckdb",
    "PAPERTRENDS_ANALYTICS": "data/analytics.duckdb",
    "PAPERTRENDS_REPORT_DIR": "data/reports",
}


def env_path(name: str) -> Path:
    """Resolve one variable; relative values are taken from the project root."""
    path = Path(os.environ.get(name) or DEFAULTS[name])
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    analytics: Path
    report_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            landing_dir=env_path("PAPERTRENDS_LANDING_DIR"),
            warehouse=env_path("PAPERTRENDS_WAREHOUSE"),
            analytics=env_path("PAPERTRENDS_ANALYTICS"),
            report_dir=env_path("PAPERTRENDS_REPORT_DIR"),
        )
