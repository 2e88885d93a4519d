"""Landing-dir listing, content identity and decoding of snapshot files."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.ingest.dispatch import FileRejected

IGNORED_SUFFIXES = (".tmp", ".part")
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
ISO_DATE_RE = re.compile(r"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?![0-9])")
# A re-fetch of a day is stored as ``YYYY-MM-DD_fetch<FETCH_STAMP>.json`` (pipeline/fetch.py writes it).
FETCH_STAMP = "%Y%m%dT%H%M%SZ"
FETCH_SUFFIX_RE = re.compile(r"_fetch(\d{8}T\d{6}Z)")
# Control characters other than tab, newline and carriage return.
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@dataclass(frozen=True)
class LandingFile:
    path: Path
    size_bytes: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def mtime_date(self) -> date:
        return datetime.fromtimestamp(self.mtime_ns / 1e9, tz=UTC).date()

    @property
    def fetched_at(self) -> datetime:
        """When the content was fetched (UTC, naive): the ``_fetch`` stamp of a re-fetch, else the file's mtime.

        The mtime is cut to the whole second, the precision of the stamps: else a first version written
        at 05:30:00.9 would rank after its re-fetch stamped 05:30:00 (made in the same second, so later).
        Tied versions are then ordered by their load (``ingested_at``, int_paper_mentions's recency)."""
        found = FETCH_SUFFIX_RE.search(self.name)
        if found:
            try:
                return datetime.strptime(found.group(1), FETCH_STAMP)
            except ValueError:
                pass
        return datetime.fromtimestamp(self.mtime_ns // 1_000_000_000, tz=UTC).replace(tzinfo=None)


def is_complete_name(name: str) -> bool:
    """Hidden, ``.tmp`` and ``.part`` files are still being written by someone."""
    return not name.startswith(".") and not name.endswith(IGNORED_SUFFIXES)


def list_landing_files(landing_dir: Path) -> list[LandingFile]:
    """Complete regular files of the landing dir, oldest first, then by name."""
    if not landing_dir.is_dir():
        return []
    found = []
    for path in landing_dir.iterdir():
        if is_complete_name(path.name) and path.is_file():
            stat = path.stat()
            found.append(LandingFile(path, stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda f: (f.mtime_ns, f.name))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text with ``\\n`` newlines; returns ``(text, encoding)``.

    UTF-8 (with or without BOM) and UTF-16 with BOM load as they are; other
    8-bit text is read as Windows-1252 (a superset of Latin-1 for printable
    text) so accented titles survive. Binary content is rejected.
    """
    if not data:
        raise FileRejected("empty file: 0 bytes")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif b"\x00" in data[:8192]:
        raise FileRejected("binary content: NUL bytes, not a text snapshot")
    else:
        bom = data.startswith(codecs.BOM_UTF8)
        body = data[3:] if bom else data
        try:
            text, encoding = body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError as exc:
            if UTF8_MULTIBYTE.search(body):
                # Mostly UTF-8 with a broken byte: reading it as cp1252 would garble every accent.
                raise FileRejected(f"invalid UTF-8 at byte offset {exc.start} in an otherwise UTF-8 file") from None
            try:
                text, encoding = body.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise FileRejected(f"not text: invalid byte at offset {exc.start} for UTF-8 and Windows-1252") from None
    sample = text[:65536]
    if control_count(sample) > max(8, len(sample) // 100):
        raise FileRejected("binary content: too many control characters for a text snapshot")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def control_count(text: str) -> int:
    """Number of ``CONTROL_BYTES`` characters, counted in C rather than by a regex scan.

    Control characters are ASCII, and UTF-8 never uses ASCII bytes inside a
    multi-byte sequence, so deleting those bytes from the UTF-8 form removes
    exactly one byte per control character.
    """
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, CONTROL_BYTES))


def date_from_name(name: str) -> date | None:
    """An ISO date in the file name (``2026-11-21.txt``, ``digest_2026-11-21.json``)."""
    for match in ISO_DATE_RE.finditer(name):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None
