"""Layout ``line_pairs``: no blank lines; ``Subscribe`` is glued to the first title."""

from __future__ import annotations

import polars as pl

from pipeline.ingest.common import finish, pair_entries, split_units, strip_chrome

LAYOUT = "line_pairs"


def parse(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a batch of documents; returns ``(entries, header_dates)``.

    Units are lines; the glued ``Subscribe`` is chrome like any other (see ``strip_chrome``).
    """
    content, header_dates = strip_chrome(split_units(docs, "\n"))
    return finish(pair_entries(content, "\n")), header_dates
