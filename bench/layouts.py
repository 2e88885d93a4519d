"""Ingest throughput per layout: MB/s of a full ``ingest_landing`` on files of one layout.

``python -m bench.layouts`` generates sample days (the layouts rotate day by
day), puts each layout's files in a landing dir of its own and ingests each
into a fresh warehouse, best of ``--repeat`` runs. The figure covers the whole
ingest (read, hash, decode, layout check, parse, Pandera, DuckDB append), so
it is the rate a real run sees for that kind of file.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.run import END, FULL_PROFILE
from pipeline.ingest import ingest_landing
from pipeline.samples import LAYOUTS, generate


def split_by_layout(root: Path, days: int, seed: int = 2026) -> dict[str, Path]:
    """Landing dirs holding only one layout each."""
    manifest = generate(root / "all", days=days, end=END, seed=seed, **FULL_PROFILE)
    dirs = {layout: root / layout for layout in LAYOUTS}
    for layout_dir in dirs.values():
        layout_dir.mkdir()
    for sample in manifest.files:
        (root / "all" / sample.name).rename(dirs[sample.layout] / sample.name)
    return dirs


def measure(landing: Path, work: Path, repeat: int) -> dict[str, float]:
    """Best of ``repeat`` ingests of ``landing``: seconds, CPU seconds (all threads), MB and MB/s.

    CPU seconds are the steadier figure on a shared machine: other processes stretch the wall time.
    """
    runs = []
    for i in range(repeat):
        db = work / f"{landing.name}-{i}.duckdb"
        started, cpu = time.perf_counter(), time.process_time()
        summary = ingest_landing(landing, db)
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
        db.unlink()
    mb, (seconds, cpu_s) = summary.bytes_loaded / 1e6, min(runs)
    return {"seconds": seconds, "cpu_s": cpu_s, "mb": mb, "mb_s": mb / seconds, "mentions": summary.mentions_loaded}


def warm_up(dirs: dict[str, Path], work: Path) -> None:
    """One untimed ingest of one file of each layout first.

    A process's first ingest pays one-time costs: Pandera imports pandas (about 0.7 s), and polars and
    DuckDB compile their expressions. With ``--repeat 1`` (bench.refresh at 2,000 snapshots) these
    costs fell on whichever layout came first: blank_separated showed 5.8 MB/s against 16 with repeats.
    """
    landing = work / "warm-up"
    landing.mkdir()
    for layout_dir in dirs.values():
        first = min(layout_dir.iterdir())
        shutil.copy2(first, landing / first.name)
    ingest_landing(landing, work / "warm-up.duckdb")


def run(days: int, repeat: int) -> dict[str, dict[str, float]]:
    root = Path(tempfile.mkdtemp(prefix="papertrends-layouts-"))
    try:
        dirs = split_by_layout(root, days)
        warm_up(dirs, root)
        return {layout: measure(landing, root, repeat) for layout, landing in dirs.items()}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(figures: dict[str, dict[str, float]]) -> str:
    lines = ["| layout | MB | entries | seconds | CPU s | MB/s |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {layout} | {f['mb']:.1f} | {f['mentions']} | {f['seconds']:.2f} | {f['cpu_s']:.2f} | {f['mb_s']:.1f} |"
              for layout, f in figures.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.layouts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=200, help="generated days, shared out over the 4 layouts")
    parser.add_argument("--repeat", type=int, default=3, help="ingests per layout, best kept")
    args = parser.parse_args(argv)
    print(report(run(args.days, args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
