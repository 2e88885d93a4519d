"""Layout ``line_pairs``: no blank lines; ``Subscribe`` is glued to the first title."""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import drop_leading_header, finish, pair_titles, split_units

LAYOUT = "line_pairs"

# "SubscribeNeural Passage Quality ..." -> "Neural Passage Quality ..."
GLUED_SUBSCRIBE = r"^Subscribe(\S)"


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``."""
    units = split_units(docs, "\n").with_columns(
        pl.when(pl.col("unit_no") < 4)
        .then(pl.col("unit").str.replace(GLUED_SUBSCRIBE, "$1"))
        .otherwise(pl.col("unit"))
        .alias("unit")
    )
    content, header_dates = drop_leading_header(units)
    entries = pair_titles(content)
    raw = pl.concat_str([pl.col("title"), pl.col("abstract")], separator="\n", ignore_nulls=True)
    return finish(entries, raw), header_dates
