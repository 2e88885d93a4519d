"""Layout detection from the content (never the file name) and batch parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from pipeline.ingest import annotated, blank_separated, hf_api_json, line_pairs
from pipeline.ingest.annotated import BLOCK_RE
from pipeline.ingest.common import ENTRY_COLUMNS, HEADER_DATE_RE, HEADER_SPACED_RE, doc_dates, month_number

PARSER_VERSION = "2.2"  # 2.2: a lower-cased question title ("? evidence from") is weak, no longer never a title
YEAR_LOOKBACK = 8  # a year-less Feb 29 may need up to 8 years to find a leap year
PARSERS = {m.LAYOUT: m.parse for m in (blank_separated, line_pairs, annotated, hf_api_json)}
LAYOUTS = tuple(PARSERS)

_HTML = re.compile(r"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)
_BLOCK = re.compile(BLOCK_RE)
_GLUED = re.compile(r"^Subscribe\S", re.MULTILINE)
# Every saved Daily Papers page starts with header lines (the same ones the parsers skip);
# plain text without any is not a digest.
_CHROME = re.compile(HEADER_SPACED_RE, re.MULTILINE)
CHROME_SEARCH_CHARS = 1000


class FileRejected(ValueError):
    """A whole file cannot be used; the message is the reason recorded."""


def detect_layout(text: str) -> str | None:
    """Name the layout of a decoded document, or None when it is none of them."""
    head = text.lstrip()[:1]
    if head in "[{" and head:
        return hf_api_json.LAYOUT
    if _HTML.match(text):
        return None
    if _BLOCK.search(text):
        return annotated.LAYOUT
    if "\n\n" in text.strip():
        return blank_separated.LAYOUT
    if _GLUED.search(text[:2000]) or text.count("\n") >= 2:
        return line_pairs.LAYOUT
    return None


def check_document(text: str) -> str:
    """Return the layout of a document or raise FileRejected with the reason."""
    if not text.strip():
        raise FileRejected("empty file: no text")
    if _HTML.match(text):
        raise FileRejected("HTML page, not a digest snapshot (an error or login page?)")
    layout = detect_layout(text)
    if layout is None:
        raise FileRejected("unknown layout: no digest structure found")
    if layout == hf_api_json.LAYOUT:
        try:
            hf_api_json.check_shape(text)
        except ValueError as exc:
            raise FileRejected(str(exc)) from None
    elif not (_CHROME.search(head := text[:CHROME_SEARCH_CHARS]) or _GLUED.search(head)):
        raise FileRejected(
            "no Daily Papers page header ('Get trending papers...', 'Subscribe', 'Daily Papers') at the top: not a digest page"
        )
    return layout


@dataclass(frozen=True)
class ParsedPage:
    layout: str
    entries: pl.DataFrame
    header_date: str | None
    api_date: date | None


DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def make_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """A date from parts, null when impossible (``Feb 30``) instead of an error.

    Validity is plain integer arithmetic, so trying several years per row stays cheap.
    """
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = month.replace_strict(DAYS_IN_MONTH, default=None, return_dtype=pl.Int32) + (leap & (month == 2)).cast(pl.Int32)
    possible = day.is_between(1, days)
    return pl.date(pl.when(possible).then(year), month, day)


def latest_not_after(month: pl.Expr, day: pl.Expr, limit: pl.Expr) -> pl.Expr:
    """The latest ``month``/``day`` not after ``limit`` (the one rule for every year-less date).

    Looks back up to 8 years, so ``Feb 29`` finds its leap year; null when the
    day does not exist in any of them.
    """
    candidates = [make_date(limit.dt.year() - back, month, day) for back in range(YEAR_LOOKBACK + 1)]
    return pl.coalesce([pl.when(c <= limit).then(c) for c in candidates])


def header_date_parts(header: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Month and day of a header date line (``Oct 30``)."""
    return month_number(header.str.extract(HEADER_DATE_RE, 1)), header.str.extract(HEADER_DATE_RE, 2).cast(pl.Int32)


def resolve_dates(entries: pl.DataFrame, snapshot_dates: pl.DataFrame) -> pl.DataFrame:
    """Turn year/month/day parts into ``published_on``.

    A date without a year is the latest such day not after the snapshot date.
    A day that does not exist leaves ``published_on`` null and adds a field error.
    """
    snap, month, day = pl.col("snapshot_date"), pl.col("pub_month"), pl.col("pub_day")
    published = (
        pl.when(pl.col("pub_year").is_not_null()).then(make_date(pl.col("pub_year"), month, day))
        .otherwise(latest_not_after(month, day, snap))
    )
    impossible = month.is_not_null() & published.is_null()
    error = pl.struct(
        pl.lit("published_on").alias("field"),
        pl.format("{}-{}-{}", pl.col("pub_year").cast(pl.String).fill_null("????"), month, day).alias("raw_value"),
        pl.lit("impossible publication date").alias("reason"),
    )
    return entries.join(snapshot_dates, on="doc_id", how="left", maintain_order="left").with_columns(
        published.alias("published_on"),
        pl.when(impossible).then(pl.col("field_errors").list.concat(pl.concat_list(error)))
        .otherwise(pl.col("field_errors")).alias("field_errors"),
    ).drop("pub_year", "pub_month", "pub_day")


def parse_batch(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse documents of mixed layouts (``doc_id``, ``layout``, ``text``).

    Returns ``(entries, dates)`` where ``dates`` has ``header_date`` and
    ``api_date`` per document (null when absent).
    """
    parts, dates = [pl.DataFrame(schema=ENTRY_COLUMNS)], [doc_dates(docs.select("doc_id"))]
    for layout, parse in PARSERS.items():
        subset = docs.filter(pl.col("layout") == layout)
        if not subset.is_empty():
            entries, doc_dates_found = parse(subset)
            parts.append(entries)
            dates.append(doc_dates_found)
    found = pl.concat(dates).group_by("doc_id").agg(pl.col("header_date", "api_date").drop_nulls().first())
    return pl.concat(parts, how="vertical_relaxed"), found


def parse_text(text: str, snapshot_date: date | None = None, include_unpaired: bool = False) -> ParsedPage:
    """Parse one decoded document (convenience wrapper used by tests and tools)."""
    layout = check_document(text)
    docs = pl.DataFrame({"doc_id": [0], "layout": [layout], "text": [text]})
    entries, dates = parse_batch(docs)
    entries = resolve_dates(entries, pl.DataFrame({"doc_id": [0], "snapshot_date": [snapshot_date or date.today()]}))
    entries = entries.filter(pl.col("reject_reason").is_null()) if not include_unpaired else entries
    row = dates.row(0, named=True)
    return ParsedPage(layout, entries.drop("doc_id", "snapshot_date"), row["header_date"], row["api_date"])
