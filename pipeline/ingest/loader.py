"""Ingest every new landing file into the raw layer.

Files are processed in chunks: decode and layout checks per file, then one
vectorized parse and one Pandera validation for the whole chunk, then one
transaction that appends the chunk. A crash loses at most the chunk in flight,
which the next run simply redoes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipeline import warehouse
from pipeline.columns import polars_schema
from pipeline.names import DATE_SOURCES
from pipeline.ingest import held, hf_api_json
from pipeline.ingest.discover import LandingFile, date_from_name, decode, list_landing_files, sha256
from pipeline.ingest.dispatch import (
    PARSER_VERSION,
    FileRejected,
    check_document,
    header_date_parts,
    latest_not_after,
    parse_batch,
    resolve_dates,
)
from pipeline.ingest.origins import read_origins, source_of

Progress = Callable[[int, int], None]


def utc_now() -> datetime:
    """The ingest's clock (naive UTC): dates files, stamps loads, and says which retries are due."""
    return datetime.now(UTC).replace(tzinfo=None)
LANDING_INDEX_SCHEMA = polars_schema("landing_files")


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_skipped: int = 0
    snapshots_loaded: int = 0
    files_rejected: int = 0
    mentions_loaded: int = 0
    mentions_rejected: int = 0
    field_issues: int = 0
    snapshots_reparsed: int = 0
    dates_observed: int = 0
    bytes_loaded: int = 0
    seconds: float = 0.0
    new_snapshots: list[tuple[str, str, date]] = field(default_factory=list)
    rejected_files: list[tuple[str, str]] = field(default_factory=list)

    def add(self, frames: dict[str, pl.DataFrame]) -> None:
        snaps = frames["snapshots"]
        self.snapshots_loaded += snaps.height
        self.files_rejected += frames["rejected_files"].height
        self.mentions_loaded += frames["paper_mentions"].height
        self.mentions_rejected += frames["rejected_mentions"].height
        self.field_issues += frames["field_issues"].height
        self.snapshots_reparsed += frames["reparsed"].height
        self.bytes_loaded += int(snaps["size_bytes"].sum() or 0)
        self.new_snapshots += snaps.select("snapshot_id", "file_name", "snapshot_date").rows()
        self.rejected_files += frames["rejected_files"].select("file_name", "reason").rows()


@dataclass(frozen=True)
class Candidate:
    file: LandingFile
    sha: str
    data: bytes


SNAPSHOT_DATE_GRACE = timedelta(days=1)  # files are saved in other time zones
MAX_DAYS_AHEAD = 1  # a snapshot dated later than this after its ingest day is a typo or a bad clock


def snapshot_dates(files: pl.DataFrame) -> pl.DataFrame:
    """Apply the date rule of DESIGN.md to every document at once.

    Inputs per ``doc_id``: ``name_date``, ``header_date`` (``Oct 30``),
    ``api_date``, ``mtime_date``. A year-less header date is the latest such
    day not after the modification day plus one day of grace.
    """
    month, day = header_date_parts(pl.col("header_date"))
    header = latest_not_after(month, day, pl.col("mtime_date") + SNAPSHOT_DATE_GRACE)
    rules = list(zip(DATE_SOURCES, [pl.col("name_date"), header, pl.col("api_date"), pl.col("mtime_date")], strict=True))
    return files.with_columns(
        pl.coalesce([expr for _, expr in rules]).alias("snapshot_date"),
        pl.coalesce([pl.when(expr.is_not_null()).then(pl.lit(name)) for name, expr in rules]).alias("snapshot_date_source"),
    )


def _rejected_file(candidate: Candidate, reason: str, now: datetime, retry_on: date | None = None) -> dict:
    return {"sha256": candidate.sha, "file_name": candidate.file.name, "reason": reason,
            "size_bytes": candidate.file.size_bytes, "rejected_at": now, "parser_version": PARSER_VERSION,
            "retry_on": retry_on}


DOC_SCHEMA = {"doc_id": pl.Int64, "layout": pl.String, "text": pl.String, "encoding": pl.String}


