"""The benchmark harness in smoke mode (3 tiny files, each phase once: what ``--quick`` runs minus the small
history's refreshes, the same code), so ``make bench`` does not rot, and the ingest fast paths it led to."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from bench.run import BEGIN, END, END_MARK, SEED, SMOKE_PROFILE, write_report
from pipeline.ingest.common import HEADER_RE, is_header
from pipeline.ingest.discover import control_count
from pipeline.samples import generate
from pipeline.settings import PROJECT_ROOT

PHASES = (
    "floor: DuckDB read_text, 3 files",
    "ingest 3 snapshots (parse + Pandera + load)",
    "dbt build, full (3 snapshots)",
    "full refresh 3: ingest + dbt (processes)",
    "incremental refresh, 3 snapshots of history",
    "peer: pandas + sqlite, 3 files",
)


@pytest.fixture()
def world_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every PAPERTRENDS_* variable into tmp_path: the harness must not touch them anyway."""
    for name, rel in (("LANDING_DIR", "landing"), ("WAREHOUSE", "w.duckdb"), ("ANALYTICS", "a.duckdb"), ("REPORT_DIR", "r")):
        monkeypatch.setenv(f"PAPERTRENDS_{name}", str(tmp_path / "world" / rel))
    return tmp_path


def test_smoke_benchmark_runs_every_phase_with_sane_figures(world_env: Path) -> None:
    out, raw = world_env / "BENCH.md", world_env / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--json", str(raw)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for phase in PHASES:
        assert re.search(rf"^\| {re.escape(phase)} +\|", proc.stdout, re.MULTILINE), phase
    assert "snapshots of history" not in proc.stdout.replace("incremental refresh, 3 snapshots of history", "")
    assert BEGIN in out.read_text() and PHASES[-1] in out.read_text()
    assert not (world_env / "world").exists()

    # The truth, regenerated here: the first 3 days are the history, day 4 the new snapshot.
    manifest = generate(world_env / "truth", days=4, end=END, seed=SEED, **SMOKE_PROFILE)
    history = sum(f.n_entries for f in manifest.files[:3])
    fig = json.loads(raw.read_text())
    assert fig["expected_mentions"] == history
    assert (fig["ingest"]["snapshots"], fig["ingest"]["mentions"], fig["ingest"]["mentions_rejected"]) == (3, history, 0)
    assert fig["peer"]["entries"] == history and fig["peer"]["files"] == 3
    assert fig["bytes"] == sum((world_env / "truth" / f.name).stat().st_size for f in manifest.files[:3])
    large = fig["incremental_large"]
    assert (large["ingest"]["snapshots"], large["ingest"]["mentions"]) == (1, manifest.files[3].n_entries)
    assert large["dbt"]["error"] is None and large["dbt"]["nodes"]
    assert "small_setup" not in fig and "incremental_small" not in fig
    timed = [fig["floor"], fig["ingest"], fig["dbt_full"], fig["peer"], large]
    assert all(0 < t["seconds"] < 200 and 0 <= t["cpu_s"] < 400 for t in timed)
    assert all(30 < t["rss_mb"] < 4096 for t in timed[:4])
    assert fig["dbt_full"]["error"] is None and fig["dbt_full"]["nodes"]
    for run in (fig["dbt_full"], large["dbt"]):  # the smoke's selection (SMOKE_DBT_ARGS): the papers mart, built
        assert ["model.papertrends.papers", "success"] in [[uid, status] for uid, _, status in run["nodes"]]


def test_report_keeps_the_hand_written_text_around_the_generated_block(tmp_path: Path) -> None:
    out = tmp_path / "B.md"
    write_report(out, "first figures")
    out.write_text(out.read_text().replace("# Benchmarks\n", "# Benchmarks\n\nintro by hand\n") + "\n## Notes\nkept\n")
    write_report(out, "second figures")
    assert out.read_text() == f"# Benchmarks\n\nintro by hand\n\n{BEGIN}\nsecond figures\n{END_MARK}\n\n## Notes\nkept\n"


def test_header_fast_path_matches_the_squashed_lowercase_definition() -> None:
    # is_header no longer copies every paragraph; it must accept exactly what
    # "remove white space, lower-case, match HEADER_RE" accepted.
    units = ["new", " N e W ", "Subscribe", "SUBSCRIBE\u00a0", "byAK and the research community", "by A\u212a and the research community",
             "Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox", "Daily\tPapers",
             "news", "Subscribe now", "Daily Papers!", "new paper on attention", "", "İnbox", "A\nnew", "Sub scribe"]
    frame = pl.DataFrame({"u": units})
    slow = frame.select(pl.col("u").str.replace_all(r"\s+", "").str.to_lowercase().str.contains(HEADER_RE))["u"]
    assert frame.select(is_header("u"))["u"].to_list() == slow.to_list()
    assert slow.sum() == 10


def test_control_count_matches_the_regex_definition() -> None:
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    for text in ("plain\ttext\r\n", "a\x00b\x1fc\x7f", "é\x01ü\x0b\x0c€\x0e😀\x1b", "", "\x7f" * 5):
        assert control_count(text) == len(control.findall(text))
