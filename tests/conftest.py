"""Shared fixtures: every test gets its own world of files under ``tmp_path``."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from pipeline.samples import SampleManifest

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
REAL = PROJECT_ROOT.parent / "shared" / "real"
REAL_DAYS = sorted(p for f in ("hf_api", "hf_api_2026_02_03") if (REAL / f).is_dir() for p in (REAL / f).glob("*.json"))

# The slowest files first (CPU s per file in the suite, 2026-12-03 evening, after p25suite's cuts), the rest in
# their own order: with `-n 2 --dist loadfile --no-loadscope-reorder` (make test) xdist hands out whole files in
# this order, so a long file never starts last while the other worker has nothing left to do. test_report and
# test_dbt_terms_real come late on purpose: they read the session worlds test_dbt_samples builds (a worker
# that asks for a world another worker is building waits for it).
SLOWEST_FILES = (
    "test_team.py", "test_dbt_samples.py", "test_job.py", "test_dbt_subsets.py", "test_ingest_upgrade.py",
    "test_run_instance.py", "test_delivery.py", "test_bench.py", "test_fetch.py", "test_ingest_real.py",
    "test_dbt_term_incremental.py", "test_demo_data.py", "test_resources.py", "test_ingest_files.py",
    "test_dbt_terms.py", "test_dbt_trends.py", "test_observed_dates.py", "test_publish.py", "test_import_boundaries.py",
    "test_dbt_seeds.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest files first (a stable sort: each file's tests stay together and in order)."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point every PAPERTRENDS_* variable into tmp_path and return the settings."""
    for name, sub in {
        "PAPERTRENDS_LANDING_DIR": "landing",
        "PAPERTRENDS_WAREHOUSE": "warehouse.duckdb",
        "PAPERTRENDS_ANALYTICS": "analytics.duckdb",
        "PAPERTRENDS_REPORT_DIR": "reports",
    }.items():
        monkeypatch.setenv(name, str(tmp_path / sub))
    settings = Settings.from_env()
    settings.landing_dir.mkdir(parents=True)
    return settings


def write_file(path: Path, content: bytes | str, day: str = "2026-11-20") -> Path:
    """Write a landing file and stamp its mtime at noon UTC of ``day``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    stamp = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def shared_world(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A world built once per session in a directory every xdist worker sees: a file lock lets one
    worker build it while the others wait. Tests only read it (DuckDB files opened read-only)."""
    base = factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared_worlds"
    shared.mkdir(exist_ok=True)
    root, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            build(root)
            done.touch()
    return root


@pytest.fixture(scope="session")
def real_days_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 118 real API days of ../shared/real ingested and built by dbt, once per session, read-only.

    Its readers (test_dbt_samples, test_dbt_terms_real) read raw and the term path only, so dbt builds
    ``marts.term_trends``, everything upstream of it and the data tests whose every parent is built
    (the other marts are built in full on the generated and hand-made worlds)."""
    if len(REAL_DAYS) != 118:
        pytest.skip(f"the 118 real days not found in {REAL} (shared data absent)")

    def build(root: Path) -> None:
        from pipeline.ingest import ingest_landing
        from tests.fixtures.dbt.world import dbt_build

        landing, warehouse = root / "landing", root / "warehouse.duckdb"
        landing.mkdir()
        for path in REAL_DAYS:
            shutil.copy(path, landing / path.name)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PAPERTRENDS_WAREHOUSE", str(warehouse))
            ingest_landing(landing, warehouse)
            dbt_build(root, "--select", "+term_trends", "--indirect-selection", "cautious")

    return shared_world(tmp_path_factory, "real_days", build) / "warehouse.duckdb"


SAMPLES_DAYS, SAMPLES_END, SAMPLES_SEED = 150, date(2026, 11, 20), 7


@dataclass(frozen=True)
class SamplesWorld:
    """The generated samples world (read-only): its warehouse after each state, and the generator's truth."""

    root: Path

    @property
    def warehouse(self) -> Path:
        """After 149 days, +1 day (an incremental build), then a rerun with nothing new."""
        return self.root / "warehouse.duckdb"

    @property
    def incremental(self) -> Path:
        """A copy of the warehouse taken right after the incremental build (before the rerun)."""
        return self.root / "incremental.duckdb"

    @property
    def full(self) -> Path:
        """A copy of the final warehouse rebuilt with ``dbt build --full-refresh``."""
        return self.root / "full_refresh" / "warehouse.duckdb"

    @property
    def dbt_manifest(self) -> Path:
        """manifest.json of the rerun's build of ``warehouse`` (publish takes the column comments from it)."""
        return self.root / "target" / "manifest.json"

    @property
    def truth(self) -> SampleManifest:
        """What the generator wrote (its manifest, pickled by the worker that built the world)."""
        return pickle.loads((self.root / "truth.pickle").read_bytes())  # noqa: S301 - written by build below


@pytest.fixture(scope="session")
def samples_world(tmp_path_factory: pytest.TempPathFactory) -> SamplesWorld:
    """``pipeline.samples.generate``'s 150 days (2026-06-24 .. 11-20, seed 7) built the way the daily job runs:
    149 days, then one more as an incremental build, then a rerun without new data; a copy rebuilt with
    ``--full-refresh``. Once per session: test_dbt_samples checks the marts, test_report the report on them."""

    def build(root: Path) -> None:
        from pipeline.ingest import ingest_landing
        from pipeline.samples import generate
        from tests.fixtures.dbt.world import dbt_build

        generated, landing, world = root / "generated", root / "landing", SamplesWorld(root)
        truth = generate(generated, days=SAMPLES_DAYS, end=SAMPLES_END, seed=SAMPLES_SEED)
        (root / "truth.pickle").write_bytes(pickle.dumps(truth))
        *history, last = sorted(generated.iterdir())
        landing.mkdir()
        for path in history:
            path.rename(landing / path.name)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PAPERTRENDS_WAREHOUSE", str(world.warehouse))
            ingest_landing(landing, world.warehouse)
            dbt_build(root)
            last.rename(landing / last.name)
            ingest_landing(landing, world.warehouse)
            dbt_build(root)
            shutil.copy(world.warehouse, world.incremental)
            dbt_build(root, write_json=True)
            # the copy keeps the file name: dbt names the database after it, and one parse serves both
            world.full.parent.mkdir()
            shutil.copy(world.warehouse, world.full)
            mp.setenv("PAPERTRENDS_WAREHOUSE", str(world.full))
            dbt_build(world.full.parent, "--full-refresh")

    return SamplesWorld(shared_world(tmp_path_factory, "samples", build))
