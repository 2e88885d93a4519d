"""Paths and fetch switches from the environment variables of DESIGN.md, resolved once per call.

This is the only module that reads ``PAPERTRENDS_*`` variables: the code
location builds its resources from here, so tests can build a whole world in
``tmp_path`` just by setting the variables, and a run's resource config can
still override every path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULTS = {
    "PAPERTRENDS_LANDING_DIR": "data/landing",
    "PAPERTRENDS_WAREHOUSE": "data/warehouse.duckdb",
    "PAPERTRENDS_ANALYTICS": "data/analytics.duckdb",
    "PAPERTRENDS_REPORT_DIR": "data/reports",
}


def env_path(name: str) -> Path:
    """Resolve one variable; relative values are taken from the project root."""
    return absolute(os.environ.get(name) or DEFAULTS[name])


def absolute(value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


# --- team mode (DESIGN.md: PAPERTRENDS_WAREHOUSE=ducklake:postgres:<conninfo>, PAPERTRENDS_LAKE_DATA_PATH) ---

LAKE_PREFIX = "ducklake:"
DEFAULT_LAKE_DATA_PATH = "data/lake"
DEFAULT_LAKE_KEEP_SNAPSHOTS = 10
DEFAULT_S3_REGION = "us-east-1"
DEFAULT_S3_ENDPOINT = "s3.amazonaws.com"


@dataclass(frozen=True)
class LakeSettings:
    """Team mode: a DuckLake catalog (``ducklake:postgres:<libpq conninfo>``) and where its Parquet files go.

    The pipeline's working lake (raw and dbt) and the published lake analysts
    read live in the same PostgreSQL database under two metadata schemas
    (``pipeline.lake``); ``keep_snapshots`` is how many snapshots of each survive a refresh.
    """

    catalog: str
    data_path: str
    keep_snapshots: int = DEFAULT_LAKE_KEEP_SNAPSHOTS

    def data_dir(self, part: str) -> str:
        """``<data_path>/<part>/``: a local directory (absolute) or an ``s3://`` prefix."""
        root = self.data_path if "://" in self.data_path else str(absolute(self.data_path))
        return f"{root.rstrip('/')}/" + (f"{part}/" if part else "")


def lake_settings(warehouse: str, data_path: str = "", keep_snapshots: int | None = None) -> LakeSettings | None:
    """The lake of a ``ducklake:`` warehouse value, None for a DuckDB file (the embedded default)."""
    if not warehouse.startswith(LAKE_PREFIX):
        return None
    return LakeSettings(warehouse, data_path or DEFAULT_LAKE_DATA_PATH,
                        DEFAULT_LAKE_KEEP_SNAPSHOTS if keep_snapshots is None else keep_snapshots)


@dataclass(frozen=True)
class S3Settings:
    """How DuckDB (httpfs) reaches an ``s3://`` lake data path, from the usual AWS variables.

    ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` (temporary
    credentials), ``AWS_REGION`` (else ``AWS_DEFAULT_REGION``, else us-east-1) and
    ``AWS_ENDPOINT_URL`` for an S3-compatible server such as MinIO: its scheme sets SSL
    (``http://`` turns it off) and, since such servers rarely resolve ``<bucket>.<host>``,
    it switches to path-style URLs unless ``PAPERTRENDS_S3_URL_STYLE`` (path|vhost) says otherwise.
    """

    key_id: str = ""
    secret: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)
    region: str = DEFAULT_S3_REGION
    endpoint: str = DEFAULT_S3_ENDPOINT
    url_style: str = "vhost"
    use_ssl: bool = True

    @classmethod
    def from_env(cls) -> "S3Settings":
        url = os.environ.get("AWS_ENDPOINT_URL", "").strip().rstrip("/")
        scheme, _, host = url.rpartition("://") if "://" in url else ("https", "", url)
        style = os.environ.get("PAPERTRENDS_S3_URL_STYLE", "").strip().lower() or ("path" if url else "vhost")
        if style not in ("path", "vhost") or scheme not in ("http", "https"):
            raise ValueError(f"PAPERTRENDS_S3_URL_STYLE={style!r} / AWS_ENDPOINT_URL scheme {scheme!r}: "
                             "expected path|vhost and http|https")
        return cls(os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                   os.environ.get("AWS_SESSION_TOKEN", ""),
                   os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_S3_REGION,
                   host or DEFAULT_S3_ENDPOINT, style, scheme == "https")

    def secret_options(self) -> dict[str, str | bool]:
        """The options of DuckDB's ``CREATE SECRET (TYPE s3, ...)``; empty credentials are left out."""
        options: dict[str, str | bool] = {"REGION": self.region, "ENDPOINT": self.endpoint,
                                          "URL_STYLE": self.url_style, "USE_SSL": self.use_ssl}
        for name, value in (("KEY_ID", self.key_id), ("SECRET", self.secret), ("SESSION_TOKEN", self.session_token)):
            if value:
                options[name] = value
        return options

    def dbt_environment(self) -> dict[str, str]:
        """What dbt's profile (target ``lake``, ``secrets:``) reads besides the AWS key variables."""
        return {"PAPERTRENDS_S3_REGION": self.region, "PAPERTRENDS_S3_ENDPOINT": self.endpoint,
                "PAPERTRENDS_S3_URL_STYLE": self.url_style, "PAPERTRENDS_S3_USE_SSL": str(self.use_ssl).lower()}


def lake_keep_snapshots() -> int:
    """PAPERTRENDS_LAKE_KEEP_SNAPSHOTS: snapshots of each lake kept (time travel) after a refresh."""
    raw = os.environ.get("PAPERTRENDS_LAKE_KEEP_SNAPSHOTS", "").strip()
    if raw and not (raw.isdigit() and int(raw) >= 1):
        raise ValueError(f"PAPERTRENDS_LAKE_KEEP_SNAPSHOTS={raw!r} is not a whole number >= 1")
    return int(raw) if raw else DEFAULT_LAKE_KEEP_SNAPSHOTS


