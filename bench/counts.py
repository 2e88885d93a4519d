"""Per-run counts of a daily refresh: dbt nodes per build and Dagster events per run, by type.

``python -m bench.counts`` (part of ``make bench``) runs ``daily_refresh`` the
way ``bench.refresh`` does (``dagster job execute`` with a persistent
DAGSTER_HOME copied from ``.dagster_home/dagster.yaml``) on a small generated
world: a cold run, +1 snapshot, and a no-op. For each run it prints the dbt
nodes of the build (from ``run_results.json``, by resource type and status),
the Dagster events of the run by type, and the rows the SQLite event log
storage wrote for them. Counts do not depend on
the load of the machine, unlike seconds (printed too, marked noisy); the
number of nodes and events does not depend on the size of the history.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.refresh import dbt_env, refresh
from bench.run import END, QUICK_PROFILE, SEED, World
from pipeline.settings import PROJECT_ROOT

HISTORY = 12  # snapshots before the +1: enough for every model to have rows


def dbt_nodes(target: Path, since: float) -> Counter | None:
    """Nodes of the last dbt build by ``resource_type:status``; None when no build wrote run_results since ``since``."""
    results = target / "run_results.json"
    if not results.exists() or results.stat().st_mtime < since:
        return None
    counts: Counter = Counter()
    for result in json.loads(results.read_text())["results"]:
        counts[f"{result['unique_id'].split('.')[0]}:{result['status']}"] += 1
    return counts


def dagster_events(home: Path) -> tuple[str, Counter, dict[str, int]]:
    """The newest run's events by type, and the rows its events hold in each SQLite event log shard."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        run_id = instance.get_run_records(limit=1)[0].dagster_run.run_id
        kinds = Counter(e.dagster_event.event_type_value if e.dagster_event else "LOG_MESSAGE"
                        for e in instance.all_logs(run_id))
    rows = {}
    for shard in sorted(home.rglob("*.db")):  # every SQLite file of the instance: sharded or consolidated
        with sqlite3.connect(shard) as con:
            if con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'event_logs'").fetchone()[0]:
                n = con.execute("SELECT count(*) FROM event_logs WHERE run_id = ?", (run_id,)).fetchone()[0]
                if n:
                    rows["run shard" if shard.stem == run_id else shard.stem] = n
    return run_id, kinds, rows


def dump_marts(warehouse: Path, out: Path) -> None:
    """Every table of schema marts as sorted Parquet (``python -m bench.raw_equality compare A B`` diffs two dumps)."""
    import duckdb
    import polars as pl

    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
                                            " AND table_catalog = current_database()").fetchall()]
        for table in tables:
            frame = con.sql(f'SELECT * FROM marts."{table}"').pl()
            frame.sort(pl.all(), nulls_last=True).write_parquet(out / f"{table}.parquet")


def scenario(name: str, world: World, home: Path, target: Path) -> dict:
    """One refresh, then its counts."""
    proc = refresh(world, home, {**dbt_env(world, target), "DAGSTER_HOME": str(home)})
    _, events, rows = dagster_events(home)
    nodes = dbt_nodes(world.root / f".{world.warehouse.stem}.dbt_target", proc["started"])
    return {"name": name, "wall": proc["wall"], "before_run_s": proc["before_run_s"], "events": events, "rows": rows,
            "nodes": nodes}


def run(history: int = HISTORY, dump: Path | None = None) -> list[dict]:
    """Generate history + 1 small snapshots; cold run on history, +1, no-op; marts dumped after each build to ``dump``."""
    from pipeline.samples import generate

    root = Path(tempfile.mkdtemp(prefix="papertrends-counts-"))
    try:
        manifest = generate(root / "generated", days=history + 1, end=END, seed=SEED, **QUICK_PROFILE)
        paths = [root / "generated" / f.name for f in manifest.files]
        home = root / "dagster_home"
        home.mkdir()
        shutil.copy2(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
        world, target = World(root / "world"), root / "dbt_target"
        world.fill(paths[:history])
        out = [scenario(f"cold, {history} snapshots", world, home, target)]
        if dump:
            dump_marts(world.warehouse, dump / "cold")
        world.fill(paths[history:])
        out.append(scenario(f"+1 snapshot on {history}", world, home, target))
        if dump:
            dump_marts(world.warehouse, dump / "plus_one")
        out.append(scenario("no-op", world, home, target))
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(runs: list[dict]) -> str:
    """One block: nodes, events by type and event log rows per scenario."""
    lines = []
    for r in runs:
        nodes = r["nodes"]
        node_text = (f"{sum(nodes.values())} ({', '.join(f'{k} {v}' for k, v in sorted(nodes.items()))})"
                     if nodes else "no dbt build")
        lines += [f"## {r['name']}: wall {r['wall']:.1f} s, before run {r['before_run_s']:.1f} s (noisy)",
                  f"dbt nodes: {node_text}",
                  f"Dagster events: {sum(r['events'].values())}; event log rows: "
                  + ", ".join(f"{k} {v}" for k, v in r["rows"].items()),
                  *[f"  {kind:<40} {n}" for kind, n in r["events"].most_common()], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.counts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=int, default=HISTORY)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--dump", type=Path, default=None, help="dump the marts after the cold and +1 runs here")
    args = parser.parse_args(argv)
    runs = run(args.history, args.dump)
    print(report(runs))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
