"""Layout ``blank_separated``: header, then title and abstract paragraphs split by blank lines."""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import drop_leading_header, finish, pair_titles, split_units

LAYOUT = "blank_separated"


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``."""
    content, header_dates = drop_leading_header(split_units(docs, "\n\n"))
    entries = pair_titles(content)
    raw = pl.concat_str([pl.col("title"), pl.col("abstract")], separator="\n\n", ignore_nulls=True)
    return finish(entries, raw), header_dates