@dataclass(frozen=True)
class Settings:
    """Where everything is. In team mode ``lake`` is set and ``warehouse`` is only a local
    working name beside ``analytics`` (dbt's target dir and the run log are kept there)."""

    landing_dir: Path
    warehouse: Path
    analytics: Path
    report_dir: Path
    lake: LakeSettings | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        return cls.resolve(
            os.environ.get("PAPERTRENDS_LANDING_DIR") or DEFAULTS["PAPERTRENDS_LANDING_DIR"],
            os.environ.get("PAPERTRENDS_WAREHOUSE") or DEFAULTS["PAPERTRENDS_WAREHOUSE"],
            os.environ.get("PAPERTRENDS_ANALYTICS") or DEFAULTS["PAPERTRENDS_ANALYTICS"],
            os.environ.get("PAPERTRENDS_REPORT_DIR") or DEFAULTS["PAPERTRENDS_REPORT_DIR"],
            os.environ.get("PAPERTRENDS_LAKE_DATA_PATH", ""),
            lake_keep_snapshots(),
        )

    @classmethod
    def resolve(cls, landing_dir: str, warehouse: str, analytics: str, report_dir: str,
                lake_data_path: str = "", keep_snapshots: int | None = None) -> "Settings":
        """Absolute paths from configured values; a ``ducklake:`` warehouse switches to team mode."""
        lake = lake_settings(warehouse, lake_data_path, keep_snapshots)
        published = absolute(analytics)
        return cls(absolute(landing_dir), published.with_name("lake") if lake else absolute(warehouse),
                   published, absolute(report_dir), lake)

    @property
    def warehouse_value(self) -> str:
        """What PAPERTRENDS_WAREHOUSE holds for this world: the lake's catalog or the file's path."""
        return self.lake.catalog if self.lake else str(self.warehouse)

    @property
    def analytics_source(self) -> "Path | LakeSettings":
        """What analysts (and the report) read: the published file, or the published lake in team mode."""
        return self.lake or self.analytics


def dagster_home() -> str:
    """DAGSTER_HOME as set (empty when unset): the instance a run was recorded in."""
    return os.environ.get("DAGSTER_HOME", "")


DEFAULT_LOCK_TIMEOUT_S = 120.0
DEFAULT_SCHEDULE_CRON = "0 6 * * *"


def lock_timeout_s() -> float:
    """PAPERTRENDS_LOCK_TIMEOUT_S: seconds a writing step waits for the warehouse lock."""
    raw = os.environ.get("PAPERTRENDS_LOCK_TIMEOUT_S", "").strip()
    try:
        return float(raw) if raw else DEFAULT_LOCK_TIMEOUT_S
    except ValueError:
        raise ValueError(f"PAPERTRENDS_LOCK_TIMEOUT_S={raw!r} is not a number of seconds") from None


def schedule_cron() -> str:
    """PAPERTRENDS_SCHEDULE_CRON: when daily_refresh_schedule runs (UTC)."""
    return os.environ.get("PAPERTRENDS_SCHEDULE_CRON") or DEFAULT_SCHEDULE_CRON


@contextmanager
def dbt_warehouse_env(warehouse: Path | str) -> Iterator[None]:
    """Point dbt's profiles.yml (``env_var('PAPERTRENDS_WAREHOUSE')``) at ``warehouse`` for one call.

    dbt runs in this process and renders its profile from the environment, so
    the resource's path (which a run's config may override) must be in the
    environment meanwhile. A ``ducklake:`` value selects the profile's ``lake``
    target (PAPERTRENDS_DBT_TARGET), which attaches that catalog, and sets the
    derived ``PAPERTRENDS_S3_*`` values its S3 secret reads (``S3Settings``).
    """
    lake = str(warehouse).startswith(LAKE_PREFIX)
    wanted = {"PAPERTRENDS_WAREHOUSE": str(warehouse), "PAPERTRENDS_DBT_TARGET": "lake" if lake else "dev",
              **(S3Settings.from_env().dbt_environment() if lake else {})}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the live fetch (DESIGN.md: PAPERTRENDS_FETCH, PAPERTRENDS_FETCH_START, PAPERTRENDS_HF_BASE_URL) ---

DEFAULT_HF_BASE_URL = "https://huggingface.co"
DEFAULT_FETCH_LOOKBACK_DAYS = 30
TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class FetchSettings:
    """Whether the daily fetch runs on its schedule, its first partition, and where the API is."""

    enabled: bool
    start: date
    base_url: str

    @classmethod
    def from_env(cls, today: date | None = None) -> "FetchSettings":
        today = today or datetime.now(UTC).date()
        raw_start = os.environ.get("PAPERTRENDS_FETCH_START", "").strip()
        try:
            start = date.fromisoformat(raw_start) if raw_start else today - timedelta(days=DEFAULT_FETCH_LOOKBACK_DAYS)
        except ValueError:
            raise ValueError(f"PAPERTRENDS_FETCH_START={raw_start!r} is not an ISO date (YYYY-MM-DD)") from None
        return cls(
            enabled=os.environ.get("PAPERTRENDS_FETCH", "").strip().lower() in TRUE_WORDS,
            start=start,
            base_url=(os.environ.get("PAPERTRENDS_HF_BASE_URL") or DEFAULT_HF_BASE_URL).strip().rstrip("/"),
        )


def landing_dir_configured() -> bool:
    """True when the operator chose a landing dir (then it never receives invented data)."""
    return bool(os.environ.get("PAPERTRENDS_LANDING_DIR"))
