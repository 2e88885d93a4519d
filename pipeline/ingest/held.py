"""What the warehouse holds, readable without opening it: the content-hash index.

The landing sensor must know which files are already loaded, but it must not
open the warehouse: a DuckDB file has one writer, and even a short read-only
open by the sensor would make a run starting at that moment fail to get the
file. So every ingest (and ``drop-samples``) writes, beside the warehouse and
while it still holds the warehouse lock, the hashes it would skip next time:
``raw.snapshots.snapshot_id`` and ``raw.rejected_files.sha256`` minus the
contents an older parser read (those are read again). The file is replaced
atomically, so a reader sees the old or the new list, never half of one. It
is written after the rows commit, so it never names a content the warehouse
lacks; a crash in between costs at most one refresh that finds nothing new.
In team mode the sensor reads the lake instead (``read_held``): many readers
are what DuckLake is for, and every worker then sees the same held contents.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipeline import warehouse
from pipeline.ingest.dispatch import PARSER_VERSION
from pipeline.settings import Settings


def index_path(warehouse_path: Path) -> Path:
    """``.<stem>.held`` beside the warehouse file (like its lock file and dbt target)."""
    return warehouse_path.parent / f".{warehouse_path.stem}.held"


def held_contents(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Hashes the next ingest skips: loaded or rejected by the current parser."""
    return warehouse.known_contents(con) - set(warehouse.outdated_contents(con, PARSER_VERSION))


def write_index(con: duckdb.DuckDBPyConnection, warehouse_path: Path) -> None:
    """Replace the index with what ``con`` holds now (call with the warehouse lock held)."""
    target = index_path(warehouse_path)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.write_text("".join(f"{sha}\n" for sha in sorted(held_contents(con))), encoding="ascii")
    os.replace(tmp, target)


def read_held(settings: Settings) -> set[str] | None:
    """What the landing sensor skips: the index file beside a DuckDB warehouse, or in team mode the
    lake itself (read-only: DuckLake readers never block its writers, and a file beside the local
    working name would be per machine, blind to what another worker ingested); None when nothing
    was ingested yet."""
    if settings.lake is None:
        return read_index(settings.warehouse)
    from pipeline import lake

    try:
        with lake.connect(settings.lake, "warehouse", read_only=True) as con:
            return held_contents(con)
    except duckdb.CatalogException:  # the lake has no raw tables yet
        return None
    except duckdb.InvalidInputException:  # "Existing DuckLake ... does not exist": no lake yet
        return None


def read_index(warehouse_path: Path) -> set[str] | None:
    """The hashes the warehouse holds, or None when no ingest wrote the index yet."""
    try:
        return set(index_path(warehouse_path).read_text(encoding="ascii").split())
    except FileNotFoundError:
        return None
