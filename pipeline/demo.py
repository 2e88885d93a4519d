"""The demo data of ``make run``: when sample snapshots may be written, and how to drop them.

Samples are invented data: they are written only when
``PAPERTRENDS_LANDING_DIR`` is unset and the default landing dir holds no
snapshot, never into a configured landing dir. Every sample file is recorded
as source ``sample`` (landing-dir manifest, see ``pipeline.ingest.origins``)
before it becomes visible, so ``raw.snapshots.source`` tells demo rows from
real ones and ``drop_samples`` can remove them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.ingest.discover import list_landing_files, sha256
from pipeline.ingest.origins import read_origins, record_origins
from pipeline.settings import DEFAULT_LOCK_TIMEOUT_S, Settings, landing_dir_configured

# Written by drop-samples: a default landing dir emptied of its demo is not refilled.
NO_SAMPLES_MARKER = ".papertrends-no-samples"
# Raw tables keyed by snapshot_id; landing_files and rejected_files by sha256.
SNAPSHOT_TABLES = ("paper_mentions", "rejected_mentions", "field_issues", "snapshots")


def fill_samples(settings: Settings, days: int, *, configured: bool | None = None) -> int:
    """Write sample snapshots into the default landing dir when it is empty; return how many.

    ``configured`` is whether PAPERTRENDS_LANDING_DIR was set by the operator
    (read from the environment when not given; callers that export absolute
    paths first must pass it).
    """
    from pipeline.samples import generate

    landing = settings.landing_dir
    if landing_dir_configured() if configured is None else configured:
        if not list_landing_files(landing):
            print(f"PAPERTRENDS_LANDING_DIR is set and {landing} holds no snapshot: no sample data is generated "
                  "for a configured landing dir (put snapshot files there, or unset it for the demo)")
        return 0
    if list_landing_files(landing):
        return 0
    if (landing / NO_SAMPLES_MARKER).exists():
        print(f"{landing} is empty and its demo data was dropped: no samples are generated again "
              f"(delete {landing / NO_SAMPLES_MARKER} to get them back)")
        return 0
    staging = landing / ".samples-tmp"  # hidden: discovery never sees half a batch
    shutil.rmtree(staging, ignore_errors=True)
    try:
        manifest = generate(staging, days=days, end=datetime.now(UTC).date())
        written = [(f.name, sha256((staging / f.name).read_bytes())) for f in manifest.files]
        record_origins(landing, written, "sample")  # recorded before the files become visible
        for name, _ in written:
            os.replace(staging / name, landing / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"landing dir was empty: wrote {len(written)} sample snapshots (source 'sample') to {landing}")
    return len(written)


@dataclass(frozen=True)
class Dropped:
    snapshots: int
    rows: dict[str, int]
    files: int


def drop_samples(settings: Settings, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Dropped:
    """Delete the raw rows of sample snapshots (one transaction, under the warehouse lock).

    Also deletes the sample files still in the landing dir (they would be
    ingested again) and marks that dir so it is not refilled. The marts still
    hold the demo rows until the next full refresh, which the caller runs; the
    same transaction records a request for it, so that if that refresh fails
    the next run does it (``ops.full_refresh_requests``).
    """
    from pipeline.ingest import held
    from pipeline.warehouse import connect, ensure_ops, request_full_refresh, warehouse_lock

    landing = settings.landing_dir
    recorded = {sha for sha, source in read_origins(landing).items() if source == "sample"}
    counts: dict[str, int] = {}
    with warehouse_lock(settings.warehouse, lock_timeout_s), connect(settings.warehouse) as con:
        con.execute("CREATE TEMP TABLE drop_ids AS SELECT snapshot_id FROM raw.snapshots WHERE source = 'sample'")
        con.executemany("INSERT INTO drop_ids VALUES (?)", [(sha,) for sha in sorted(recorded)])
        n_snapshots = con.execute("SELECT count(*) FROM raw.snapshots WHERE source = 'sample'").fetchone()[0]
        ensure_ops(con)
        con.execute("BEGIN TRANSACTION")
        try:
            for table in SNAPSHOT_TABLES:
                counts[table] = con.execute(
                    f"DELETE FROM raw.{table} WHERE snapshot_id IN (SELECT snapshot_id FROM drop_ids)"  # noqa: S608 - our names
                ).fetchone()[0]
            for table in ("landing_files", "rejected_files"):
                counts[table] = con.execute(
                    f"DELETE FROM raw.{table} WHERE sha256 IN (SELECT snapshot_id FROM drop_ids)"  # noqa: S608
                ).fetchone()[0]
            if n_snapshots or counts["landing_files"]:
                request_full_refresh(con, f"drop-samples deleted {n_snapshots} sample snapshots from raw")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        held.write_index(con, settings.warehouse)  # dropped contents count as new again for the sensor
        dropped_ids = {row[0] for row in con.execute("SELECT DISTINCT snapshot_id FROM drop_ids").fetchall()}
    removed = 0
    for file in list_landing_files(landing):
        if sha256(file.path.read_bytes()) in dropped_ids:
            file.path.unlink()
            removed += 1
    if landing.is_dir() and not landing_dir_configured():
        (landing / NO_SAMPLES_MARKER).write_text("demo data dropped by `python -m pipeline.cli drop-samples`\n")
    return Dropped(n_snapshots, counts, removed)
