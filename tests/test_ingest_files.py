"""Landing-dir behaviour: discovery, identity, idempotence, bad files, encodings, crashes."""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ingest_landing
from pipeline.settings import Settings
from tests import pages
from tests.conftest import write_file


def rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def count(settings: Settings, table: str) -> int:
    return rows(settings, f"SELECT count(*) FROM raw.{table}")[0][0]


def ingest(settings: Settings, **options):
    return ingest_landing(settings.landing_dir, settings.warehouse, **options)


def test_ingest_twice_changes_nothing(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    write_file(world.landing_dir / "2026-11-19.json", pages.HF_API_JSON)
    first = ingest(world)
    assert (first.snapshots_loaded, first.mentions_loaded) == (2, 5)
    before = rows(world, "SELECT * EXCLUDE (ingested_at) FROM raw.snapshots ORDER BY 1")
    second = ingest(world)
    assert (second.snapshots_loaded, second.mentions_loaded, second.files_skipped) == (0, 0, 2)
    assert rows(world, "SELECT * EXCLUDE (ingested_at) FROM raw.snapshots ORDER BY 1") == before
    assert count(world, "paper_mentions") == 5


def test_same_content_under_another_name_adds_nothing(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    ingest(world)
    write_file(world.landing_dir / "copy-of-monday.txt", pages.BLANK_SEPARATED)
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.files_skipped) == (0, 2)
    assert count(world, "snapshots") == 1
    assert count(world, "paper_mentions") == 3


def test_same_content_twice_in_one_batch_loads_once(world: Settings) -> None:
    write_file(world.landing_dir / "a.txt", pages.LINE_PAIRS)
    write_file(world.landing_dir / "b.txt", pages.LINE_PAIRS)
    assert ingest(world).snapshots_loaded == 1
    assert count(world, "paper_mentions") == 2


def test_partial_hidden_files_and_subdirectories_are_ignored(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    for name in (".2026-11-19.txt", "2026-11-19.txt.tmp", "2026-11-19.json.part"):
        write_file(world.landing_dir / name, pages.LINE_PAIRS)
    (world.landing_dir / "archive").mkdir()
    write_file(world.landing_dir / "archive" / "2026-11-10.txt", pages.LINE_PAIRS)
    summary = ingest(world)
    assert (summary.files_seen, summary.snapshots_loaded, summary.files_rejected) == (1, 1, 0)
    assert rows(world, "SELECT file_name FROM raw.snapshots") == [("2026-11-18.txt",)]


BAD_FILES = {
    "empty.txt": (b"", "empty file"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary content"),
    "error.txt": (b"<!DOCTYPE html>\n<html><head><title>502</title></head><body>Bad gateway</body></html>", "HTML page"),
    "truncated.json": (pages.HF_API_JSON[:150].encode(), "invalid or truncated JSON"),
    "wrong-shape.json": (b'{"papers": []}', "JSON is a dict"),
    "no-entries.txt": (pages.HEADER.encode(), "no entries found"),
    "latin1-binary.txt": (bytes(range(1, 32)) * 20, "binary content"),
    "outage.txt": (b"Service Unavailable\n\nPlease try again later, sorry for that.\n", "no Daily Papers page header"),
    "api-error.json": (b'[{"error": "rate limited", "retry_after": 60}]', "no daily-paper item"),
    "broken-utf8.txt": (pages.BLANK_SEPARATED.replace("Alpha", "Caf\u00e9").encode() + b"\xff\n", "invalid UTF-8"),
}


def test_each_bad_file_is_recorded_with_its_reason_and_kept(world: Settings) -> None:
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    for name, (data, _) in BAD_FILES.items():
        write_file(world.landing_dir / name, data)
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.files_rejected) == (1, 3, len(BAD_FILES))
    recorded = dict(rows(world, "SELECT file_name, reason FROM raw.rejected_files"))
    assert set(recorded) == set(BAD_FILES)
    for name, (_, reason) in BAD_FILES.items():
        assert reason in recorded[name], (name, recorded[name])
        assert (world.landing_dir / name).exists()
    # A rejected content is not retried until its bytes change.
    again = ingest(world)
    assert (again.files_rejected, again.snapshots_loaded) == (0, 0)
    write_file(world.landing_dir / "truncated.json", pages.HF_API_JSON)
    fixed = ingest(world)
    assert (fixed.snapshots_loaded, fixed.mentions_loaded) == (1, 2)
    assert count(world, "rejected_files") == len(BAD_FILES)


def test_cp1252_bom_crlf_and_utf16_load_without_losing_entries(world: Settings) -> None:
    latin = pages.BLANK_SEPARATED.replace("Alpha Models", "Café Models")
    write_file(world.landing_dir / "2026-11-01.txt", latin.encode("cp1252"))
    write_file(world.landing_dir / "2026-11-02.txt", codecs.BOM_UTF8 + pages.LINE_PAIRS.replace("\n", "\r\n").encode())
    write_file(world.landing_dir / "2026-11-03.txt", pages.ANNOTATED.encode("utf-16"))
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.files_rejected, summary.mentions_rejected) == (3, 0, 0)
    assert rows(world, "SELECT file_name, encoding, layout, n_entries FROM raw.snapshots ORDER BY 1") == [
        ("2026-11-01.txt", "cp1252", "blank_separated", 3),
        ("2026-11-02.txt", "utf-8-sig", "line_pairs", 2),
        ("2026-11-03.txt", "utf-16", "annotated", 3),
    ]
    titles = [r[0] for r in rows(world, "SELECT title FROM raw.paper_mentions WHERE position = 1 ORDER BY title")]
    assert titles == ["Alpha Models Learn Fast", "Alpha Models Learn Fast", "Café Models Learn Fast"]
    assert rows(world, "SELECT count(*) FROM raw.paper_mentions WHERE abstract LIKE '%' || chr(13) || '%'") == [(0,)]


class Crash(RuntimeError):
    pass


def test_crash_between_snapshots_keeps_finished_ones_and_next_run_completes(world: Settings) -> None:
    for day, text in (("2026-11-16", pages.BLANK_SEPARATED), ("2026-11-17", pages.LINE_PAIRS), ("2026-11-18", pages.ANNOTATED)):
        write_file(world.landing_dir / f"{day}.txt", text, day)

    def crash_after_first(done: int, total: int) -> None:
        if done == 1:
            raise Crash("power cut")

    with pytest.raises(Crash):
        ingest(world, chunk_files=1, progress=crash_after_first)
    assert rows(world, "SELECT file_name FROM raw.snapshots") == [("2026-11-16.txt",)]
    assert count(world, "paper_mentions") == 3
    summary = ingest(world, chunk_files=1)
    assert (summary.snapshots_loaded, summary.files_skipped) == (2, 1)
    assert count(world, "snapshots") == 3
    assert count(world, "paper_mentions") == 3 + 2 + 3
    assert rows(world, "SELECT count(*) FROM (SELECT snapshot_id, position FROM raw.paper_mentions GROUP BY ALL HAVING count(*) > 1)") == [(0,)]


def test_failure_inside_a_chunk_leaves_no_partial_snapshot(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import warehouse

    write_file(world.landing_dir / "2026-11-16.txt", pages.BLANK_SEPARATED)
    real_insert = warehouse.write_batch

    def fail_after_snapshots(con, frames, replaced=None):
        only_snapshots = {"snapshots": frames["snapshots"], "boom": frames["paper_mentions"]}
        real_insert(con, only_snapshots, replaced)

    monkeypatch.setattr(warehouse, "write_batch", fail_after_snapshots)
    with pytest.raises(duckdb.CatalogException):
        ingest(world)
    monkeypatch.undo()
    assert count(world, "snapshots") == 0
    assert ingest(world).mentions_loaded == 3


@pytest.mark.parametrize(
    ("name", "text", "mtime_day", "expected", "source"),
    [
        ("digest_2026-11-21.txt", pages.BLANK_SEPARATED, "2026-11-22", "2026-11-21", "file_name"),
        # Header "Nov 18" resolved as the latest Nov 18 not after the mtime (2026-11-22).
        ("monday.txt", pages.BLANK_SEPARATED, "2026-11-22", "2026-11-18", "header"),
        # Header "Nov 18" with an mtime of 2027-01-05: the latest Nov 18 not after it is in 2026.
        ("monday.txt", pages.BLANK_SEPARATED, "2027-01-05", "2026-11-18", "header"),
        ("feed.json", pages.HF_API_JSON, "2026-11-22", "2026-11-19", "api"),
        ("pairs.txt", pages.LINE_PAIRS, "2026-11-22", "2026-11-22", "mtime"),
    ],
)
def test_snapshot_date_rules(world: Settings, name: str, text: str, mtime_day: str, expected: str, source: str) -> None:
    write_file(world.landing_dir / name, text, mtime_day)
    ingest(world)
    assert rows(world, "SELECT strftime(snapshot_date, '%Y-%m-%d'), snapshot_date_source FROM raw.snapshots") == [(expected, source)]


def test_missing_landing_dir_is_an_empty_run(world: Settings, tmp_path: Path) -> None:
    summary = ingest_landing(tmp_path / "nowhere", world.warehouse)
    assert (summary.files_seen, summary.snapshots_loaded) == (0, 0)


def test_a_file_the_parser_chokes_on_is_rejected_and_its_chunk_still_loads(world: Settings) -> None:
    # A lone UTF-16 surrogate escape: Python's json accepts it, the JSON parser of the ingest does not.
    odd = '[{"paper": {"id": "2611.01234", "title": "Broken \\ud800 Escape", "summary": "x"}}]'
    write_file(world.landing_dir / "2026-11-19.json", odd)
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.files_rejected) == (1, 3, 1)
    [(name, reason)] = rows(world, "SELECT file_name, reason FROM raw.rejected_files")
    assert name == "2026-11-19.json" and reason.startswith("parse error (hf_api_json)")
    assert ingest(world).files_rejected == 0  # not retried until its bytes change


def test_a_field_of_an_unexpected_type_loads_the_entry_with_a_field_issue(world: Settings) -> None:
    import json

    odd = [dict(pages.API_ITEMS[0], organization="acme")]  # a string where the API sends an object
    write_file(world.landing_dir / "2026-11-19.json", json.dumps(odd))
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.files_rejected, summary.field_issues) == (1, 1, 0, 1)
    assert rows(world, "SELECT field, raw_value, reason FROM raw.field_issues") == [
        ("organization", "acme", "organization is not an object")]
    assert rows(world, "SELECT organization, organization_name FROM raw.paper_mentions") == [(None, None)]


def test_any_failure_of_one_file_is_isolated_and_recorded(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A RuntimeError from the validation (here planted for one title) stops neither the chunk nor later runs."""
    from pipeline import schemas

    real_policy = schemas.apply_policy

    def poisoned(mentions):
        if "Poison Pill" in mentions["title"].to_list():
            raise RuntimeError("mention batch failed schema-level checks: planted")
        return real_policy(mentions)

    monkeypatch.setattr(schemas, "apply_policy", poisoned)
    write_file(world.landing_dir / "2026-11-18.txt", pages.BLANK_SEPARATED)
    poison = pages.BLANK_SEPARATED.replace("Alpha Models Learn Fast", "Poison Pill")
    write_file(world.landing_dir / "2026-11-19.txt", poison, "2026-11-19")
    summary = ingest(world)
    assert (summary.snapshots_loaded, summary.mentions_loaded, summary.files_rejected) == (1, 3, 1)
    assert rows(world, "SELECT file_name, reason FROM raw.rejected_files") == [
        ("2026-11-19.txt", "ingest error: RuntimeError: mention batch failed schema-level checks: planted")]
    again = ingest(world)  # the poison file is not read again
    assert (again.snapshots_loaded, again.files_rejected) == (0, 0)
