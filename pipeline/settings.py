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
from dataclasses import dataclass
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
    path = Path(os.environ.get(name) or DEFAULTS[name])
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    analytics: Path
    report_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            landing_dir=env_path("PAPERTRENDS_LANDING_DIR"),
            warehouse=env_path("PAPERTRENDS_WAREHOUSE"),
            analytics=env_path("PAPERTRENDS_ANALYTICS"),
            report_dir=env_path("PAPERTRENDS_REPORT_DIR"),
        )


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
def dbt_warehouse_env(warehouse: Path) -> Iterator[None]:
    """Point dbt's profiles.yml (``env_var('PAPERTRENDS_WAREHOUSE')``) at ``warehouse`` for one call.

    dbt runs in this process and renders its profile from the environment, so
    the resource's path (which a run's config may override) must be in the
    environment meanwhile.
    """
    saved = os.environ.get("PAPERTRENDS_WAREHOUSE")
    os.environ["PAPERTRENDS_WAREHOUSE"] = str(warehouse)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PAPERTRENDS_WAREHOUSE", None)
        else:
            os.environ["PAPERTRENDS_WAREHOUSE"] = saved


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