def _parse_isolating_failures(docs: list[dict], candidates: list[Candidate], rejected: list[dict],
                              now: datetime) -> tuple[list[dict], pl.DataFrame, pl.DataFrame]:
    """Parse the chunk in one vectorized pass; if that fails, find and reject the culprit files.

    One odd file must not stop the good files of its chunk, nor be retried
    forever: it is recorded in ``raw.rejected_files`` with the parser's error.
    """
    try:
        entries, dates = parse_batch(pl.DataFrame(docs, schema=DOC_SCHEMA).drop("encoding"))
        return docs, entries, dates
    except Exception:  # noqa: BLE001 - isolated per file below, where each error is recorded
        pass
    good, parts = [], []
    for doc in docs:
        try:
            parts.append(parse_batch(pl.DataFrame([doc], schema=DOC_SCHEMA).drop("encoding")))
            good.append(doc)
        except Exception as exc:  # noqa: BLE001 - the reason is recorded, the file kept on disk
            reason = f"parse error ({doc['layout']}): {type(exc).__name__}: {exc}"[:500]
            rejected.append(_rejected_file(candidates[doc["doc_id"]], reason, now))
    if not parts:
        return good, *parse_batch(pl.DataFrame(schema=DOC_SCHEMA).drop("encoding"))
    return good, pl.concat([e for e, _ in parts], how="vertical_relaxed"), pl.concat([d for _, d in parts])


def _date_snapshots(docs: list[dict], candidates: list[Candidate], dates: pl.DataFrame, entries: pl.DataFrame,
                    origins: dict[str, str], now: datetime) -> tuple[pl.DataFrame, list[tuple[int, str, date | None]]]:
    """One row per parsed document with its date and source; returns ``(snapshots, rejections)``.

    A text page without entries, and a file dated more than a day after its
    ingest day, are rejected (``(doc_id, reason, retry_on)``); the latter is
    read again from ``retry_on``, the day its date is no longer ahead (the
    clock may have been early). An API day with an empty list is a snapshot
    with 0 entries.
    """
    rows = [{"doc_id": d["doc_id"], "snapshot_id": (c := candidates[d["doc_id"]]).sha, "file_name": c.file.name,
             "layout": d["layout"], "size_bytes": c.file.size_bytes, "encoding": d["encoding"],
             "name_date": date_from_name(c.file.name), "mtime_date": c.file.mtime_date,
             "fetched_at": c.file.fetched_at, "source": source_of(origins, c.sha)} for d in docs]
    frame = pl.DataFrame(rows, schema={"doc_id": pl.Int64, "snapshot_id": pl.String, "file_name": pl.String,
                                       "layout": pl.String, "size_bytes": pl.Int64, "encoding": pl.String,
                                       "name_date": pl.Date, "mtime_date": pl.Date,
                                       "fetched_at": pl.Datetime("us"), "source": pl.String})
    frame = snapshot_dates(frame.join(dates, on="doc_id", how="left", maintain_order="left"))
    counts = entries.group_by("doc_id").agg(pl.col("title").is_not_null().sum().alias("n_titles"), pl.len().alias("n_units"))
    frame = frame.join(counts, on="doc_id", how="left", maintain_order="left").with_columns(pl.col("n_titles", "n_units").fill_null(0))
    latest = now.date() + timedelta(days=MAX_DAYS_AHEAD)
    reason = (
        pl.when(pl.col("snapshot_date") > latest)
        .then(pl.format("snapshot dated {} (from {}), more than {} day after its ingest day {}: a typo or a wrong clock?",
                        "snapshot_date", "snapshot_date_source", pl.lit(MAX_DAYS_AHEAD), pl.lit(now.date())))
        .when((pl.col("layout") != hf_api_json.LAYOUT) & (pl.col("n_titles") == 0))
        .then(pl.format("no entries found in {} layout", "layout"))
    )
    retry_on = pl.when(pl.col("snapshot_date") > latest).then(pl.col("snapshot_date") - timedelta(days=MAX_DAYS_AHEAD))
    frame = frame.with_columns(reason.alias("reject"), retry_on.alias("retry_on"))
    rejections = frame.filter(pl.col("reject").is_not_null()).select("doc_id", "reject", "retry_on").rows()
    return frame.filter(pl.col("reject").is_null()).drop("reject", "retry_on", "name_date", "mtime_date", "header_date", "api_date"), rejections


def _issue_rows(mentions: pl.DataFrame, policy_issues: pl.DataFrame) -> pl.DataFrame:
    """Field issues of loaded rows: the parser's own (``field_errors``) and Pandera's."""
    parsed = (
        mentions.select("row", "doc_id", "snapshot_id", "position", "field_errors").explode("field_errors")
        .drop_nulls("field_errors").unnest("field_errors")
    )
    checked = policy_issues.join(mentions.select("row", "doc_id", "snapshot_id", "position"), on="row", how="inner")
    columns = ["row", "doc_id", "snapshot_id", "position", "field", "raw_value", "reason"]
    return pl.concat([parsed.select(columns), checked.select(columns)])


