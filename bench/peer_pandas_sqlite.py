"""The peer to beat: the loader a user would write by hand with pandas and sqlite.

One file at a time: read the text, walk its lines in Python, build a pandas
DataFrame of the entries and ``to_sql`` it into a sqlite file. No validation
framework, no batching across files, no content hashing: the benchmark runs it
on the same landing files as our ingest and reports the speed-up.

Run alone: ``python -m bench.peer_pandas_sqlite LANDING_DIR DB_PATH``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from pathlib import Path

import pandas as pd

HEADER = {
    "new", "gettrendingpapersinyouremailinbox!", "gettrendingpapersinyouremailinboxonceaday!",
    "subscribe", "dailypapers", "byakandtheresearchcommunity",
}
AUTHORS = re.compile(r"^•\s*(\d+)\s+authors?$")
PUBLISHED = re.compile(r"^(\w{3}) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$")
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
COLUMNS = ["title", "abstract", "authors_count", "organization", "published_on", "upvotes", "arxiv_id"]


def is_header(line: str) -> bool:
    return "".join(line.split()).lower() in HEADER


def paragraphs(lines: list[str]) -> list[list[str]]:
    """Group lines into paragraphs separated by blank lines."""
    groups, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def parse_paragraphs(text: str, year: str) -> list[dict]:
    """``blank_separated`` and ``annotated`` pages: title, abstract, optional ``·`` block."""
    rows: list[dict] = []
    pending: list[str] = []
    for para in paragraphs(text.split("\n")):
        if "·" in para and len(para) == 3:  # annotation block: who, "·", date [upvotes]
            if rows:
                who, _, when = para
                authors = AUTHORS.match(who)
                rows[-1]["authors_count"] = int(authors.group(1)) if authors else None
                rows[-1]["organization"] = None if authors else who.split(" ", 1)[-1]
                published = PUBLISHED.match(when)
                if published:
                    month, day, in_year, upvotes = published.groups()
                    rows[-1]["published_on"] = f"{in_year or year}-{MONTHS.get(month, 0):02d}-{int(day):02d}"
                    rows[-1]["upvotes"] = int(upvotes) if upvotes else None
            continue
        line = " ".join(para)
        if not rows and not pending and is_header(line):
            continue
        pending.append(line)
        if len(pending) == 2:
            rows.append({"title": pending[0], "abstract": pending[1]})
            pending = []
    return rows


def parse_line_pairs(text: str) -> list[dict]:
    """``line_pairs`` pages: header lines, then title and abstract on alternate lines."""
    rows: list[dict] = []
    pending: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("Subscribe") and not rows and not pending:
            line = line[len("Subscribe"):]
        if not line or (not rows and not pending and is_header(line)):
            continue
        pending.append(line)
        if len(pending) == 2:
            rows.append({"title": pending[0], "abstract": pending[1]})
            pending = []
    return rows


def parse_json(text: str) -> list[dict]:
    rows = []
    for item in json.loads(text):
        paper = item.get("paper", {})
        org = item.get("organization") or {}
        rows.append({
            "title": paper.get("title") or item.get("title"),
            "abstract": paper.get("summary"),
            "authors_count": len(paper.get("authors", [])),
            "organization": org.get("fullname") or org.get("name"),
            "upvotes": paper.get("upvotes"),
            "arxiv_id": paper.get("id"),
            "published_on": (paper.get("publishedAt") or "")[:10] or None,
        })
    return rows


def parse_file(text: str, year: str) -> list[dict]:
    if text.lstrip().startswith("["):
        return parse_json(text)
    if "\n\n" in text:
        return parse_paragraphs(text, year)
    return parse_line_pairs(text)


def load(landing_dir: Path, db_path: Path) -> dict:
    """Load every file of ``landing_dir`` into sqlite; returns counts and seconds."""
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    files = entries = size = 0
    for path in sorted(landing_dir.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        year = path.name[:4] if path.name[:4].isdigit() else str(time.gmtime(path.stat().st_mtime).tm_year)
        frame = pd.DataFrame(parse_file(text, year), columns=COLUMNS)
        frame.insert(0, "position", range(1, len(frame) + 1))
        frame.insert(0, "file_name", path.name)
        frame.to_sql("paper_mentions", con, if_exists="append", index=False)
        pd.DataFrame([{"file_name": path.name, "n_entries": len(frame)}]).to_sql(
            "snapshots", con, if_exists="append", index=False)
        files, entries, size = files + 1, entries + len(frame), size + path.stat().st_size
    con.close()
    return {"files": files, "entries": entries, "bytes": size, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    print(json.dumps(load(Path(sys.argv[1]), Path(sys.argv[2]))))
