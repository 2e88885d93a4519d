"""Benchmark harness (``make bench``): ingest and refresh timings against a floor and a peer."""
