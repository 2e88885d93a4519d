"""A parser upgrade repairs what an older parser stored: shifted rows are replaced, old rejections retried."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest
from dagster import AssetKey, AssetSelection

from pipeline import warehouse
from pipeline.definitions import build_definitions
from pipeline.ingest import ingest_landing
from pipeline.ingest.dispatch import PARSER_VERSION
from pipeline.ingest.discover import sha256
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file
from tests.fixtures.dbt.world import MART_TABLES, dbt_build, query

# The second entry has no abstract: strict alternation (the 1.1 parser) shifts every entry after it.
PAGE = (
    pages.HEADER
    + "Alpha Models Learn Fast\n\n" + pages.ABSTRACT_A + "\n\n"
    + "Beta Without Abstract: A Title Alone\n\n"
    + "Gamma Networks for Long Contexts\n\n" + pages.ABSTRACT_C + "\n"
)
TRUE_TITLES = ["Alpha Models Learn Fast", "Beta Without Abstract: A Title Alone", "Gamma Networks for Long Contexts"]


def _alternation(text: str) -> list[tuple[str, str | None]]:
    """What the 1.1 parser stored: content paragraphs paired strictly two by two."""
    units = [u.strip() for u in text.split("\n\n") if u.strip()][5:]  # after the five header paragraphs
    return [(units[i], units[i + 1] if i + 1 < len(units) else None) for i in range(0, len(units), 2)]


def _old_parser_warehouse(world: Settings) -> tuple[str, str]:
    """A warehouse as the 1.1 parser left it: the page loaded shifted, the empty API day rejected."""
    page = write_file(world.landing_dir / "2026-11-20.txt", PAGE)
    empty = write_file(world.landing_dir / "2026-11-21.json", "[]", day="2026-11-21")
    page_sha, empty_sha = sha256(page.read_bytes()), sha256(empty.read_bytes())
    old = datetime(2026, 11, 21, 8)
    with warehouse.connect(world.warehouse) as con:
        con.execute(
            "INSERT INTO raw.snapshots (snapshot_id, file_name, layout, snapshot_date, snapshot_date_source, n_entries,"
            " n_rejected, size_bytes, encoding, parser_version, ingested_at) VALUES (?, ?, 'blank_separated',"
            " DATE '2026-11-20', 'file_name', 2, 0, ?, 'utf-8', '1.1', ?)",
            [page_sha, page.name, page.stat().st_size, old],
        )
        for position, (title, abstract) in enumerate(_alternation(PAGE), start=1):
            con.execute("INSERT INTO raw.paper_mentions (snapshot_id, position, title, abstract) VALUES (?, ?, ?, ?)",
                        [page_sha, position, title, abstract])
        con.execute("INSERT INTO raw.rejected_files (sha256, file_name, reason, size_bytes, rejected_at) VALUES (?, ?, ?, 2, ?)",
                    [empty_sha, empty.name, "JSON list is empty: no entries found", old])
    return page_sha, empty_sha


@pytest.fixture(scope="module")
def old_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The 1.1 parser's warehouse with the marts its rows made (one dbt build), once: tests take a copy."""
    root = tmp_path_factory.mktemp("old_build")
    settings = Settings(root / "landing", root / "warehouse.duckdb", root / "analytics.duckdb", root / "reports")
    settings.landing_dir.mkdir()
    _old_parser_warehouse(settings)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTRENDS_WAREHOUSE", str(settings.warehouse))
        dbt_build(root / "old-dbt")
    return settings


def _copy_old_build(old: Settings, world: Settings) -> None:
    """The old build's landing files (mtimes kept) and warehouse into this test's world."""
    shutil.copytree(old.landing_dir, world.landing_dir, dirs_exist_ok=True)
    shutil.copy2(old.warehouse, world.warehouse)


def test_the_old_parser_shifted_the_page() -> None:
    # The fixture is honest: alternation takes the lone title's successor for its abstract.
    assert [t for t, _ in _alternation(PAGE)] == ["Alpha Models Learn Fast", "Beta Without Abstract: A Title Alone",
                                                   pages.ABSTRACT_C]


