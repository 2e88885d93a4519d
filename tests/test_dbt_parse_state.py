"""A new warehouse's first dbt parse starts from ``make setup``'s saved parse (pipeline/dbt_parse_state.py).

dbt's own rule rejects a saved parse when the DuckDB path differs; ours drops
only the path from that check. The seeded parse must give the very nodes of
the full parse ``make setup`` made, and a saved parse of another catalog name
(written into every node) must still be rejected.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.dbt_parse_state import PREPARED, PREPARED_DATABASE, seed
from pipeline.dbt_runner import invoke
from pipeline.settings import DBT_PROJECT_DIR

FULL_PARSE = "Starting full parse"
REJECTED = "Unable to do partial parsing"


def comparable(node: dict[str, Any]) -> dict[str, Any]:
    """A node as manifest.json holds it, without the parse's time and with its (unordered) inputs sorted."""
    node = {k: v for k, v in node.items() if k != "created_at"}
    if isinstance(node.get("depends_on"), dict):
        node["depends_on"] = {k: sorted(v) for k, v in node["depends_on"].items()}
    if "sources" in node:
        node["sources"] = sorted(node["sources"])
    return node


def parse(target: Path) -> tuple[Any, str]:
    result = invoke(["parse", "--no-write-json"], target)
    assert result.success, result.exception
    return result.result, (target / "dbt.log").read_text(encoding="utf-8")


def test_a_new_warehouse_path_parses_from_the_prepared_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = PREPARED_DATABASE.read_text(encoding="utf-8")  # `warehouse` under make setup's defaults
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(tmp_path / "elsewhere" / f"{database}.duckdb"))
    target = tmp_path / "target"
    seed(target, DBT_PROJECT_DIR, database)
    assert (target / "partial_parse.msgpack").read_bytes() == PREPARED.read_bytes()

    manifest, log = parse(target)
    assert FULL_PARSE not in log and REJECTED not in log, log
    prepared = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    seeded = manifest.writable_manifest().to_dict(omit_none=False)["nodes"]
    assert sorted(seeded) == sorted(prepared)
    assert len(seeded) > 60
    for unique_id, node in seeded.items():  # manifest.json leaves out a few internal fields (config_call_dict)
        written = comparable(prepared[unique_id])
        assert {k: v for k, v in comparable(node).items() if k in written} == written, unique_id
    assert {node["database"] for node in seeded.values()} == {database}


def test_a_saved_parse_of_another_catalog_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(tmp_path / "other.duckdb"))
    target = tmp_path / "target"
    seed(target, DBT_PROJECT_DIR, "other")
    assert not (target / "partial_parse.msgpack").exists()  # not copied: dbt would load it only to reject it

    target.mkdir()
    shutil.copyfile(PREPARED, target / "partial_parse.msgpack")  # were it there, dbt parses the project again
    manifest, log = parse(target)
    assert f"{REJECTED} because profile has changed" in log
    assert {node.database for node in manifest.nodes.values()} == {"other"}
