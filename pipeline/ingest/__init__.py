"""Snapshot ingest: discover landing files, parse every layout, validate, load ``raw.*``."""

from pipeline.ingest.loader import IngestSummary, ingest_landing

__all__ = ["IngestSummary", "ingest_landing"]
