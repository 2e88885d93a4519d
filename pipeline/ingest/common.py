"""Vectorized building blocks shared by the text layouts.

Every parser works on a batch of documents at once: a polars frame with
``doc_id`` and ``text`` (newlines already normalized to ``\\n``). Lines and
paragraphs are exploded into rows and classified with expressions, so the cost
per entry stays in polars and never in a Python loop.
"""

from __future__ import annotations

import polars as pl

# Page chrome that is never a paper, compared with white space removed and
# lower-cased ("byAK and the research community" == "by AK and the ...").
HEADER_RE = (
    r"^(new|gettrendingpapersinyouremailinbox(onceaday)?!?|subscribe|dailypapers"
    r"|byakandtheresearchcommunity)$"
)


def _spaced(pattern: str) -> str:
    """Rewrite a squashed, lower-case pattern to run on the unit as it is.

    ``is_header`` used to remove white space and lower-case every unit before
    matching, which costs a copy of each 2 KB abstract. Allowing white space
    after every literal and both cases of every letter matches exactly the
    same units (the Kelvin sign is the only non-ASCII character that
    lower-cases to one of these letters) and rejects long paragraphs after a
    few characters.
    """
    out = []
    for char in pattern:
        if char.isalpha():
            cases = char + char.upper() + ("\u212A" if char == "k" else "")
            out.append(f"(?:[{cases}]\\s*)")
        elif char == "!":
            out.append("(?:!\\s*)")
        else:
            out.append(char)
    return r"^\s*(?:" + "".join(out).removeprefix("^").removesuffix("$") + ")$"


HEADER_SPACED_RE = _spaced(HEADER_RE)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_RE = "|".join(MONTHS)
HEADER_DATE_RE = rf"^({MONTH_RE}) ([0-9]{{1,2}})$"

ENTRY_COLUMNS: dict[str, pl.DataType] = {
    "doc_id": pl.Int64(),
    "position": pl.Int32(),
    "title": pl.String(),
    "abstract": pl.String(),
    "authors_count": pl.Int32(),
    "organization": pl.String(),
    "pub_year": pl.Int32(),
    "pub_month": pl.Int32(),
    "pub_day": pl.Int32(),
    "upvotes": pl.Int32(),
    "arxiv_id": pl.String(),
    "raw_text": pl.String(),
    "parse_error": pl.String(),
}


def is_header(col: str) -> pl.Expr:
    """True for the page's fixed header lines, whatever their spacing and case."""
    return pl.col(col).str.contains(HEADER_SPACED_RE)


def month_number(expr: pl.Expr) -> pl.Expr:
    """Map a three-letter English month name to 1..12 (null otherwise)."""
    return expr.replace_strict(list(MONTHS), list(range(1, 13)), default=None, return_dtype=pl.Int32)


def split_units(docs: pl.DataFrame, separator: str) -> pl.DataFrame:
    """Explode each document into non-empty units (lines or paragraphs) in page order."""
    return (
        docs.select(
            "doc_id",
            pl.col("text").str.split(separator).alias("unit"),
        )
        .explode("unit")
        .with_columns(pl.col("unit").str.strip_chars())
        .filter(pl.col("unit") != "")
        .with_columns(pl.int_range(pl.len()).over("doc_id").alias("unit_no"))
    )


def drop_leading_header(units: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the leading run of header units (chrome and date line) from the content.

    Returns ``(content, header_dates)``; ``header_dates`` holds the raw date
    line found in the header run, one row per document that has one.
    """
    chrome = is_header("unit")
    date_line = pl.col("unit").str.contains(HEADER_DATE_RE)
    marked = units.with_columns(
        ((~(chrome | date_line)).cast(pl.Int32).cum_sum().over("doc_id") == 0).alias("in_header"),
        chrome.alias("chrome"),
    )
    header_dates = doc_dates(
        marked.filter(pl.col("in_header") & date_line)
        .group_by("doc_id", maintain_order=True)
        .agg(pl.col("unit").first().alias("header_date"))
    )
    # Chrome words are never papers, even outside the leading run.
    content = marked.filter(~pl.col("in_header") & ~pl.col("chrome")).drop("in_header", "chrome")
    return content, header_dates


def doc_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Give every layout's per-document dates the same columns."""
    return frame.select(
        "doc_id",
        pl.col("header_date") if "header_date" in frame.columns else pl.lit(None, pl.String).alias("header_date"),
        pl.col("api_date") if "api_date" in frame.columns else pl.lit(None, pl.Date).alias("api_date"),
    )


def pair_titles(content: pl.DataFrame) -> pl.DataFrame:
    """Alternate title/abstract units into entries with a 1-based ``position``.

    A trailing title without an abstract still becomes an entry (with a null
    abstract) so that validation rejects it with a reason instead of losing it.
    """
    numbered = content.with_columns(pl.int_range(pl.len()).over("doc_id").alias("k"))
    titles = numbered.filter(pl.col("k") % 2 == 0).select(
        "doc_id", (pl.col("k") // 2).alias("entry"), pl.col("unit").alias("title")
    )
    abstracts = numbered.filter(pl.col("k") % 2 == 1).select(
        "doc_id", (pl.col("k") // 2).alias("entry"), pl.col("unit").alias("abstract")
    )
    return titles.join(abstracts, on=["doc_id", "entry"], how="left", maintain_order="left").with_columns(
        (pl.col("entry") + 1).cast(pl.Int32).alias("position")
    )


def finish(entries: pl.DataFrame, raw_text: pl.Expr) -> pl.DataFrame:
    """Give a layout's output the common entry shape (missing fields null)."""
    entries = entries.with_columns(raw_text.alias("raw_text"))
    return entries.select(
        [
            pl.col(name).cast(dtype, strict=False) if name in entries.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in ENTRY_COLUMNS.items()
        ]
    )
