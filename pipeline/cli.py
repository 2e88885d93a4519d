"""Command line behind the Makefile: ``prepare``, ``samples``, ``run``, ``drop-samples`` and ``lake-sql``.

``run`` is the whole product in one command: sample data if the default
landing dir is empty (never into a configured one), the ``daily_refresh`` job
in process on the persistent Dagster instance of ``make dev`` (so its runs,
materializations and checks show in the UI), then a short summary with the
paths an operator or analyst needs next.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.dbt_fingerprint import FINGERPRINT_NAME, PARSE_DATABASE_NAME, project_fingerprint
from pipeline.demo import drop_samples, fill_samples, landing_dir_configured
from pipeline.settings import DBT_PROJECT_DIR, Settings



def export_settings(settings: Settings) -> None:
    """Put absolute paths into the environment so dbt and Dagster see the same world."""
    for name, value in (("PAPERTRENDS_LANDING_DIR", settings.landing_dir), ("PAPERTRENDS_WAREHOUSE", settings.warehouse_value),
                        ("PAPERTRENDS_ANALYTICS", settings.analytics), ("PAPERTRENDS_REPORT_DIR", settings.report_dir)):
        os.environ[name] = str(value)
    if settings.lake:
        os.environ["PAPERTRENDS_LAKE_DATA_PATH"] = settings.lake.data_dir("").rstrip("/")


def manifest_is_current(manifest: Path) -> bool:
    """The manifest was parsed from the project as it is now (same content hash as the dbt step's skip),
    by this version of prepare (its saved parse's catalog name recorded)."""
    stamp = manifest.with_name(FINGERPRINT_NAME)
    return (manifest.exists() and manifest.with_name(PARSE_DATABASE_NAME).exists() and stamp.exists()
            and stamp.read_text(encoding="utf-8") == project_fingerprint())


def prepare() -> None:
    """Parse the dbt project once at set-up so importing the code location never does."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if manifest_is_current(manifest):
        return
    export_settings(Settings.from_env())
    from pipeline.dbt_parse_state import mark_prepared  # dbt's imports only when the project changed
    from pipeline.dbt_runner import failures, invoke

    fingerprint = project_fingerprint()  # before the parse: an edit during it makes the next prepare parse again
    # in this process, through the runner: its saved parse (partial_parse.msgpack) seeds every new warehouse's
    parsed = invoke(["parse"], manifest.parent)
    if not parsed.success:
        raise SystemExit(f"dbt parse failed:\n{failures(parsed)}")
    mark_prepared(parsed.result)
    manifest.with_name(FINGERPRINT_NAME).write_text(fingerprint, encoding="utf-8")
    print(f"dbt manifest prepared: {manifest}")


@contextmanager
def stdout_to(path: Path) -> Iterator[None]:
    """Send file descriptor 1 (and so subprocess output) to ``path`` for the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    saved = os.dup(1)
    with open(path, "w") as handle:
        os.dup2(handle.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def run(days: int, full_refresh: bool = False, samples: bool = True) -> int:
    """Samples if allowed and needed, then the whole refresh, then the summary."""
    configured = landing_dir_configured()  # before export_settings makes every path explicit
    settings = Settings.from_env()
    export_settings(settings)
    if samples:
        fill_samples(settings, days, configured=configured)
    mode = " with dbt build --full-refresh" if full_refresh else ""
    print(f"running job daily_refresh{mode} (ingest → dbt build → publish → report; the fetch has its own job) ...", flush=True)
    started = time.perf_counter()
    from pipeline.definitions import defs
    from pipeline.runs import release_dead_runs, run_tags, warehouse_instance

    instance = warehouse_instance()
    for message in release_dead_runs(instance):
        print(message, file=sys.stderr)
    run_config: dict = {"loggers": {"console": {}}}
    if full_refresh:
        run_config["ops"] = {"dbt_models": {"config": {"full_refresh": True}}}
    log_path = settings.warehouse.parent / "logs" / "last_run.log"
    with stdout_to(log_path):  # dbt's raw log lines; the concise logger writes to stderr
        result = defs.resolve_job_def("daily_refresh").execute_in_process(
            run_config=run_config, instance=instance, tags=run_tags(), raise_on_error=False
        )
    elapsed = time.perf_counter() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"daily_refresh FAILED after {elapsed:.1f}s in steps: {', '.join(failed)} (full log: {log_path})", file=sys.stderr)
        return 1
    print_summary(settings, result.run_id, elapsed)
    return 0


def drop() -> int:
    """Delete the demo rows from raw, then rebuild every mart from what is left."""
    settings = Settings.from_env()
    dropped = drop_samples(settings)
    removed = ", ".join(f"{table} {n}" for table, n in dropped.rows.items())
    print(f"dropped {dropped.snapshots} sample snapshots from {settings.warehouse} (rows deleted: {removed}); "
          f"{dropped.files} sample files removed from {settings.landing_dir}")
    return run(0, full_refresh=True, samples=False)


def print_summary(settings: Settings, run_id: str, elapsed: float) -> None:
    from pipeline.report import summary_lines
    from pipeline.team import ui_hint

    print(f"\ndaily_refresh succeeded in {elapsed:.1f}s (run {run_id[:8]})")
    for line in summary_lines(settings.analytics_source):
        print(line)
    if settings.lake:
        print(f"\nwarehouse : DuckLake {settings.lake.catalog} (files in {settings.lake.data_dir('')})")
        print('analytics : the published lake: python -m pipeline.cli lake-sql "SELECT ..." (README: Team mode)')
    else:
        print(f"\nwarehouse : {settings.warehouse}")
        print(f"analytics : {settings.analytics}   (duckdb {settings.analytics} -readonly)")
    print(f"report    : {settings.report_dir / 'trends.html'}")
    print(f"UI        : {ui_hint(settings)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="parse the dbt project (manifest for Dagster)")
    samples = sub.add_parser("samples", help="fill an empty landing dir with generated samples")
    samples.add_argument("--days", type=int, default=90)
    runner = sub.add_parser("run", help="samples if needed, then the daily_refresh job and a summary")
    runner.add_argument("--days", type=int, default=90)
    runner.add_argument("--full-refresh", action="store_true", help="rebuild every incremental dbt model from raw")
    sub.add_parser("drop-samples", help="delete the demo (source 'sample') rows from raw, then a full refresh")
    lake_sql = sub.add_parser("lake-sql", help="team mode: run one SQL query on the published lake (attached read-only as papertrends)")
    lake_sql.add_argument("sql")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare()
    elif args.command == "samples":
        fill_samples(Settings.from_env(), args.days)
    elif args.command == "drop-samples":
        return drop()
    elif args.command == "lake-sql":
        from pipeline.team import lake_sql as query

        return query(args.sql)
    else:
        return run(args.days, full_refresh=args.full_refresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
