"""Whether "the dbt project changed": one content hash, for the dbt step's skip and for ``prepare``."""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

from pipeline.settings import DBT_PROJECT_DIR

DBT_GENERATED = ("target", "logs", "dbt_packages")  # dbt's own output, not part of the project
# beside manifest.json in dbt_project/target, written by ``prepare``: the project content it was parsed
# from, and the catalog name its saved parse (partial_parse.msgpack) was made for (pipeline/dbt_parse_state.py)
FINGERPRINT_NAME = "manifest.fingerprint"
PARSE_DATABASE_NAME = "partial_parse.database"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """Hash of the dbt project's files (models, macros, seeds, tests, config) and of the dbt versions."""
    digest = hashlib.sha256(f"{version('dbt-core')} {version('dbt-duckdb')}".encode())
    tops = [p for p in project_dir.iterdir() if p.name not in DBT_GENERATED]
    for path in sorted(f for top in tops for f in ([top] if top.is_file() else top.rglob("*")) if f.is_file()):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
