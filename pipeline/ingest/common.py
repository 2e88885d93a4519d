"""Vectorized building blocks shared by the text layouts.

Every parser works on a batch of documents at once: a polars frame with
``doc_id`` and ``text`` (newlines already normalized to ``\\n``). Lines and
paragraphs are exploded into rows and classified with expressions, so the cost
per entry stays in polars and never in a Python loop.
"""

from __future__ import annotations

import polars as pl

from pipeline.columns import polars_schema
from pipeline.ingest.structure import assign_roles

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

# What every parser returns per entry: the raw columns it can fill (the rest
# come from the snapshot), date parts resolved later, and the parser's verdicts.
FIELD_ERROR = pl.Struct({"field": pl.String(), "raw_value": pl.String(), "reason": pl.String()})
ENTRY_COLUMNS: dict[str, pl.DataType] = {
    "doc_id": pl.Int64(),
    **{name: dtype for name, dtype in polars_schema("paper_mentions").items() if name not in ("snapshot_id", "published_on")},
    "pub_year": pl.Int32(),
    "pub_month": pl.Int32(),
    "pub_day": pl.Int32(),
    "raw_text": pl.String(),
    "reject_reason": pl.String(),
    "field_errors": pl.List(FIELD_ERROR),
}
UNPAIRED = "unpaired paragraph"
TITLE_SHAPED_SUMMARY = "summary shaped like a title, kept as the summary"
# Chrome that a saved page may glue to the first title ("SubscribeNeural Passage ...").
GLUED_CHROME_RE = (
    r"(?m)^(Subscribe|Daily Papers|by ?AK and the research community|Get trending papers in your email inbox( once a day)?!)"
    r"[ \t]*([A-Za-z0-9])"
)
GLUED_DATE_RE = rf"(?m)^((?:{MONTH_RE}) [0-9]{{1,2}})(\p{{L}})"
GLUED_SEARCH_UNITS = 12
BLOCK_RE = r"\n\s*·\s*\n"


def is_header(col: str) -> pl.Expr:
    """True for the page's fixed header lines, whatever their spacing and case."""
    return pl.col(col).str.contains(HEADER_SPACED_RE)


def month_number(expr: pl.Expr) -> pl.Expr:
    """Map a three-letter English month name to 1..12 (null otherwise)."""
    return expr.replace_strict(list(MONTHS), list(range(1, 13)), default=None, return_dtype=pl.Int32)


def split_units(docs: pl.DataFrame, separator: str) -> pl.DataFrame:
    """Explode each document into non-empty units (lines or paragraphs) in page order.

    Lines holding only spaces count as blank, so they separate paragraphs too.
    """
    return (
        docs.select("doc_id", pl.col("text").str.replace_all(r"(?m)^[ \t]+$", "").str.split(separator).alias("unit"))
        .explode("unit")
        .with_columns(pl.col("unit").str.strip_chars())
        .filter(pl.col("unit") != "")
        .with_columns(pl.int_range(pl.len()).over("doc_id").alias("unit_no"))
    )


