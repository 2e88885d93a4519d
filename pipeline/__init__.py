"""papertrends: ML-paper digests to deduplicated papers and topic trends."""

__version__ = "0.1.0"
