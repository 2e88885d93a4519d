"""Team mode: DuckDB connections to the DuckLake catalogs in PostgreSQL (README: Team mode).

Two lakes share one PostgreSQL database (two metadata schemas) and one data path:

- the **warehouse** lake (``WAREHOUSE_SCHEMA``): ``raw`` written by ingest,
  then staging, intermediate and marts built by dbt, many commits per refresh;
- the **published** lake (``PUBLISHED_SCHEMA``): what analysts attach as
  ``papertrends``. Publish copies the marts into it in one transaction, so each
  refresh is one DuckLake snapshot there: a reader sees the previous refresh or
  the new one, never half.

Only the warehouse resource (through ``pipeline.warehouse``) and the analysts'
``lake-sql`` call this module; nothing else attaches a lake. The DuckDB
extensions come from wheels: they are installed once into DuckDB's own
extension directory, so a plain ``LOAD`` (and dbt-duckdb's ``extensions:``)
then works offline. An ``s3://`` data path goes through httpfs with a secret made
from the usual AWS variables (``settings.S3Settings``; README: Team mode).
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from pipeline.settings import LakeSettings, S3Settings

WAREHOUSE_SCHEMA = "papertrends_warehouse"  # also in dbt_project/profiles.yml (target lake)
PUBLISHED_SCHEMA = "papertrends_published"
WAREHOUSE_ALIAS = "lake"  # dbt's database in team mode
PUBLISHED_ALIAS = "papertrends"
SOURCE_ALIAS = "source_wh"  # the warehouse lake, read-only, while publish copies from it (publish.SOURCE)
# wheel module -> the name DuckDB loads it under (the postgres wheel's file must be renamed)
EXTENSIONS = {"ducklake": "ducklake", "postgres": "postgres_scanner", "httpfs": "httpfs"}
S3_SECRET = "papertrends_s3"  # a temporary (in-memory) secret of each connection, never written to disk


def attach_sql(path: Path | str, alias: str, *, read_only: bool = False, options: dict[str, str] | None = None) -> str:
    """``ATTACH '<path>' AS alias``: DuckDB 1.5 takes no parameter in ATTACH, so the path is quoted here, once.

    The path (a file, or a lake's ``ducklake:postgres:<conninfo>``) and the option values
    are the operator's configuration, never paper data; a NUL byte is refused and a quote
    is doubled (SQL string-literal rules), so no value can end its literal.
    """
    values = [str(path), *(options or {}).values()]
    if any("\x00" in v for v in values) or not alias.isidentifier() or not all(k.isidentifier() for k in options or {}):
        raise ValueError(f"cannot attach {str(path)!r} as {alias!r}")

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    parts = (["READ_ONLY"] if read_only else []) + [f"{key} {literal(v)}" for key, v in (options or {}).items()]
    return f"ATTACH {literal(str(path))} AS {alias}" + (f" ({', '.join(parts)})" if parts else "")


@cache
def install_extensions() -> None:
    """Install the wheels' extensions into DuckDB's extension directory (once per process; no network)."""
    con = duckdb.connect()
    try:
        installed = {name for (name,) in con.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE installed").fetchall()}
        with tempfile.TemporaryDirectory() as tmp:
            for module, name in EXTENSIONS.items():
                if name in installed:
                    continue
                package = Path(importlib.import_module(f"duckdb_extension_{module}").__file__).parent
                version = con.execute("PRAGMA version").fetchone()[0]
                source = package / "extensions" / version / f"{module}.duckdb_extension"
                target = Path(tmp) / f"{name}.duckdb_extension"
                shutil.copyfile(source, target)
                con.execute(f"INSTALL '{target}'")  # our own temporary path, not data
    finally:
        con.close()


_VERIFIED: set[str] = set()  # extensions this process has loaded once with their signature checked


def loaded_connection(lake: LakeSettings | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the ducklake and postgres extensions loaded; for a lake whose
    data path is ``s3://``, httpfs too and an S3 secret from the AWS variables.

    DuckDB checks an extension's signature on every LOAD (about 0.2 s CPU each for these 40 MB
    files; a team refresh opens about ten connections). The first load in a process checks it;
    later connections skip the check for extensions already loaded from the same installed
    path, which the process has mapped already (the loader reuses a library loaded by path).
    """
    install_extensions()
    names = ["ducklake", "postgres", *(["httpfs"] if lake is not None and lake.data_path.startswith("s3://") else [])]
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"} if _VERIFIED.issuperset(names) else {})
    con.execute("; ".join(f"LOAD {name}" for name in names))
    _VERIFIED.update(names)
    if "httpfs" in names:
        create_s3_secret(con, S3Settings.from_env())
    return con


def create_s3_secret(con: duckdb.DuckDBPyConnection, s3: S3Settings) -> None:
    """``CREATE SECRET`` with every value a parameter: no key reaches the SQL text, a log or an error."""
    options = s3.secret_options()  # option names are ours (S3Settings), the values the operator's
    names = "".join(f", {name} ?" for name in options)
    con.execute(f"CREATE OR REPLACE SECRET {S3_SECRET} (TYPE s3{names})", list(options.values()))


def attach(con: duckdb.DuckDBPyConnection, lake: LakeSettings, which: str, *, read_only: bool = False) -> None:
    """ATTACH one of the two lakes (``which``: "warehouse" or "published") under its alias."""
    schema, alias = ((WAREHOUSE_SCHEMA, WAREHOUSE_ALIAS) if which == "warehouse"
                     else (PUBLISHED_SCHEMA, PUBLISHED_ALIAS))
    options = {"METADATA_SCHEMA": schema}
    if not read_only:
        options["DATA_PATH"] = lake.data_dir(which)
        if "://" not in lake.data_path:
            Path(options["DATA_PATH"]).mkdir(parents=True, exist_ok=True)
    con.execute(attach_sql(lake.catalog, alias, read_only=read_only, options=options))


# This process's DuckDB instances, one per kind of connection (lake, which, read-only, source): a
# team refresh asked for ten connections, each a new DuckDB with its extensions loaded, its S3 secret
# made and its lakes attached in PostgreSQL (~0.3 s each); it now makes four, and each connection is
# a cursor of one of them. An attached DuckLake starts each transaction at the newest snapshot in its
# catalog, so a kept instance sees what other processes (dbt, other machines) commit meanwhile.
_INSTANCES: dict[tuple, duckdb.DuckDBPyConnection] = {}
_ATTACHING = threading.Lock()  # a daemon's sensors run in threads: one ATTACH of an alias, not two


def _instance(lake: LakeSettings, which: str, read_only: bool, source: bool) -> tuple[tuple, duckdb.DuckDBPyConnection]:
    """The kept instance for this kind of connection (a new one after a fork or when the S3 variables change)."""
    s3 = S3Settings.from_env() if lake.data_path.startswith("s3://") else None
    key = (os.getpid(), lake, s3, which, read_only, source)
    if key not in _INSTANCES:
        _INSTANCES[key] = loaded_connection(lake)
    return key, _INSTANCES[key]


@contextmanager
def connect(lake: LakeSettings, which: str = "warehouse", *, read_only: bool = False,
            source: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose default catalog is that lake; ``source`` also attaches the warehouse
    lake read-only as ``source_wh`` (what publish copies from). The lakes stay attached in this
    process's instance for the next connection of the same kind."""
    key, base = _instance(lake, which, read_only, source)
    alias = WAREHOUSE_ALIAS if which == "warehouse" else PUBLISHED_ALIAS
    con = None
    try:
        with _ATTACHING:
            attached = {name for (name,) in base.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
            if alias not in attached:
                attach(base, lake, which, read_only=read_only)
            if source and SOURCE_ALIAS not in attached:  # publish detaches it once its copy is committed
                base.execute(attach_sql(lake.catalog, SOURCE_ALIAS, read_only=True,
                                        options={"METADATA_SCHEMA": WAREHOUSE_SCHEMA}))
            con = base.cursor()
        con.execute(f"USE {alias}")
        yield con
    except duckdb.Error:
        _INSTANCES.pop(key, None)  # a lost server or a failed attach: the next connection starts afresh
        raise
    finally:
        if con is not None:
            con.close()


def expire_snapshots(con: duckdb.DuckDBPyConnection, alias: str, keep: int) -> int:
    """Expire all but the newest ``keep`` snapshots of an attached lake and delete their files; how many expired."""
    old = [sid for (sid,) in con.execute(
        f"SELECT snapshot_id FROM {alias}.snapshots() ORDER BY snapshot_id DESC OFFSET ?", [keep]).fetchall()]  # noqa: S608
    if old:
        con.execute("CALL ducklake_expire_snapshots(?, versions => ?)", [alias, old])
        con.execute("CALL ducklake_cleanup_old_files(?, cleanup_all => true)", [alias])
    return len(old)


def published_exists(lake: LakeSettings) -> bool:
    """True once a refresh has published into the lake (its ``main.meta`` exists)."""
    try:
        with connect(lake, "published", read_only=True) as con:
            return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'meta'",
                               [PUBLISHED_ALIAS]).fetchone()[0] > 0
    except duckdb.InvalidInputException:  # "Existing DuckLake ... does not exist": nothing published yet
        return False
