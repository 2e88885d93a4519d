"""Who wrote a landing file: the fetch, the sample generator, or someone else.

``raw.snapshots.source`` (``file``, ``fetch``, ``sample``) lets an operator
tell demo rows from real ones and drop them. The writers that the pipeline
owns (the HF fetch, the sample generator) record the SHA-256 of each file they
write in a hidden JSON-lines manifest in the landing dir; the ingest looks a
file's content hash up there, and anything not recorded is ``file``. The
manifest's name starts with ``.``, so discovery never takes it for a snapshot.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from pipeline.names import SOURCES

MANIFEST_NAME = ".papertrends-origins.jsonl"
DEFAULT_SOURCE = "file"


def record_origins(landing_dir: Path, written: Iterable[tuple[str, str]], source: str) -> None:
    """Append ``(file_name, sha256)`` pairs written by ``source`` to the manifest.

    One ``write`` of whole lines on an ``O_APPEND`` descriptor, so two writers
    never interleave inside a line.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    lines = "".join(json.dumps({"file_name": name, "sha256": sha, "source": source}) + "\n" for name, sha in written)
    if not lines:
        return
    landing_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(landing_dir / MANIFEST_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, lines.encode("utf-8"))
    finally:
        os.close(fd)


def read_origins(landing_dir: Path) -> dict[str, str]:
    """SHA-256 → source for every file a pipeline writer recorded (unreadable lines are skipped)."""
    path = landing_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    origins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn last line after a crash: that file is simply 'file'
        if isinstance(row, dict) and row.get("source") in SOURCES and isinstance(row.get("sha256"), str):
            origins[row["sha256"]] = row["source"]
    return origins


def source_of(origins: dict[str, str], sha: str) -> str:
    """The recorded writer of a content, ``file`` when none recorded it."""
    return origins.get(sha, DEFAULT_SOURCE)
