"""Ingest every new landing file into the raw layer.

Files are processed in chunks: decode and layout checks per file, then one
vectorized parse and one Pandera validation for the whole chunk, then one
transaction that appends the chunk. A crash loses at most the chunk in flight,
which the next run simply redoes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipeline import schemas, warehouse
from pipeline.ingest import hf_api_json
from pipeline.ingest.discover import LandingFile, date_from_name, decode, list_landing_files, sha256
from pipeline.ingest.dispatch import PARSER_VERSION, FileRejected, check_document, header_date_to_date, parse_batch, resolve_dates

Progress = Callable[[int, int], None]
MENTION_COLUMNS = list(schemas.MENTIONS.columns)
LANDING_INDEX_SCHEMA = {"file_name": pl.String, "size_bytes": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String}


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_skipped: int = 0
    snapshots_loaded: int = 0
    files_rejected: int = 0
    mentions_loaded: int = 0
    mentions_rejected: int = 0
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
        self.bytes_loaded += int(snaps["size_bytes"].sum() or 0)
        self.new_snapshots += snaps.select("snapshot_id", "file_name", "snapshot_date").rows()
        self.rejected_files += frames["rejected_files"].select("file_name", "reason").rows()


@dataclass(frozen=True)
class Candidate:
    file: LandingFile
    sha: str
    data: bytes


def snapshot_date(file: LandingFile, header_date: str | None, api_date: date | None) -> tuple[date, str]:
    """Apply the date rule of DESIGN.md: file name, header line, API date, mtime."""
    from_name = date_from_name(file.name)
    if from_name:
        return from_name, "file_name"
    if header_date and (resolved := header_date_to_date(header_date, file.mtime_date)):
        return resolved, "header"
    if api_date:
        return api_date, "api"
    return file.mtime_date, "mtime"


def _rejected_file(candidate: Candidate, reason: str, now: datetime) -> dict:
    return {"sha256": candidate.sha, "file_name": candidate.file.name, "reason": reason,
            "size_bytes": candidate.file.size_bytes, "rejected_at": now}


DOC_SCHEMA = {"doc_id": pl.Int64, "layout": pl.String, "text": pl.String, "encoding": pl.String}


def _parse_isolating_failures(docs: list[dict], candidates: list[Candidate], rejected: list[dict],
                              now: datetime) -> tuple[list[dict], pl.DataFrame, pl.DataFrame]:
    """Parse the chunk in one vectorized pass; if that fails, find and reject the culprit files.

    One odd file (a JSON field of an unexpected type, say) must not stop the
    good files of its chunk, nor be retried forever: it is recorded in
    ``raw.rejected_files`` with the parser's error.
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
        empty, no_dates = parse_batch(pl.DataFrame(schema=DOC_SCHEMA).drop("encoding"))
        return good, empty, no_dates
    return good, pl.concat([e for e, _ in parts], how="vertical_relaxed"), pl.concat([d for _, d in parts])


def _original_api_items(rejected: pl.DataFrame, docs: list[dict]) -> pl.DataFrame:
    """Give rejected API entries their item exactly as received, not the decoded subset.

    Only rejected rows are touched (rare), so the per-row JSON work stays off
    the hot path.
    """
    api_docs = {d["doc_id"]: d["text"] for d in docs if d["layout"] == hf_api_json.LAYOUT}
    wanted = rejected.filter(pl.col("doc_id").is_in(list(api_docs)))
    if wanted.is_empty():
        return rejected
    wanted_docs = set(wanted["doc_id"].to_list())
    items = {doc_id: json.loads(text) for doc_id, text in api_docs.items() if doc_id in wanted_docs}
    originals = [json.dumps(items[d][p - 1], ensure_ascii=False) for d, p in wanted.select("doc_id", "position").rows()]
    fixed = wanted.with_columns(pl.Series("raw_text", originals, dtype=pl.String))
    return pl.concat([rejected.filter(~pl.col("doc_id").is_in(list(api_docs))), fixed]).sort("doc_id", "position")