def build_frames(candidates: list[Candidate], now: datetime, origins: dict[str, str] | None = None) -> dict[str, pl.DataFrame]:
    """Turn a chunk of new files into the rows of the raw tables (no I/O)."""
    # Pandera (which imports pandas): ~0.4 s, paid by a run with files to load, not by every code location load
    from pipeline import schemas

    rejected, docs = [], []
    for doc_id, cand in enumerate(candidates):
        try:
            text, encoding = decode(cand.data)
            docs.append({"doc_id": doc_id, "layout": check_document(text), "text": text, "encoding": encoding})
        except FileRejected as exc:
            rejected.append(_rejected_file(cand, str(exc), now))
    docs, entries, dates = _parse_isolating_failures(docs, candidates, rejected, now)
    snaps, file_rejections = _date_snapshots(docs, candidates, dates, entries, origins or {}, now)
    rejected += [_rejected_file(candidates[doc_id], reason, now, retry) for doc_id, reason, retry in file_rejections]

    mentions = resolve_dates(entries.join(snaps.select("doc_id"), on="doc_id", how="semi"), snaps.select("doc_id", "snapshot_date"))
    mentions = mentions.join(snaps.select("doc_id", "snapshot_id"), on="doc_id", how="left", maintain_order="left")
    unpaired = mentions.filter(pl.col("reject_reason").is_not_null())
    candidates_rows = mentions.filter(pl.col("reject_reason").is_null()).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    loaded, failed, policy_issues = schemas.apply_policy(candidates_rows.select(list(schemas.MENTIONS.columns)))
    loaded_rows = candidates_rows.join(failed, on="row", how="anti")
    issues = _issue_rows(loaded_rows, policy_issues)
    rejected_mentions = pl.concat([
        unpaired.select("doc_id", "snapshot_id", "position", pl.col("raw_text").fill_null(""), pl.col("reject_reason").alias("reason")),
        candidates_rows.join(failed, on="row", how="inner").select("doc_id", "snapshot_id", "position",
                                                                    pl.col("raw_text").fill_null(""), "reason"),
    ]).sort("doc_id", "position")
    per_doc = [
        frame.group_by("doc_id").len(name=name)
        for frame, name in ((loaded_rows, "n_entries"), (rejected_mentions, "n_rejected"), (issues, "n_field_issues"))
    ]
    for counts in per_doc:
        snaps = snaps.join(counts, on="doc_id", how="left", maintain_order="left")
    snaps = snaps.with_columns(
        pl.col("n_entries", "n_rejected", "n_field_issues").fill_null(0).cast(pl.Int32),
        pl.lit(PARSER_VERSION).alias("parser_version"),
        pl.lit(now).alias("ingested_at"),
    )
    return {
        "snapshots": schemas.SNAPSHOTS.validate(snaps.select(list(schemas.SNAPSHOTS.columns))),
        "paper_mentions": loaded.select(list(polars_schema("paper_mentions"))),
        "rejected_mentions": schemas.REJECTED_MENTIONS.validate(rejected_mentions.select(list(schemas.REJECTED_MENTIONS.columns))),
        "field_issues": schemas.FIELD_ISSUES.validate(issues.select(list(schemas.FIELD_ISSUES.columns))),
        "rejected_files": schemas.REJECTED_FILES.validate(pl.DataFrame(rejected, schema=polars_schema("rejected_files"))),
    }


def _build_isolating_failures(candidates: list[Candidate], now: datetime, origins: dict[str, str]) -> dict[str, pl.DataFrame]:
    """``build_frames`` of the chunk; if it fails, file by file, each failing file rejected with its error.

    Parse errors are already isolated inside; this catches the rest (a validation
    that raises, a bug met by one odd file), so one poison file can neither stop
    the good files nor every later run: it lands in ``raw.rejected_files`` with the
    exception's class and message, and is not read again until the parser changes.
    """
    try:
        return build_frames(candidates, now, origins)
    except Exception:  # noqa: BLE001 - isolated per file below, where each error is recorded
        pass
    parts, rejected = [build_frames([], now, origins)], []
    for cand in candidates:
        try:
            parts.append(build_frames([cand], now, origins))
        except Exception as exc:  # noqa: BLE001 - the reason is recorded, the file kept on disk
            rejected.append(_rejected_file(cand, f"ingest error: {type(exc).__name__}: {exc}"[:500], now))
    frames = {table: pl.concat([p[table] for p in parts], how="vertical_relaxed") for table in parts[0]}
    frames["rejected_files"] = pl.concat([frames["rejected_files"],
                                          pl.DataFrame(rejected, schema=polars_schema("rejected_files"))])
    return frames


