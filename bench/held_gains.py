"""The one block ``make bench`` ends with: the figures a later change must not lose.

Marginal rate, +1, no-op and backfill, each with its ratio to the bare
``import dagster, dagster_dbt`` (what no Dagster run can beat) and to the
hand-written pandas + sqlite peer on the same files, and the ingest rate per
layout. Built from the figures of ``bench.refresh`` (``fig``).
"""

from __future__ import annotations

SMALL_COLD = 10  # snapshots of the small cold run the marginal rate is taken against (bench.refresh)


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:,.1f}x" if base else "–"


def marginal(fig: dict) -> tuple[float, float] | None:
    """MB/s and ms per snapshot of the backfill beyond the small cold run (whole process).

    None when the backfill was not slower than the small run (a quick run on a noisy machine):
    no rate can be read from that.
    """
    seconds = fig["cold_big"]["wall"] - fig["cold_small"]["wall"]
    if seconds <= 0:
        return None
    mb = (fig["bytes_history"] - fig["bytes_small"]) / 1e6
    return mb / seconds, seconds / (fig["history"] - SMALL_COLD) * 1000


def block(fig: dict) -> str:
    h, imp = fig["history"], fig["floors"]["import_dagster_dbt"]
    peer = fig.get("peer")
    peer_ms = peer["seconds"] / peer["files"] * 1000 if peer and peer["files"] else None
    rate = marginal(fig)
    plus, noop, backfill = fig["plus_one"]["wall"], fig["noop"]["wall"], fig["cold_big"]["wall"]
    rows = [
        ("marginal rate (whole process)",
         f"{rate[0]:,.1f} MB/s = {rate[1]:,.1f} ms per snapshot" if rate else "n/a (backfill not slower than the 10-snapshot run)",
         "–", f"{_ratio(rate[1], peer_ms)} (peer {peer_ms:,.1f} ms per snapshot)" if rate and peer_ms else "–"),
        (f"+1 snapshot on {h} of history", f"{plus:,.1f} s", _ratio(plus, imp),
         _ratio(plus, peer_ms / 1000 if peer_ms else None)),
        ("no-op", f"{noop:,.1f} s", _ratio(noop, imp), "–"),
        (f"cold backfill of {h} in one run", f"{backfill:,.1f} s", _ratio(backfill, imp),
         f"{_ratio(backfill, peer['seconds'])} (peer {peer['seconds']:,.1f} s)" if peer else "–"),
    ]
    lines = [f"Held gains (bare `import dagster, dagster_dbt`: {imp:.2f} s):", "",
             "| figure | measured | x bare import | x peer |", "|---|---|---|---|",
             *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]]
    layouts = fig.get("layouts")
    if layouts:
        lines += ["", "Ingest alone, per layout (`ingest_landing` in one process, best of the repeats):", "",
                  "| layout | MB | seconds | CPU s | MB/s |", "|---|---:|---:|---:|---:|",
                  *[f"| {name} | {f['mb']:.1f} | {f['seconds']:.2f} | {f['cpu_s']:.2f} | {f['mb_s']:.1f} |"
                    for name, f in layouts.items()]]
    return "\n".join(lines) + "\n"