def build_frames(candidates: list[Candidate], now: datetime) -> dict[str, pl.DataFrame]:
    """Turn a chunk of new files into the rows of the four raw tables (no I/O)."""
    rejected, docs = [], []
    for doc_id, cand in enumerate(candidates):
        try:
            text, encoding = decode(cand.data)
            docs.append({"doc_id": doc_id, "layout": check_document(text), "text": text, "encoding": encoding})
        except FileRejected as exc:
            rejected.append(_rejected_file(cand, str(exc), now))
    docs, entries, dates = _parse_isolating_failures(docs, candidates, rejected, now)
    doc_frame = pl.DataFrame(docs, schema=DOC_SCHEMA)
    counts = dict(entries.group_by("doc_id").len().rows())

    snapshot_rows = []
    for doc, (header_date, api_date) in zip(docs, doc_frame.join(dates, on="doc_id", how="left", maintain_order="left").select("header_date", "api_date").rows()):
        cand = candidates[doc["doc_id"]]
        if not counts.get(doc["doc_id"]):
            rejected.append(_rejected_file(cand, f"no entries found in {doc['layout']} layout", now))
            continue
        day, source = snapshot_date(cand.file, header_date, api_date)
        snapshot_rows.append({"doc_id": doc["doc_id"], "snapshot_id": cand.sha, "file_name": cand.file.name,
                              "layout": doc["layout"], "snapshot_date": day, "snapshot_date_source": source,
                              "size_bytes": cand.file.size_bytes, "encoding": doc["encoding"]})
    snaps = pl.DataFrame(snapshot_rows, schema={"doc_id": pl.Int64, "snapshot_id": pl.String, "file_name": pl.String,
                                                "layout": pl.String, "snapshot_date": pl.Date, "snapshot_date_source": pl.String,
                                                "size_bytes": pl.Int64, "encoding": pl.String})
    mentions = resolve_dates(entries.join(snaps.select("doc_id", "snapshot_id"), on="doc_id", how="semi"),
                             snaps.select("doc_id", "snapshot_date"))
    mentions = mentions.join(snaps.select("doc_id", "snapshot_id"), on="doc_id", how="left", maintain_order="left")
    valid, reasons = schemas.split_valid(mentions.select(MENTION_COLUMNS))
    rejected_mentions = (
        mentions.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
        .join(reasons, on="row", how="inner")
        .select("doc_id", "snapshot_id", "position", pl.col("raw_text").fill_null(""), "reason")
    )
    rejected_mentions = _original_api_items(rejected_mentions, docs)
    n_rejected = rejected_mentions.group_by("doc_id").len(name="n_rejected")
    snaps = (
        snaps.join(n_rejected, on="doc_id", how="left")
        .with_columns(
            pl.col("doc_id").replace_strict(counts, default=0).cast(pl.Int32).alias("n_entries"),
            pl.col("n_rejected").fill_null(0).cast(pl.Int32),
            pl.lit(PARSER_VERSION).alias("parser_version"),
            pl.lit(now).alias("ingested_at"),
        )
        .drop("doc_id")
    )
    return {
        "snapshots": schemas.SNAPSHOTS.validate(snaps.select(list(schemas.SNAPSHOTS.columns))),
        "paper_mentions": valid.drop("snapshot_date", "parse_error"),
        "rejected_mentions": schemas.REJECTED_MENTIONS.validate(rejected_mentions.drop("doc_id")),
        "rejected_files": schemas.REJECTED_FILES.validate(
            pl.DataFrame(rejected, schema={"sha256": pl.String, "file_name": pl.String, "reason": pl.String,
                                           "size_bytes": pl.Int64, "rejected_at": pl.Datetime("us")})
        ),
    }


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
        return ingest_into(con, landing_dir, **options)


def ingest_into(con: duckdb.DuckDBPyConnection, landing_dir: Path, *, chunk_bytes: int = 32 << 20,
                chunk_files: int = 256, progress: Progress | None = None) -> IngestSummary:
    """Ingest through an open connection; a chunk of files is one transaction.

    The transaction of one chunk runs on a writer thread while the next chunk
    is read and parsed (DuckDB and polars release the GIL), so the two cores
    are both busy. Chunks still commit one at a time and in order, and a
    failed commit stops the run before the next one starts.
    """
    started = time.perf_counter()
    warehouse.ensure_raw(con)
    files = list_landing_files(landing_dir)
    summary = IngestSummary(files_seen=len(files))
    index, seen = warehouse.landing_index(con), warehouse.known_contents(con)
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
        frames = build_frames(chunk, datetime.now(UTC).replace(tzinfo=None))
        frames["landing_files"] = pl.DataFrame(fresh_index, schema=LANDING_INDEX_SCHEMA)
        chunk.clear()
        fresh_index.clear()
        settle()
        pending.append(writer.submit(_write, con, frames))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
        for cand in _new_candidates(files, index, seen, summary, fresh_index):
            chunk.append(cand)
            if len(chunk) >= chunk_files or sum(len(c.data) for c in chunk) >= chunk_bytes:
                flush(writer)
        if chunk or fresh_index:
            flush(writer)
        settle()
    summary.seconds = time.perf_counter() - started
    return summary


def _write(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    warehouse.write_batch(con, frames)
    return frames
