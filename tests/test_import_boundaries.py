"""Loading the code location (webserver, daemon, every run) imports only what it needs to define the
assets; Pandera (with pandas) and matplotlib come with the steps that use them (pipeline/ingest/loader.py,
pipeline/checks.py, pipeline/report.py)."""

from __future__ import annotations

import subprocess
import sys

from pipeline.settings import PROJECT_ROOT

LATE = ("pandera", "pandas", "matplotlib")


def test_the_code_location_loads_without_pandera_pandas_or_matplotlib() -> None:
    code = f"import sys, pipeline.definitions; print(sorted(m for m in {LATE!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_ingest_still_validates_with_pandera() -> None:
    code = ("import sys; from pipeline.ingest.loader import build_frames, utc_now; build_frames([], utc_now()); "
            "print('pandera' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