def strip_chrome(units: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Remove page chrome in any arrangement; return ``(content, header_dates)``.

    Chrome is recognised line by line, so it may stand one line per paragraph,
    on consecutive lines of one paragraph, glued to the first title, with
    lines missing or repeated. Year-less date lines are chrome too; the first
    one before any content is the page's header date. Annotation blocks
    (``·`` lines, whose dates are data) are left alone.
    """
    block = pl.col("unit").str.contains(BLOCK_RE)
    # Chrome glued to the first title ("SubscribeNeural ...", "Dec 7Live ...") goes on a line of its own.
    unglued = pl.col("unit").str.replace_all(GLUED_CHROME_RE, "$1\n$3").str.replace_all(GLUED_DATE_RE, "$1\n$2")
    lines = (
        units.with_columns(
            pl.when(block).then(pl.concat_list(pl.col("unit")))
            .otherwise(pl.when(pl.col("unit_no") < GLUED_SEARCH_UNITS).then(unglued).otherwise(pl.col("unit")).str.split("\n"))
            .alias("line"),
            block.alias("is_block"),
        )
        .explode("line")
        .with_columns(pl.when(pl.col("is_block")).then(pl.col("line")).otherwise(pl.col("line").str.strip_chars()).alias("line"))
        .filter(pl.col("line") != "")
    )
    date_line = ~pl.col("is_block") & pl.col("line").str.contains(HEADER_DATE_RE)
    chrome = ~pl.col("is_block") & is_header("line")
    marked = lines.with_columns(
        (chrome | date_line).alias("chrome"),
        date_line.alias("date_line"),
        ((~(chrome | date_line)).cast(pl.Int32).cum_sum().over("doc_id") == 0).alias("in_header"),
    )
    header_dates = doc_dates(
        marked.filter(pl.col("in_header") & pl.col("date_line"))
        .group_by("doc_id", maintain_order=True)
        .agg(pl.col("line").first().alias("header_date"))
    )
    content = (
        marked.filter(~pl.col("chrome"))
        .group_by("doc_id", "unit_no", maintain_order=True)
        .agg(pl.col("line").str.join("\n").alias("unit"))
        .select(*units.columns)
    )
    return content, header_dates


def doc_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Give every layout's per-document dates the same columns."""
    return frame.select(
        "doc_id",
        pl.col("header_date") if "header_date" in frame.columns else pl.lit(None, pl.String).alias("header_date"),
        pl.col("api_date") if "api_date" in frame.columns else pl.lit(None, pl.Date).alias("api_date"),
    )


def pair_entries(content: pl.DataFrame, separator: str, block: pl.Expr | None = None) -> pl.DataFrame:
    """Entries from content units by shape (see ``structure``), unpaired units as rejections.

    Returns one row per title (``title``, ``abstract`` joined from its
    attached units, ``block`` when the layout has one) and one row per
    unpaired or junk unit (null title, ``reject_reason``), numbered in page order.
    """
    roles = assign_roles(content, block)
    keys = ["doc_id", "entry"]
    titles = roles.filter(pl.col("role") == "title").select(*keys, "position", pl.col("unit").alias("title"))
    attached = roles.filter(pl.col("role") == "attach").group_by(keys, maintain_order=True).agg(
        pl.col("unit").str.join(separator).alias("abstract"),
        pl.col("unit").slice(1).str.join(separator).alias("extra"),
        pl.len().alias("n_paragraphs"),
        pl.col("unit").filter(pl.col("title_shaped")).first().alias("title_shaped"),
    ).with_columns(
        # More than one paragraph under a title (a split abstract, a comment, or a title that did
        # not look like one) is kept in the abstract and recorded, never dropped silently; so is
        # a summary shaped like a title (it could have been one).
        pl.concat_list(
            pl.when(pl.col("n_paragraphs") > 1).then(pl.struct(
                pl.lit("abstract").alias("field"), pl.col("extra").str.slice(0, 500).alias("raw_value"),
                pl.format("abstract joined from {} paragraphs", "n_paragraphs").alias("reason"),
            )),
            pl.when(pl.col("title_shaped").is_not_null()).then(pl.struct(
                pl.lit("abstract").alias("field"), pl.col("title_shaped").alias("raw_value"),
                pl.lit(TITLE_SHAPED_SUMMARY).alias("reason"),
            )),
        ).list.drop_nulls().alias("field_errors")
    ).drop("extra", "n_paragraphs", "title_shaped")
    blocks = roles.filter(pl.col("role") == "block").select(*keys, pl.col("unit").alias("block"))
    entries = titles.join(attached, on=keys, how="left", maintain_order="left").join(
        blocks, on=keys, how="left", maintain_order="left"
    ).with_columns(
        pl.concat_str([pl.col("title"), pl.col("abstract"), pl.col("block")], separator=separator, ignore_nulls=True).alias("raw_text")
    )
    unpaired = roles.filter(pl.col("role").is_in(["unpaired", "junk"])).select(
        "doc_id", "position", pl.col("unit").alias("raw_text"), pl.col("junk").fill_null(UNPAIRED).alias("reject_reason")
    )
    return pl.concat([entries.drop("entry"), unpaired], how="diagonal_relaxed").sort("doc_id", "position")


def finish(entries: pl.DataFrame) -> pl.DataFrame:
    """Give a layout's output the common entry shape (missing fields null, no field errors)."""
    return entries.select(
        [
            pl.col(name).cast(dtype, strict=False) if name in entries.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in ENTRY_COLUMNS.items()
        ]
    ).with_columns(pl.col("field_errors").fill_null(pl.lit([], ENTRY_COLUMNS["field_errors"])))
