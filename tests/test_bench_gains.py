"""The held-gains block of ``make bench`` and the per-layout ingest rate it includes."""

from __future__ import annotations

from pathlib import Path

from bench import held_gains, layouts
from bench.run import END, FULL_PROFILE
from pipeline.samples import LAYOUTS, generate


def test_block_gives_each_figure_with_its_ratio_to_the_bare_import_and_to_the_peer() -> None:
    fig = {
        "history": 110, "bytes_history": 210_000_000, "bytes_small": 10_000_000,
        "cold_small": {"wall": 5.0}, "cold_big": {"wall": 25.0}, "plus_one": {"wall": 12.0}, "noop": {"wall": 6.0},
        "floors": {"import_dagster_dbt": 3.0}, "peer": {"files": 100, "seconds": 2.0},
        "layouts": {"line_pairs": {"mb": 4.4, "seconds": 0.5, "cpu_s": 0.4, "mb_s": 8.8}},
    }
    # 200 MB in the 20 s the backfill took beyond the 10-snapshot run: 10 MB/s, 20 s / 100 snapshots = 200 ms each;
    # the peer took 2 s for 100 files = 20 ms each.
    assert held_gains.marginal(fig) == (10.0, 200.0)
    lines = held_gains.block(fig).splitlines()
    assert "| marginal rate (whole process) | 10.0 MB/s = 200.0 ms per snapshot | – | 10.0x (peer 20.0 ms per snapshot) |" in lines
    assert "| +1 snapshot on 110 of history | 12.0 s | 4.0x | 600.0x |" in lines
    assert "| no-op | 6.0 s | 2.0x | – |" in lines
    assert "| cold backfill of 110 in one run | 25.0 s | 8.3x | 12.5x (peer 2.0 s) |" in lines
    assert "| line_pairs | 4.4 | 0.50 | 0.40 | 8.8 |" in lines

    # A backfill no slower than the small run (noise in a quick run) gives no rate rather than a huge one.
    noisy = {**fig, "cold_big": {"wall": 4.0}}
    assert held_gains.marginal(noisy) is None
    assert "| marginal rate (whole process) | n/a (backfill not slower than the 10-snapshot run) | – | – |" in held_gains.block(noisy)


def test_layout_rates_cover_every_layout_with_all_its_entries(tmp_path: Path) -> None:
    figures = layouts.run(8, repeat=1)
    truth = generate(tmp_path / "truth", days=8, end=END, seed=2026, **FULL_PROFILE)
    assert list(figures) == list(LAYOUTS)
    for layout in LAYOUTS:
        files = [f for f in truth.files if f.layout == layout]
        assert len(files) == 2  # 8 days, 4 layouts in rotation
        assert figures[layout]["mentions"] == sum(f.n_entries for f in files)
        assert figures[layout]["mb"] == sum((tmp_path / "truth" / f.name).stat().st_size for f in files) / 1e6
        assert figures[layout]["mb_s"] > 0 and figures[layout]["cpu_s"] > 0
