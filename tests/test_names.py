"""One definition per fact: the copies that cannot import the source are checked against it."""

from __future__ import annotations

import tomllib

import yaml

from pipeline import names
from pipeline.ingest.dispatch import PARSERS
from pipeline.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def _accepted_values(table: str, column: str) -> list[str]:
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    [raw] = [s for s in sources["sources"] if s["name"] == "raw"]
    [spec] = [t for t in raw["tables"] if t["name"] == table]
    return next(t["table_rules"]["arguments"]["accepted_values"][column] for t in spec["data_tests"] if "table_rules" in t)


def test_layout_and_date_source_names_have_one_definition() -> None:
    assert tuple(PARSERS) == names.LAYOUTS
    assert tuple(_accepted_values("snapshots", "layout")) == names.LAYOUTS
    assert tuple(_accepted_values("snapshots", "snapshot_date_source")) == names.DATE_SOURCES


def test_dependencies_are_what_the_code_imports() -> None:
    deps = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    declared = {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps}
    assert "urllib3" in declared  # imported by pipeline/fetch.py
    assert "dagster-duckdb" not in declared  # never imported
    code = "".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "pipeline").rglob("*.py"))
    assert "dagster_duckdb" not in code and "import urllib3" in code
    assert any(d.startswith("dagster-dbt") and "<" in d for d in deps)  # internals used: bounded


def test_prepare_asks_whether_the_project_changed_by_content_as_the_dbt_step_does(tmp_path) -> None:
    from pipeline.cli import manifest_is_current
    from pipeline.dbt_fingerprint import FINGERPRINT_NAME, PARSE_DATABASE_NAME, project_fingerprint

    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")  # newer than every project file: an mtime rule would call it current
    assert not manifest_is_current(manifest)  # no record of what it was parsed from
    (tmp_path / FINGERPRINT_NAME).write_text("a project edited since")
    assert not manifest_is_current(manifest)
    (tmp_path / FINGERPRINT_NAME).write_text(project_fingerprint())
    assert not manifest_is_current(manifest)  # prepared before its saved parse's catalog name was recorded
    (tmp_path / PARSE_DATABASE_NAME).write_text("warehouse")
    assert manifest_is_current(manifest)
