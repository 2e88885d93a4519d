"""Layout ``annotated``: ``blank_separated`` plus a block after each abstract.

The block is three lines: ``• N authors`` or an organization (``apple Apple``),
a ``·`` line, and the publication date (``Oct 13, 2017`` or ``Oct 6`` for the
current year) optionally followed by the upvote count (``Sep 29 2``).
"""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import BLOCK_RE, FIELD_ERROR, MONTH_RE, finish, month_number, pair_entries, split_units, strip_chrome

LAYOUT = "annotated"

AUTHORS_RE = r"^•\s*([0-9]+)\s+authors?$"
DATE_RE = rf"^({MONTH_RE}) ([0-9]{{1,2}})(?:, ([0-9]{{4}}))?(?: ([0-9]+))?$"
# A block glued to the abstract above it (no blank line) is split off first: its
# first line is the one before the "·" line.
GLUED_BLOCK_RE = r"\n([^\n]*\n[ \t]*·[ \t]*\n)"
MAX_COUNT_DIGITS = 18  # beyond this an Int64 cast would overflow to null silently


def parse_blocks(entries: pl.DataFrame) -> pl.DataFrame:
    """Turn each entry's block into authors/organization/date/upvote columns.

    A block that cannot be read leaves those fields null and records why, in
    ``field_errors``: the entry itself still loads.
    """
    lines = pl.col("block").str.split("\n")
    who = lines.list.first().str.strip_chars()
    when = lines.list.last().str.strip_chars()
    handle = who.str.splitn(" ", 2)
    upvotes = when.str.extract(DATE_RE, 4)
    readable = when.str.contains(DATE_RE) & (lines.list.len() == 3)
    errors = pl.concat_list(
        pl.when(pl.col("block").is_not_null() & ~readable).then(
            pl.struct(pl.lit("annotation_block").alias("field"), pl.col("block").str.replace_all("\n", " | ").alias("raw_value"),
                      pl.lit("unreadable annotation block").alias("reason"))
        ),
        pl.when(upvotes.str.len_chars() > MAX_COUNT_DIGITS).then(
            pl.struct(pl.lit("upvotes").alias("field"), upvotes.alias("raw_value"), pl.lit("upvotes too large").alias("reason"))
        ),
    ).list.drop_nulls().cast(pl.List(FIELD_ERROR))
    org = pl.when(who.str.contains(AUTHORS_RE) | ~readable).then(None)
    return entries.with_columns(
        pl.when(readable).then(who.str.extract(AUTHORS_RE, 1).cast(pl.Int32, strict=False)).alias("authors_count"),
        org.otherwise(handle.struct.field("field_1").fill_null(who)).alias("organization"),
        org.otherwise(handle.struct.field("field_0")).alias("organization_name"),
        pl.when(readable).then(month_number(when.str.extract(DATE_RE, 1))).alias("pub_month"),
        pl.when(readable).then(when.str.extract(DATE_RE, 2).cast(pl.Int32, strict=False)).alias("pub_day"),
        pl.when(readable).then(when.str.extract(DATE_RE, 3).cast(pl.Int32, strict=False)).alias("pub_year"),
        pl.when(readable & (upvotes.str.len_chars() <= MAX_COUNT_DIGITS)).then(upvotes.cast(pl.Int64, strict=False)).alias("upvotes"),
        errors.alias("field_errors"),
    )


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``."""
    docs = docs.with_columns(pl.col("text").str.replace_all(GLUED_BLOCK_RE, "\n\n$1"))
    content, header_dates = strip_chrome(split_units(docs, "\n\n"))
    entries = pair_entries(content, "\n\n", block=pl.col("unit").str.contains(BLOCK_RE))
    if "block" not in entries.columns:
        entries = entries.with_columns(pl.lit(None, pl.String).alias("block"))
    return finish(parse_blocks(entries)), header_dates
