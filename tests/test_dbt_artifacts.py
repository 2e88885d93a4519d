"""A dbt command on a reused parse writes run_results.json every time and manifest.json once per parse.

dbt would serialize the whole manifest after every command (0.4-0.6 s of a build on
2 cores); pipeline/dbt_runner.py asks it for no JSON and writes the two artifacts
itself: run_results.json of each command (tests and bench read it) and manifest.json
(publish reads its column docs) only when the target dir does not hold the one of
the same parse. Two one-seed commands are enough to see both (no raw tables needed).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.dbt import project_fingerprint
from pipeline.dbt_runner import PARSE_MARK, invoke, parsed_manifest


def build_seed(target: Path, seed: str) -> list[str]:
    """``dbt seed --select <seed>`` on the process's parse; the unique ids its run_results.json lists."""
    manifest = parsed_manifest(target, "warehouse", project_fingerprint())
    result = invoke(["seed", "--select", seed], target, manifest=manifest)
    assert result.success, result.exception
    return [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]


def test_manifest_json_is_written_once_per_parse_and_run_results_every_time(world, tmp_path) -> None:
    target = tmp_path / "target"
    assert build_seed(target, "topics") == ["seed.papertrends.topics"]
    manifest = target / "manifest.json"
    written = manifest.stat().st_mtime_ns
    docs = json.loads(manifest.read_text())["nodes"]["model.papertrends.papers"]["columns"]["paper_id"]["description"]
    assert docs  # publish reads the column docs from here

    assert build_seed(target, "topic_rules") == ["seed.papertrends.topic_rules"]  # this command's results
    assert manifest.stat().st_mtime_ns == written  # the same parse: not serialized again

    (target / PARSE_MARK).unlink()  # a manifest.json of unknown origin is replaced
    build_seed(target, "topics")
    assert manifest.stat().st_mtime_ns != written
    assert (target / PARSE_MARK).exists()


def test_another_target_dir_gets_its_own_manifest_json(world, tmp_path) -> None:
    build_seed(tmp_path / "one", "topics")
    assert build_seed(tmp_path / "two", "topics") == ["seed.papertrends.topics"]
    assert (tmp_path / "two" / "manifest.json").exists()


def test_dbt_log_keeps_info_lines_and_drops_debug_ones(world, tmp_path) -> None:
    """dbt.log at info level (pipeline/dbt_events.py): the node results and the summary, not each SQL statement."""
    build_seed(tmp_path / "target", "topics")
    log = (tmp_path / "target" / "dbt.log").read_text(encoding="utf-8")
    assert "[info ]" in log and "Completed successfully" in log and "1 of 1 OK loaded seed file" in log
    assert "[debug]" not in log  # at debug, dbt logs every statement: "On seed.papertrends.topics: ..."
