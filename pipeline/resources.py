"""Dagster resources: one warehouse resource (paths, write lock, connections) and dbt (in-process).

``WarehouseResource`` is the only place a step gets the warehouse path from:
ingest, dbt (through the environment its profile reads), publish,
report, the asset checks and the landing sensor all use it, so overriding its
config for a run (launchpad or ``run_config``) moves everything together.
Its defaults come from ``pipeline.settings`` (the environment variables of
DESIGN.md); nothing here reads the environment itself.
"""


from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from dagster import AssetKey, ConfigurableResource, InitResourceContext, TableColumn, TableSchema
from pydantic import Field

from pipeline import lake, warehouse as wh
from pipeline.dbt_runner import DbtRunner
from pipeline.instance_storage import pool_postgres_connections
from pipeline.settings import (DBT_PROJECT_DIR, DEFAULT_LOCK_TIMEOUT_S, PROJECT_ROOT, Settings, dbt_warehouse_env,
                               lock_timeout_s)

if TYPE_CHECKING:
    from pipeline.publish import PublishResult

WAREHOUSE_POOL = "warehouse"


class WarehouseResource(ConfigurableResource):
    """Where snapshots land and where the pipeline writes; owns the warehouse lock and connections."""

    landing_dir: str = Field(description="Where snapshot files arrive (PAPERTRENDS_LANDING_DIR).")
    warehouse: str = Field(description="The pipeline's own DuckDB file, one writer (PAPERTRENDS_WAREHOUSE).")
    analytics: str = Field(description="The published read-only copy for analysts (PAPERTRENDS_ANALYTICS).")
    report_dir: str = Field(description="Where the trend report is written (PAPERTRENDS_REPORT_DIR).")
    lock_timeout_s: float = Field(default=DEFAULT_LOCK_TIMEOUT_S, description="Seconds a writer waits for the warehouse lock, then 'warehouse busy'.")
    lake_data_path: str = Field(default="", description="Team mode: the lake's Parquet files, a directory or s3://… (PAPERTRENDS_LAKE_DATA_PATH).")
    lake_keep_snapshots: int = Field(default=10, description="Team mode: snapshots of each lake kept after a refresh (PAPERTRENDS_LAKE_KEEP_SNAPSHOTS).")

    @classmethod
    def from_settings(cls, settings: Settings, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> "WarehouseResource":
        return cls(
            lock_timeout_s=lock_timeout_s,
            landing_dir=str(settings.landing_dir),
            warehouse=settings.warehouse_value,
            analytics=str(settings.analytics),
            report_dir=str(settings.report_dir),
            **({"lake_data_path": settings.lake.data_path, "lake_keep_snapshots": settings.lake.keep_snapshots}
               if settings.lake else {}),
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Team mode: the run's PostgreSQL instance keeps its connections open (however the run was launched)."""
        if context.instance is not None:
            pool_postgres_connections(context.instance)

    @property
    def settings(self) -> Settings:
        """Absolute paths (relative values are taken from the project root, as in DESIGN.md); a
        ``ducklake:`` warehouse is team mode."""
        return Settings.resolve(self.landing_dir, self.warehouse, self.analytics, self.report_dir,
                                self.lake_data_path, self.lake_keep_snapshots)

    @property
    def warehouse_path(self) -> Path:
        return self.settings.warehouse

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target dir for this warehouse, kept between runs (written only under ``lock()``).

        One directory per warehouse keeps the last run's ``partial_parse.msgpack``,
        so the first dbt command of a new process parses only what changed; a new
        one starts from the parse of ``make setup`` (pipeline/dbt_parse_state.py).
        """
        return self.warehouse_path.parent / f".{self.warehouse_path.stem}.dbt_target"

    @property
    def dbt_database(self) -> str:
        """The catalog dbt builds into: the file's stem, or the attached warehouse lake's alias."""
        return lake.WAREHOUSE_ALIAS if self.settings.lake else self.warehouse_path.stem

    @contextmanager
    def lock(self, timeout_s: float | None = None) -> Iterator[None]:
        """The exclusive warehouse lock; ``WarehouseBusy`` after ``timeout_s`` (default: the configured one).

        Embedded mode only: in team mode the writers run on several machines and the
        ``warehouse`` pool, held in the PostgreSQL instance storage, is their one lock.
        """
        if self.settings.lake:
            yield
            return
        with wh.warehouse_lock(self.warehouse_path, self.lock_timeout_s if timeout_s is None else timeout_s):
            yield

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse (a writable one creates/migrates the raw layer); hold ``lock()`` around it."""
        settings = self.settings
        with wh.connect(settings.lake or settings.warehouse, read_only=read_only) as con:
            yield con

    def publish(self, pipeline_version: str, manifest: Path) -> "PublishResult":
        """Publish the marts for analysts: a new analytics file, or one snapshot of the published lake."""
        from pipeline.publish import publish, publish_lake

        settings = self.settings
        if settings.lake:
            return publish_lake(settings.lake, pipeline_version=pipeline_version, manifest=manifest)
        return publish(settings.warehouse, settings.analytics, pipeline_version=pipeline_version, manifest=manifest)

    @contextmanager
    def locked_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """``lock()`` and ``connect()`` together: what every step that touches the warehouse does."""
        with self.lock(), self.connect(read_only=read_only) as con:
            yield con

    def table_metadata(self, keys: Iterable[AssetKey]) -> dict[AssetKey, dict[str, Any]]:
        """``dagster/row_count`` and ``dagster/column_schema`` of each relation keyed ``[schema, name]``.

        Read after dbt has closed the file (DuckDB: one writer). The types come
        from this file's catalog, not from dbt's manifest, whose database name
        is the stem of the file it was parsed against: they stay right when a
        run's config points the warehouse elsewhere.
        """
        wanted = {tuple(key.path): key for key in keys if len(key.path) == 2}
        if not wanted:
            return {}
        columns: dict[AssetKey, list[TableColumn]] = {}
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position"
            ).fetchall()
            for schema, name, column, dtype in rows:
                if (schema, name) in wanted:
                    columns.setdefault(wanted[(schema, name)], []).append(TableColumn(column, dtype))
            counts = wh.row_counts(con, [tuple(key.path) for key in columns])  # one statement (a lake: one snapshot read)
            return {key: {"dagster/row_count": counts[tuple(key.path)], "dagster/column_schema": TableSchema(columns=cols)}
                    for key, cols in columns.items()}

    @contextmanager
    def dbt_env(self) -> Iterator[None]:
        """The environment dbt needs to build this warehouse (profiles.yml reads PAPERTRENDS_WAREHOUSE)."""
        settings = self.settings
        if settings.lake:
            lake.install_extensions()  # dbt-duckdb's `extensions:` then load them offline
        with dbt_warehouse_env(settings.warehouse_value):
            yield


# The earlier name, kept for callers and tests written against it: the same single resource.
PapertrendsPaths = WarehouseResource


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for the code location: paths from the environment (via settings.py), or explicit settings."""
    paths = WarehouseResource.from_settings(settings or Settings.from_env(), lock_timeout_s())
    return {
        "paths": paths,
        # No path of its own: the dbt step points dbt at paths.warehouse (WarehouseResource.dbt_env).
        "dbt": DbtRunner(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
    }