def _new_candidates(files: list[LandingFile], index: dict, seen: set[str], summary: IngestSummary,
                    fresh_index: list[dict]) -> Iterator[Candidate]:
    """Yield files whose content is new, reading only files not hashed before."""
    for file in files:
        key = (file.name, file.size_bytes, file.mtime_ns)
        if index.get(key) in seen:
            summary.files_skipped += 1
            continue
        data = file.path.read_bytes()
        sha = sha256(data)
        fresh_index.append({"file_name": file.name, "size_bytes": len(data), "mtime_ns": file.mtime_ns, "sha256": sha})
        if sha in seen:
            summary.files_skipped += 1
            continue
        seen.add(sha)
        yield Candidate(file, sha, data)


def ingest_landing(landing_dir: Path, warehouse_path: Path, **options) -> IngestSummary:
    """Load every new complete file of ``landing_dir`` into ``raw.*`` (idempotent)."""
    with warehouse.connect(warehouse_path) as con:
        return ingest_into(con, landing_dir, held_index_of=warehouse_path, **options)


def ingest_into(con: duckdb.DuckDBPyConnection, landing_dir: Path, *, chunk_bytes: int = 32 << 20,
                chunk_files: int = 256, progress: Progress | None = None,
                held_index_of: Path | None = None,
                clock: Callable[[], datetime] = utc_now) -> IngestSummary:
    """Ingest through an open connection; a chunk of files is one transaction.

    With ``held_index_of`` (the warehouse file), the hash index the landing
    sensor reads (``held``) is rewritten once the last chunk has committed.

    The transaction of one chunk runs on a writer thread while the next chunk
    is read and parsed (DuckDB and polars release the GIL), so the two cores
    are both busy. Chunks still commit one at a time and in order, and a
    failed commit stops the run before the next one starts.
    """
    started = time.perf_counter()
    warehouse.ensure_raw(con)
    files = list_landing_files(landing_dir)
    summary = IngestSummary(files_seen=len(files))
    # Contents read by an older parser are read again (and their rows replaced) when their files remain.
    outdated = warehouse.outdated_contents(con, PARSER_VERSION)
    # a file rejected as dated too far ahead is read again once its day has come
    retried = warehouse.due_retries(con, clock().date()) - set(outdated)
    index, seen = warehouse.landing_index(con), warehouse.known_contents(con) - set(outdated) - retried
    origins = read_origins(landing_dir)
    chunk: list[Candidate] = []
    fresh_index: list[dict] = []
    pending: list[Future[dict[str, pl.DataFrame]]] = []

    def settle() -> None:
        """Wait for the chunk being written, then count it (re-raising its failure)."""
        if pending:
            summary.add(pending.pop().result())
            if progress:
                progress(summary.snapshots_loaded + summary.files_rejected + summary.files_skipped, len(files))

    def flush(writer: ThreadPoolExecutor) -> None:
        now = clock()
        frames = _build_isolating_failures(chunk, now, origins)
        frames["landing_files"] = pl.DataFrame(fresh_index, schema=LANDING_INDEX_SCHEMA)
        replaced = [c.sha for c in chunk if c.sha in outdated or c.sha in retried]
        frames["reparsed"] = pl.DataFrame(
            [{"sha256": sha, "old_parser_version": outdated[sha], "parser_version": PARSER_VERSION,
              "reparsed_at": now, "marts_rebuilt": False} for sha in replaced if sha in outdated],
            schema=polars_schema("reparsed"),
        )
        chunk.clear()
        fresh_index.clear()
        settle()
        pending.append(writer.submit(_write, con, frames, replaced))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
        for cand in _new_candidates(files, index, seen, summary, fresh_index):
            chunk.append(cand)
            if len(chunk) >= chunk_files or sum(len(c.data) for c in chunk) >= chunk_bytes:
                flush(writer)
        if chunk or fresh_index:
            flush(writer)
        settle()
    summary.dates_observed = _observe_dates(con, files, clock())
    if held_index_of is not None:
        held.write_index(con, held_index_of)
    summary.seconds = time.perf_counter() - started
    return summary


def _observe_dates(con: duckdb.DuckDBPyConnection, files: list[LandingFile], now: datetime) -> int:
    """Record the dates of the landing files whose bytes repeat a stored snapshot (a second empty day, say)."""
    index = warehouse.landing_index(con)
    frame = pl.DataFrame(
        [{"file_name": f.name, "sha256": index.get((f.name, f.size_bytes, f.mtime_ns)), "name_date": date_from_name(f.name)}
         for f in files],
        schema={"file_name": pl.String, "sha256": pl.String, "name_date": pl.Date},
    ).drop_nulls()
    return warehouse.record_observed_dates(con, frame, now.date() + timedelta(days=MAX_DAYS_AHEAD), now)


def _write(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], replaced: list[str]) -> dict[str, pl.DataFrame]:
    warehouse.write_batch(con, frames, replaced)
    return frames
