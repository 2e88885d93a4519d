"""Team mode with ``PAPERTRENDS_LAKE_DATA_PATH=s3://bucket/prefix`` (issue 19): the S3 settings.

How the AWS variables become DuckDB's S3 secret, and that its values never
enter the SQL text. A whole team refresh into a bucket (an S3 server on
127.0.0.1) is part of tests/test_team.py's one team world.
"""

from __future__ import annotations

import pytest

from pipeline.settings import S3Settings, Settings

try:
    import duckdb_extension_httpfs  # noqa: F401

    from pipeline import lake
except ImportError as missing:  # pragma: no cover - the locked dev environment has it
    pytest.skip(f"the S3 settings tests need the httpfs wheel: {missing}", allow_module_level=True)

KEYS = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "eu-west-3"}


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


def test_the_run_summary_names_the_ui_of_the_instance_the_run_is_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Team-mode runs are in PostgreSQL, not in .dagster_home: `make dev` would not show them."""
    from pipeline.team import TEAM_DIR, ui_hint

    team = Settings.resolve("landing", "ducklake:postgres:dbname=postgres host=/pg user=postgres", "a.duckdb", "reports")
    monkeypatch.setenv("DAGSTER_HOME", str(TEAM_DIR / "dagster_home"))
    assert ui_hint(team).startswith("make dev-team ")
    monkeypatch.setenv("DAGSTER_HOME", "/srv/papertrends/home")
    assert ui_hint(team).startswith("DAGSTER_HOME=/srv/papertrends/home .venv/bin/dagster dev -w workspace.yaml ")
    assert ui_hint(Settings.resolve("landing", "w.duckdb", "a.duckdb", "reports")).startswith("make dev ")
