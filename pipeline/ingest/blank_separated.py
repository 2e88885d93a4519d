"""Layout ``blank_separated``: header, then title and abstract paragraphs split by blank lines."""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import finish, pair_entries, split_units, strip_chrome

LAYOUT = "blank_separated"


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``."""
    content, header_dates = strip_chrome(split_units(docs, "\n\n"))
    return finish(pair_entries(content, "\n\n")), header_dates
