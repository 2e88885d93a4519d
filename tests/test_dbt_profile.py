"""dbt's DuckDB session takes PAPERTRENDS_DUCKDB_MEMORY_LIMIT (dbt_project/profiles.yml).

The cap is a ``config_options`` entry, given to DuckDB once when dbt opens the
file, not a ``settings`` entry, which dbt-duckdb runs as a ``SET`` on every
cursor it opens: on a 64-node build those SETs were 12 % of dbt's CPU
(BENCHMARKS.md). What dbt's own session reports is what DuckDB makes of the
variable's value.
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.dbt import project_fingerprint
from pipeline.dbt_runner import invoke, parsed_manifest
from pipeline.settings import Settings

SHOW = ["show", "--inline", "select current_setting('memory_limit') as memory_limit"]


def duckdb_renders(size: str) -> str:
    """The memory limit as DuckDB shows it once set to ``size`` (e.g. 512MB is 488.2 MiB)."""
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{size}'")  # noqa: S608 - a literal of this test
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def dbt_session_limit(world: Settings) -> str:
    target = world.warehouse.parent / "target"
    result = invoke(SHOW, target, manifest=parsed_manifest(target, world.warehouse.stem, project_fingerprint()))
    assert result.success, result.exception
    return result.result.results[0].agate_table.rows[0][0]


def test_dbt_caps_duckdb_memory_at_1gb_by_default(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERTRENDS_DUCKDB_MEMORY_LIMIT", raising=False)
    assert dbt_session_limit(world) == duckdb_renders("1GB") == "953.6 MiB"


def test_dbt_takes_the_memory_limit_variable(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERTRENDS_DUCKDB_MEMORY_LIMIT", "512MB")
    assert dbt_session_limit(world) == duckdb_renders("512MB") == "488.2 MiB"
