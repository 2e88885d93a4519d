"""Dagster resources: paths and the write lock, DuckDB, dbt.

Paths come from the environment variables of DESIGN.md: a variable that is
set becomes a Dagster ``EnvVar`` (resolved when a run starts, and shown as
such in the UI), an unset one its documented default. A test world or a
deployment only sets variables.
"""


import os
import sys
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from pipeline.settings import PROJECT_ROOT, Settings

WAREHOUSE_POOL = "warehouse"


class PapertrendsPaths(ConfigurableResource):
    """Where snapshots land and where the pipeline writes its files."""

    landing_dir: str
    warehouse: str
    analytics: str
    report_dir: str
    lock_timeout_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings, lock_timeout_s: float = 120.0) -> "PapertrendsPaths":
        return cls(
            lock_timeout_s=lock_timeout_s,
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            analytics=str(settings.analytics),
            report_dir=str(settings.report_dir),
        )

    @property
    def settings(self) -> Settings:
        """Absolute paths; relative values are taken from the project root, as in DESIGN.md."""
        def absolute(value: str) -> Path:
            path = Path(value)
            return path if path.is_absolute() else PROJECT_ROOT / path

        return Settings(absolute(self.landing_dir), absolute(self.warehouse), absolute(self.analytics), absolute(self.report_dir))


def dbt_executable() -> str:
    """The ``dbt`` beside this interpreter: ``.venv/bin`` may not be on PATH under Dagster."""
    return str(Path(sys.executable).parent / "dbt")


def _from_env(name: str, default: Path) -> str | EnvVar:
    return EnvVar(name) if os.environ.get(name) else str(default)


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for the code location: from the environment, or from explicit settings."""
    from pipeline.dbt import DBT_PROJECT

    lock_timeout_s = float(os.environ.get("PAPERTRENDS_LOCK_TIMEOUT_S", "120"))
    if settings is None:
        defaults = Settings.from_env()
        paths = PapertrendsPaths(
            landing_dir=_from_env("PAPERTRENDS_LANDING_DIR", defaults.landing_dir),
            warehouse=_from_env("PAPERTRENDS_WAREHOUSE", defaults.warehouse),
            analytics=_from_env("PAPERTRENDS_ANALYTICS", defaults.analytics),
            report_dir=_from_env("PAPERTRENDS_REPORT_DIR", defaults.report_dir),
            lock_timeout_s=lock_timeout_s,
        )
    else:
        paths = PapertrendsPaths.from_settings(settings, lock_timeout_s)
    warehouse = (settings or Settings.from_env()).warehouse
    return {
        "paths": paths,
        # DuckDB wants a concrete file: the resolved absolute warehouse path.
        "duckdb": DuckDBResource(database=str(warehouse)),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }
