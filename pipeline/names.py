"""Closed vocabularies of the raw layer, defined once.

The Pandera checks (schemas.py), the origins record (ingest/origins.py), the
date rule (ingest/loader.py) and the parsers (ingest/dispatch.py) use these;
dbt's accepted_values tests in models/staging/_sources.yml repeat them (YAML
cannot import), and tests/test_names.py fails when any copy drifts.
"""

LAYOUTS = ("blank_separated", "line_pairs", "annotated", "hf_api_json")  # ingest/dispatch.py PARSERS keys
DATE_SOURCES = ("file_name", "header", "api", "mtime")  # the DESIGN.md date rule, in order
SOURCES = ("file", "fetch", "sample")  # who put a file in the landing dir