def test_upgrade_replaces_shifted_rows_and_retries_old_rejections(world: Settings) -> None:
    page_sha, empty_sha = _old_parser_warehouse(world)
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert summary.snapshots_reparsed == 2
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        titles = [t for (t,) in con.execute("SELECT title FROM raw.paper_mentions ORDER BY position").fetchall()]
        snaps = con.execute("SELECT snapshot_id, n_entries, parser_version FROM raw.snapshots ORDER BY file_name").fetchall()
        rejected = con.execute("SELECT count(*) FROM raw.rejected_files").fetchone()[0]
        reparsed = con.execute("SELECT sha256, old_parser_version, parser_version FROM raw.reparsed ORDER BY 1").fetchall()
    assert titles == TRUE_TITLES
    assert snaps == [(page_sha, 3, PARSER_VERSION), (empty_sha, 0, PARSER_VERSION)]
    assert rejected == 0
    assert reparsed == sorted([(page_sha, "1.1", PARSER_VERSION), (empty_sha, None, PARSER_VERSION)])
    again = ingest_landing(world.landing_dir, world.warehouse)
    assert (again.snapshots_reparsed, again.snapshots_loaded, again.files_skipped) == (0, 0, 2)


def test_stored_snapshots_whose_files_are_gone_are_kept(world: Settings) -> None:
    page_sha, _ = _old_parser_warehouse(world)
    (world.landing_dir / "2026-11-20.txt").unlink()
    summary = ingest_landing(world.landing_dir, world.warehouse)
    assert summary.snapshots_reparsed == 1  # only the empty day, whose file remains
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        kept = con.execute("SELECT parser_version FROM raw.snapshots WHERE snapshot_id = ?", [page_sha]).fetchone()
    assert kept == ("1.1",)


def _marts(warehouse) -> dict[str, list[tuple]]:
    """Every mart's rows; papers' change fingerprint hashes load times, which differ between two worlds."""
    select = {t: "* EXCLUDE (mentions_fingerprint)" if t == "papers" else "*" for t in MART_TABLES}
    return {t: query(warehouse, f"SELECT {select[t]} FROM marts.{t} ORDER BY ALL") for t in MART_TABLES}  # noqa: S608


def test_after_an_upgrade_the_marts_equal_a_fresh_build(old_build: Settings, world: Settings, tmp_path, monkeypatch) -> None:
    _copy_old_build(old_build, world)  # the marts as the old parser's rows made them
    assert ("Gamma Networks for Long Contexts",) not in query(world.warehouse, "SELECT title FROM marts.papers")
    result = build_definitions().resolve_job_def("daily_refresh").execute_in_process()
    assert result.success
    upgraded = _marts(world.warehouse)
    assert query(world.warehouse, "SELECT bool_and(marts_rebuilt), count(*) FROM raw.reparsed") == [(True, 2)]

    fresh = tmp_path / "fresh"
    shutil.copytree(world.landing_dir, fresh / "landing")
    for name, path in {"PAPERTRENDS_LANDING_DIR": fresh / "landing", "PAPERTRENDS_WAREHOUSE": fresh / "warehouse.duckdb",
                       "PAPERTRENDS_ANALYTICS": fresh / "a.duckdb", "PAPERTRENDS_REPORT_DIR": fresh / "reports"}.items():
        monkeypatch.setenv(name, str(path))
    # a fresh build is ingest + dbt build (what daily_refresh's two steps do); publish and report add no mart row
    assert ingest_landing(fresh / "landing", fresh / "warehouse.duckdb").snapshots_loaded == 2
    dbt_build(tmp_path / "fresh-dbt")
    fresh_marts = _marts(fresh / "warehouse.duckdb")
    for table in MART_TABLES:
        assert upgraded[table] == fresh_marts[table], table
    assert sorted(t for (t,) in query(fresh / "warehouse.duckdb", "SELECT title FROM marts.papers")) == sorted(TRUE_TITLES)


def test_a_subset_build_leaves_the_reparse_to_do(old_build: Settings, world: Settings) -> None:
    """After an upgrade, materializing marts/paper_mentions (and what it reads) alone rebuilds only
    those models: int_mentions-based marts outside it keep old rows, so the flag must stay for the
    next whole build, which rebuilds from raw."""
    _copy_old_build(old_build, world)
    ingest_landing(world.landing_dir, world.warehouse)
    defs = build_definitions()
    job = defs.resolve_job_def("daily_refresh")
    mentions = AssetKey(["marts", "paper_mentions"])
    subset = {k for k in AssetSelection.assets(mentions).upstream().resolve(defs.resolve_asset_graph())
              if k.path[0] not in ("raw", "landing")}
    assert AssetKey(["marts", "papers"]) not in subset
    assert job.execute_in_process(asset_selection=sorted(subset, key=str)).success
    assert query(world.warehouse, "SELECT bool_or(marts_rebuilt), count(*) FROM raw.reparsed") == [(False, 2)]
    assert job.execute_in_process().success
    assert query(world.warehouse, "SELECT bool_and(marts_rebuilt) FROM raw.reparsed") == [(True,)]
    assert sorted(t for (t,) in query(world.warehouse, "SELECT title FROM marts.papers")) == sorted(TRUE_TITLES)
