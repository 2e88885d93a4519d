"""Before/after check of an ingest change: dump every ``raw.*`` row, then compare two dumps.

``python -m bench.raw_equality dump OUT`` ingests each world (the 118 real API
days, generated demo data of every layout, and hand-written JSON edge cases)
into a fresh warehouse and writes its raw tables as Parquet, sorted, without
the wall-clock columns (``ingested_at``, ``rejected_at``).
``python -m bench.raw_equality compare A B`` says which tables differ.
A parser change that must not change rows is proven by an empty diff.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import polars as pl

from pipeline import warehouse
from pipeline.columns import RAW_TABLES
from pipeline.ingest import ingest_landing
from pipeline.samples import generate
from pipeline.settings import PROJECT_ROOT

REAL = PROJECT_ROOT.parent / "shared" / "real"
TABLES = ("snapshots", "paper_mentions", "rejected_mentions", "field_issues", "rejected_files")
CLOCK_COLUMNS = {"ingested_at", "rejected_at"}
PAPER = {"id": "2501.00001", "title": "A Title", "summary": "An abstract long enough to pass the check.",
         "authors": [{"name": "A"}], "publishedAt": "2025-01-02T00:00:00.000Z", "upvotes": 3}
# Every JSON oddity the API parser must survive, one file each (names carry the date).
EDGE_CASES: dict[str, object] = {
    "2025-01-03_types.json": [{"paper": {**PAPER, "upvotes": "12", "authors": {"a": 1}, "summary": 5},
                               "organization": "acme", "numComments": 1.5},
                              {"paper": {**PAPER, "id": "2501.00002", "upvotes": 3.5, "ai_keywords": ["x", 1]}},
                              {"paper": {**PAPER, "id": "2501.00003", "upvotes": 10**30}}],
    "2025-01-04_missing.json": [{"paper": {"id": "2501.00004"}}, {"title": "Top-level title only"},
                                {"paper": {**PAPER, "id": "2501.00005", "publishedAt": "not a date"}}],
    "2025-01-05_nulls.json": [{"paper": {k: None for k in PAPER}, "organization": None, "numComments": None},
                              {"paper": {**PAPER, "title": None}, "title": "Fallback title"}],
    "2025-01-06_zero.json": [{"paper": {**PAPER, "upvotes": 0, "ai_keywords": [], "githubRepo": "https://x/y",
                                        "submittedOnDailyAt": "2025-01-06T10:00:00.000+02:00"},
                              "organization": {"name": "org", "fullname": "The Org"}, "numComments": 0,
                              "publishedAt": "2025-01-06T08:00:00.000Z"}],
    "2025-01-07_empty.json": [],
    "2025-01-08_object.json": {"error": "rate limited"},
    "2025-01-09_scalars.json": [1, 2],
    "2025-01-10_no_paper.json": [{"foo": 1}],
    "2025-01-11_truncated.json": '[{"paper": {"id": "2501.0',
    "2025-01-12_unicode.json": [{"paper": {**PAPER, "title": "  Über \u00e9t\u00e9 \ud83d\ude80  "}}],
}


def write_edge_cases(landing: Path) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    for name, value in EDGE_CASES.items():
        text = value if isinstance(value, str) else json.dumps(value)
        (landing / name).write_text(text, encoding="utf-8")


def worlds(root: Path) -> dict[str, Path]:
    """Landing dirs to compare: real days when present, demo data and edge cases always."""
    found = {name: REAL / name for name in ("hf_api", "hf_api_2026_02_03") if (REAL / name).is_dir()}
    generate(root / "demo", days=40, end=date(2026, 11, 20), seed=21)
    write_edge_cases(root / "edge")
    return {**found, "demo": root / "demo", "edge": root / "edge"}


def dump(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="raw-equality-"))
    try:
        for name, landing in worlds(root).items():
            db = root / f"{name}.duckdb"
            ingest_landing(landing, db)
            with warehouse.connect(db, read_only=True) as con:
                for table in TABLES:
                    columns = [c.name for c in RAW_TABLES[table] if c.name not in CLOCK_COLUMNS]
                    frame = con.sql(f"SELECT {', '.join(columns)} FROM raw.{table}").pl()
                    frame.sort(pl.all(), nulls_last=True).write_parquet(out / f"{name}.{table}.parquet")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def compare(a: Path, b: Path) -> list[str]:
    """Names of the dumps that differ (missing on one side included)."""
    names = sorted({p.name for p in a.glob("*.parquet")} | {p.name for p in b.glob("*.parquet")})
    return [n for n in names if not ((a / n).exists() and (b / n).exists()
                                     and pl.read_parquet(a / n).equals(pl.read_parquet(b / n)))]


def main(argv: list[str]) -> int:
    if argv[:1] == ["dump"] and len(argv) == 2:
        dump(Path(argv[1]))
        return 0
    if argv[:1] == ["compare"] and len(argv) == 3:
        differ = compare(Path(argv[1]), Path(argv[2]))
        count = len(list(Path(argv[1]).glob("*.parquet")))
        print(f"{count - len(differ)} of {count} dumps identical" + (f"; differ: {differ}" if differ else ""))
        return 1 if differ else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
