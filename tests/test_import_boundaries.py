"""Loading the code location (webserver, daemon, every run) imports only what it needs to define the
assets; Pandera (with pandas) and matplotlib come with the steps that use them (pipeline/ingest/loader.py,
pipeline/checks.py, pipeline/report.py), and the resources do not import the dbt step.

One fresh interpreter (the test process has imported everything) looks at ``sys.modules`` three times,
each import adding to the last: after ``pipeline.resources``, after the code location, after the ingest
has validated a batch. One process rather than one per question: each start costs 2-4 CPU s of imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.settings import PROJECT_ROOT

LATE = ("pandera", "pandas", "matplotlib")
PROBE = f"""
import json, sys
seen = {{}}
import pipeline.resources
seen["resources"] = "pipeline.dbt" in sys.modules
import pipeline.definitions
seen["definitions"] = sorted(m for m in {LATE!r} if m in sys.modules)
from pipeline.ingest.loader import build_frames, utc_now
build_frames([], utc_now())
seen["ingest"] = sorted(m for m in {LATE!r} if m in sys.modules)
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def loaded() -> dict:
    """The modules of interest present after each step of PROBE, in one fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_resources_do_not_import_dbt_module(loaded: dict) -> None:
    assert loaded["resources"] is False


def test_the_code_location_loads_without_pandera_pandas_or_matplotlib(loaded: dict) -> None:
    assert loaded["definitions"] == []


def test_the_ingest_still_validates_with_pandera(loaded: dict) -> None:
    assert "pandera" in loaded["ingest"]
