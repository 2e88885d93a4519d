"""Which build the delivered files (analytics file and report) come from, so a no-op run can trust them.

The dbt step skips dbt, publish and report only when the analytics file's
``meta.build_id`` names the current build (raw and dbt project fingerprints,
as recorded in ``ops.dbt_builds``) made with the current delivery code, and
the report carries the same id. A publish or report that failed once, or a
change to their code, therefore makes the next run deliver again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from pipeline.settings import LakeSettings
from pipeline.warehouse import connect_analytics

PIPELINE_DIR = Path(__file__).resolve().parent
# The code whose output is the delivered files: a change to any of them must publish again.
DELIVERY_CODE = ("publish.py", "report.py", "quality.py", "delivery.py", "templates/report.html.j2")
REPORT_NAME = "trends.html"


def delivery_fingerprint() -> str:
    """Hash of the delivery code's files."""
    digest = hashlib.sha256()
    for name in DELIVERY_CODE:
        digest.update(name.encode() + b"\0" + (PIPELINE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()


def build_id(state: tuple[str, str] | None) -> str | None:
    """Id of the delivery of a build state (raw fingerprint, project fingerprint); None for no complete build."""
    if state is None:
        return None
    return hashlib.sha256(f"{state[0]}:{state[1]}:{delivery_fingerprint()}".encode()).hexdigest()


def report_marker(build: str | None) -> str:
    """The ``<meta>`` line of the report that names the build it shows."""
    return f'<meta name="papertrends-build" content="{build or ""}">'


def delivered(analytics: Path | LakeSettings, report_dir: Path, state: tuple[str, str]) -> bool:
    """The analytics file (or published lake) and the report were both written, successfully, from ``state`` by this code."""
    expected = build_id(state)
    report = report_dir / REPORT_NAME
    if not report.is_file() or (isinstance(analytics, Path) and not analytics.is_file()):
        return False
    try:
        with connect_analytics(analytics) as con:
            row = con.execute("SELECT build_id FROM meta").fetchone()
    except duckdb.Error:  # an older file without build_id, nothing published in the lake, not a DuckDB file: deliver again
        return False
    return row is not None and row[0] == expected and report_marker(expected) in report.read_text(encoding="utf-8")
