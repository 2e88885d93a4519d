"""Layout ``annotated``: ``blank_separated`` plus a block after each abstract.

The block is three lines: ``• N authors`` or an organization (``apple Apple``),
a ``·`` line, and the publication date (``Oct 13, 2017`` or ``Oct 6`` for the
current year) optionally followed by the upvote count (``Sep 29 2``).
"""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import MONTH_RE, drop_leading_header, finish, month_number, pair_titles, split_units

LAYOUT = "annotated"

BLOCK_RE = r"\n\s*·\s*\n"
AUTHORS_RE = r"^•\s*([0-9]+)\s+authors?$"
DATE_RE = rf"^({MONTH_RE}) ([0-9]{{1,2}})(?:, ([0-9]{{4}}))?(?: ([0-9]+))?$"


def parse_blocks(blocks: pl.DataFrame) -> pl.DataFrame:
    """Turn block paragraphs into authors/organization/date/upvote columns."""
    lines = pl.col("block").str.split("\n")
    who = lines.list.first().str.strip_chars()
    when = lines.list.last().str.strip_chars()
    org = who.str.splitn(" ", 2).struct.field("field_1").fill_null(who)
    return blocks.with_columns(
        who.str.extract(AUTHORS_RE, 1).cast(pl.Int32, strict=False).alias("authors_count"),
        pl.when(who.str.contains(AUTHORS_RE)).then(None).otherwise(org).alias("organization"),
        month_number(when.str.extract(DATE_RE, 1)).alias("pub_month"),
        when.str.extract(DATE_RE, 2).cast(pl.Int32, strict=False).alias("pub_day"),
        when.str.extract(DATE_RE, 3).cast(pl.Int32, strict=False).alias("pub_year"),
        when.str.extract(DATE_RE, 4).cast(pl.Int32, strict=False).alias("upvotes"),
        pl.when(~when.str.contains(DATE_RE) | (lines.list.len() != 3))
        .then(pl.lit("unreadable annotation block: ") + pl.col("block").str.replace_all("\n", " | "))
        .alias("parse_error"),
    )


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``."""
    content, header_dates = drop_leading_header(split_units(docs, "\n\n"))
    is_block = pl.col("unit").str.contains(BLOCK_RE)
    # Each block belongs to the entry whose title/abstract paragraphs precede it.
    content = content.with_columns(
        is_block.alias("is_block"),
        ((~is_block).cast(pl.Int32).cum_sum().over("doc_id") - 1).floordiv(2).alias("owner"),
    )
    entries = pair_titles(content.filter(~pl.col("is_block")))
    blocks = parse_blocks(
        content.filter(pl.col("is_block")).select("doc_id", pl.col("owner").alias("entry"), pl.col("unit").alias("block"))
    ).unique(["doc_id", "entry"], keep="first", maintain_order=True)
    entries = entries.join(blocks, on=["doc_id", "entry"], how="left", maintain_order="left")
    raw = pl.concat_str([pl.col("title"), pl.col("abstract"), pl.col("block")], separator="\n\n", ignore_nulls=True)
    return finish(entries, raw), header_dates
