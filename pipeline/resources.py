"""Dagster resources: paths and the write lock, DuckDB, dbt.

Everything is configured from the environment variables of DESIGN.md at the
moment the definitions are built, so a test world or a deployment only sets
variables; nothing reads module-level globals at run time.
"""


import os
import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from pipeline.settings import Settings

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
        return Settings(Path(self.landing_dir), Path(self.warehouse), Path(self.analytics), Path(self.report_dir))


def dbt_executable() -> str:
    """The ``dbt`` beside this interpreter: ``.venv/bin`` may not be on PATH under Dagster."""
    return str(Path(sys.executable).parent / "dbt")


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for the code location, from the environment unless given."""
    from pipeline.dbt import DBT_PROJECT

    settings = settings or Settings.from_env()
    return {
        "paths": PapertrendsPaths.from_settings(settings, float(os.environ.get("PAPERTRENDS_LOCK_TIMEOUT_S", "120"))),
        "duckdb": DuckDBResource(database=str(settings.warehouse)),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }
