"""The partitioned hf_daily_papers fetch against a fake daily papers API on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import (
    AssetSelection,
    DagsterInstance,
    DefaultScheduleStatus,
    Definitions,
    PartitionKeyRange,
    build_schedule_context,
    define_asset_job,
    materialize,
)

from pipeline.assets import build_hf_daily_papers
from pipeline.automation import build_fetch_schedule
from pipeline.fetch import FetchOptions, fetch_days
from pipeline.ingest.discover import date_from_name
from pipeline.ingest.origins import read_origins
from pipeline.resources import PapertrendsPaths
from pipeline.settings import PROJECT_ROOT, FetchSettings, Settings
from tests.pages import ABSTRACT_A, api_item

NODE = "landing__hf_daily_papers"
FAST = {"retries": 2, "backoff_factor_s": 0.01, "backoff_max_s": 0.05, "retry_after_max_s": 2, "timeout_s": 5.0}


def items(n: int, first: int = 1, upvotes: int = 3) -> list[dict]:
    """``n`` API items numbered from ``first`` (arXiv ids 2601.00001, …)."""
    return [api_item(f"2601.{i:05d}", f"Paper Number {i}", ABSTRACT_A, upvotes=upvotes) for i in range(first, first + n)]


class Fake:
    """What the fake API serves: per date the whole day's items, plus scripted answers served first."""

    days: dict[str, list[dict]] = {}
    script: dict[tuple[str, int], list[tuple[int, dict[str, str], bytes]]] = {}
    ignore_paging: set[str] = set()
    hits: list[tuple[str, int, int, float]] = []  # (date, p, limit, monotonic time)

    @classmethod
    def reset(cls) -> None:
        cls.days, cls.script, cls.ignore_paging, cls.hits = {}, {}, set(), []

    @classmethod
    def pages_of(cls, day: str) -> list[int]:
        return [p for d, p, _, _ in cls.hits if d == day]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        day, page, limit = query.get("date", ""), int(query.get("p", "0")), int(query.get("limit", "50"))
        Fake.hits.append((day, page, limit, time.monotonic()))
        scripted = Fake.script.get((day, page))
        if url.path != "/api/daily_papers":
            status, headers, body = 404, {}, b'{"error":"not found"}'
        elif scripted:
            status, headers, body = scripted.pop(0)
        else:
            start = 0 if day in Fake.ignore_paging else page * limit
            status, headers, body = 200, {}, json.dumps(Fake.days.get(day, [])[start:start + limit]).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def api(server: str) -> str:
    Fake.reset()
    return server


def run_fetch(world: Settings, api: str, first: str, last: str | None = None, **config):
    """Materialize one partition, or the range ``first``…``last`` in one run (as the CLI and the schedule do)."""
    asset = build_hf_daily_papers(FetchSettings(enabled=False, start=date(2026, 1, 1), base_url=api))
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last} if last else None
    return materialize(
        [asset],
        resources={"paths": PapertrendsPaths.from_settings(world)},
        run_config={"ops": {NODE: {"config": {**FAST, **config}}}},
        partition_key=None if last else first,
        tags=tags,
        raise_on_error=False,
    )


def landing_names(world: Settings) -> list[str]:
    return sorted(p.name for p in world.landing_dir.iterdir() if not p.name.startswith("."))


def stored(world: Settings, name: str) -> object:
    return json.loads((world.landing_dir / name).read_text(encoding="utf-8"))


def failure_text(result) -> str:
    return next(e for e in result.all_events if e.is_step_failure).event_specific_data.error.to_string()


def test_a_day_is_paged_until_an_empty_page_and_stored_as_one_list(world: Settings, api: str) -> None:
    Fake.days["2026-01-05"] = items(120)
    result = run_fetch(world, api, "2026-01-05")
    assert result.success
    # 120 items, 50 a page: 50 + 50 + 20, then the empty page p=3 ends the day.
    assert [(p, limit) for d, p, limit, _ in Fake.hits] == [(0, 50), (1, 50), (2, 50), (3, 50)]
    assert landing_names(world) == ["2026-01-05.json"]
    assert stored(world, "2026-01-05.json") == items(120)
    [mat] = result.asset_materializations_for_node(NODE)
    assert mat.partition == "2026-01-05"
    assert mat.metadata["n_papers"].value == 120
    assert mat.metadata["per_day"].value == {"2026-01-05": {"papers": 120, "pages": 4, "status": "new", "file": "2026-01-05.json"}}


def test_written_files_are_recorded_as_fetched(world: Settings, api: str) -> None:
    Fake.days["2026-01-05"] = items(2)
    assert run_fetch(world, api, "2026-01-05").success
    data = (world.landing_dir / "2026-01-05.json").read_bytes()
    assert read_origins(world.landing_dir) == {hashlib.sha256(data).hexdigest(): "fetch"}
    assert not [p for p in world.landing_dir.iterdir() if p.name.endswith(".tmp")]


def test_429_waits_for_retry_after_then_succeeds(world: Settings, api: str) -> None:
    Fake.days["2026-01-06"] = items(2)
    Fake.script[("2026-01-06", 0)] = [(429, {"Retry-After": "1"}, b'{"error":"rate limited"}')]
    result = run_fetch(world, api, "2026-01-06")
    assert result.success
    assert Fake.pages_of("2026-01-06") == [0, 0, 1]
    first, second = (t for d, p, _, t in Fake.hits if p == 0)
    assert second - first >= 0.99  # Retry-After: 1 was honoured, not the 0.01 s back-off
    assert stored(world, "2026-01-06.json") == items(2)


def test_500_is_retried_then_succeeds(world: Settings, api: str) -> None:
    Fake.days["2026-01-07"] = items(3)
    Fake.script[("2026-01-07", 0)] = [(500, {}, b"internal error")]
    Fake.script[("2026-01-07", 1)] = [(503, {}, b"unavailable")]
    result = run_fetch(world, api, "2026-01-07")
    assert result.success
    assert Fake.pages_of("2026-01-07") == [0, 0, 1, 1]
    assert stored(world, "2026-01-07.json") == items(3)


def test_persistent_5xx_fails_that_day_after_bounded_retries_and_keeps_the_others(world: Settings, api: str) -> None:
    Fake.days["2026-01-08"] = items(2)
    Fake.script[("2026-01-09", 0)] = [(500, {}, b"internal error")] * 10
    Fake.days["2026-01-10"] = items(1, first=50)
    result = run_fetch(world, api, "2026-01-08", "2026-01-10")
    assert not result.success
    assert Fake.pages_of("2026-01-09") == [0, 0, 0]  # one try + retries=2
    assert "2026-01-09" in failure_text(result) and "too many 500 error responses" in failure_text(result)
    assert landing_names(world) == ["2026-01-08.json", "2026-01-10.json"]
    assert stored(world, "2026-01-10.json") == items(1, first=50)


def test_persistent_429_stops_the_run_without_asking_for_more_days(world: Settings, api: str) -> None:
    Fake.script[("2026-01-08", 0)] = [(429, {"Retry-After": "0"}, b"slow down")] * 10
    Fake.days["2026-01-09"] = items(1)
    result = run_fetch(world, api, "2026-01-08", "2026-01-09")
    assert not result.success
    assert "rate-limited (HTTP 429)" in failure_text(result)
    assert Fake.pages_of("2026-01-08") == [0, 0, 0]
    assert Fake.pages_of("2026-01-09") == []
    assert landing_names(world) == []


@pytest.mark.parametrize(
    ("scripted", "message"),
    [((404, {}, b"{}"), "HTTP 404"), ((200, {}, b'{"error":"bad date"}'), "answered a JSON dict"),
     ((200, {}, b"<html>maintenance</html>"), "did not answer JSON")],
)
def test_answers_that_are_not_a_list_fail_at_once_and_write_nothing(world: Settings, api: str, scripted, message: str) -> None:
    Fake.script[("2026-01-11", 0)] = [scripted]
    result = run_fetch(world, api, "2026-01-11")
    assert not result.success
    assert message in failure_text(result)
    assert Fake.pages_of("2026-01-11") == [0]  # not retried
    assert landing_names(world) == []


def test_a_server_ignoring_p_is_detected_instead_of_looping(world: Settings, api: str) -> None:
    Fake.days["2026-01-12"] = items(3)
    Fake.ignore_paging.add("2026-01-12")
    result = run_fetch(world, api, "2026-01-12")
    assert not result.success
    assert "seems to ignore 'p'" in failure_text(result)
    assert Fake.pages_of("2026-01-12") == [0, 1]


def test_weekend_empty_day_is_stored_as_an_empty_list(world: Settings, api: str) -> None:
    result = run_fetch(world, api, "2026-01-03")  # a Saturday: the fake, like the API, answers []
    assert result.success
    assert Fake.pages_of("2026-01-03") == [0]
    assert landing_names(world) == ["2026-01-03.json"]
    assert (world.landing_dir / "2026-01-03.json").read_bytes() == b"[]"
    assert read_origins(world.landing_dir) == {hashlib.sha256(b"[]").hexdigest(): "fetch"}


def test_a_range_of_days_is_fetched_in_one_run(world: Settings, api: str) -> None:
    Fake.days["2026-01-02"] = items(2)
    Fake.days["2026-01-05"] = items(60, first=10)
    result = run_fetch(world, api, "2026-01-02", "2026-01-05")
    assert result.success
    # 01-02: p0 + empty p1; 01-03 and 01-04 (weekend): empty p0; 01-05: 50 + 10 + empty.
    assert [(d, p) for d, p, _, _ in Fake.hits] == [
        ("2026-01-02", 0), ("2026-01-02", 1), ("2026-01-03", 0), ("2026-01-04", 0),
        ("2026-01-05", 0), ("2026-01-05", 1), ("2026-01-05", 2)]
    assert landing_names(world) == ["2026-01-02.json", "2026-01-03.json", "2026-01-04.json", "2026-01-05.json"]
    assert stored(world, "2026-01-02.json") == items(2)
    assert stored(world, "2026-01-03.json") == [] and stored(world, "2026-01-04.json") == []
    assert stored(world, "2026-01-05.json") == items(60, first=10)
    mats = result.asset_materializations_for_node(NODE)
    assert sorted(m.partition for m in mats) == ["2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]
    assert mats[0].metadata["n_papers"].value == 62


def test_refetch_with_changed_upvotes_adds_a_suffixed_file_and_identical_content_adds_nothing(world: Settings, api: str) -> None:
    v1, v2 = items(2, upvotes=3), items(2, upvotes=3)
    v2[1]["paper"]["upvotes"] = 9  # a late upvote on the second paper
    Fake.days["2026-01-05"] = v1
    assert run_fetch(world, api, "2026-01-05").success
    assert landing_names(world) == ["2026-01-05.json"]

    Fake.days["2026-01-05"] = v2
    changed = run_fetch(world, api, "2026-01-05")
    assert changed.success
    first, second = landing_names(world)
    assert first == "2026-01-05.json" and re.fullmatch(r"2026-01-05_fetch\d{8}T\d{6}Z\.json", second)
    assert date_from_name(second) == date(2026, 1, 5)  # the ingest dates it by its name, like the first
    assert stored(world, first) == v1 and stored(world, second) == v2
    [mat] = changed.asset_materializations_for_node(NODE)
    assert mat.metadata["per_day"].value["2026-01-05"]["status"] == "changed"

    for served in (v2, v1):  # the latest answer again, then the first one again: both already stored
        Fake.days["2026-01-05"] = served
        same = run_fetch(world, api, "2026-01-05")
        assert same.success
        assert landing_names(world) == [first, second]
        [mat] = same.asset_materializations_for_node(NODE)
        assert mat.metadata["unchanged_days"].value == 1 and mat.metadata["new_files"].value == []
    assert len(read_origins(world.landing_dir)) == 2


def test_refetch_name_carries_the_fetch_time(world: Settings, api: str) -> None:
    options = FetchOptions(base_url=api, **FAST)
    day, later = date(2026, 1, 5), datetime(2026, 1, 12, 5, 30, 7, tzinfo=UTC)
    Fake.days["2026-01-05"] = items(1)
    fetch_days(world.landing_dir, [day], options, now=datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    for upvotes in (4, 5):  # two different answers within the same second: the second gets a counter
        Fake.days["2026-01-05"] = items(1, upvotes=upvotes)
        results, errors = fetch_days(world.landing_dir, [day], options, now=later)
        assert errors == [] and results[0].status == "changed"
    assert landing_names(world) == ["2026-01-05.json", "2026-01-05_fetch20260112T053007Z.json",
                                    "2026-01-05_fetch20260112T053007Z_2.json"]
    assert stored(world, "2026-01-05_fetch20260112T053007Z.json") == items(1, upvotes=4)
    assert stored(world, "2026-01-05_fetch20260112T053007Z_2.json") == items(1, upvotes=5)


def test_schedule_fetches_today_yesterday_and_fourteen_days_back_in_one_run(world: Settings, api: str) -> None:
    fetch = FetchSettings(enabled=True, start=date(2026, 1, 1), base_url=api)
    asset = build_hf_daily_papers(fetch)
    job = define_asset_job("hf_daily_papers_job", selection=AssetSelection.assets(asset))
    schedule = build_fetch_schedule(job, fetch)
    defs = Definitions(assets=[asset], jobs=[job], schedules=[schedule],
                       resources={"paths": PapertrendsPaths.from_settings(world)})
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert build_fetch_schedule(job, FetchSettings(False, fetch.start, api)).default_status == DefaultScheduleStatus.STOPPED

    tick = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=datetime(2026, 1, 20, 5, 30, tzinfo=UTC)))
    [request] = tick.run_requests
    # today 01-20, yesterday 01-19, and the 14 days before: 01-05 … 01-18.
    assert request.partition_key_range == PartitionKeyRange("2026-01-05", "2026-01-20")
    assert request.run_key == "hf_daily_papers_2026-01-20"

    Fake.days["2026-01-19"] = items(2)
    result = defs.resolve_job_def("hf_daily_papers_job").execute_in_process(
        tags=request.tags, run_config={"ops": {NODE: {"config": FAST}}})
    assert result.success
    assert landing_names(world) == [f"2026-01-{d:02d}.json" for d in range(5, 21)]
    assert stored(world, "2026-01-19.json") == items(2)
    assert len(result.asset_materializations_for_node(NODE)) == 16

    clipped = build_fetch_schedule(job, FetchSettings(True, date(2026, 1, 10), api))
    tick = clipped.evaluate_tick(build_schedule_context(scheduled_execution_time=datetime(2026, 1, 20, 5, 30, tzinfo=UTC)))
    assert tick.run_requests[0].partition_key_range == PartitionKeyRange("2026-01-10", "2026-01-20")


def test_fetch_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAPERTRENDS_FETCH", "PAPERTRENDS_FETCH_START", "PAPERTRENDS_HF_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert FetchSettings.from_env(today=date(2026, 3, 1)) == FetchSettings(False, date(2026, 1, 30), "https://huggingface.co")
    monkeypatch.setenv("PAPERTRENDS_FETCH", "1")
    monkeypatch.setenv("PAPERTRENDS_FETCH_START", "2025-12-24")
    monkeypatch.setenv("PAPERTRENDS_HF_BASE_URL", "http://127.0.0.1:9/")
    assert FetchSettings.from_env() == FetchSettings(True, date(2025, 12, 24), "http://127.0.0.1:9")
    monkeypatch.setenv("PAPERTRENDS_FETCH", "0")
    assert not FetchSettings.from_env().enabled
    monkeypatch.setenv("PAPERTRENDS_FETCH_START", "24.12.2025")
    with pytest.raises(ValueError, match="PAPERTRENDS_FETCH_START"):
        FetchSettings.from_env()


def test_code_location_registers_the_fetch_schedule_and_keeps_it_out_of_the_refresh(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.definitions import build_definitions

    monkeypatch.setenv("PAPERTRENDS_FETCH", "1")
    monkeypatch.setenv("PAPERTRENDS_FETCH_START", "2026-01-01")
    defs = build_definitions()
    Definitions.validate_loadable(defs)
    schedule = defs.resolve_schedule_def("hf_daily_papers_schedule")
    assert (schedule.job_name, schedule.default_status) == ("hf_daily_papers_job", DefaultScheduleStatus.RUNNING)
    key = build_hf_daily_papers(FetchSettings.from_env()).key
    partitions = defs.resolve_asset_graph().get(key).partitions_def
    assert partitions.get_first_partition_key() == "2026-01-01"
    assert key not in defs.resolve_job_def("daily_refresh").asset_layer.executable_asset_keys
    monkeypatch.delenv("PAPERTRENDS_FETCH")
    assert build_definitions().resolve_schedule_def("hf_daily_papers_schedule").default_status == DefaultScheduleStatus.STOPPED


def test_cli_materializes_a_partition_range_in_one_run(world: Settings, api: str, tmp_path: Path) -> None:
    Fake.days["2026-01-01"] = items(2)
    Fake.days["2026-01-02"] = items(51, first=3)
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "PAPERTRENDS_HF_BASE_URL": api, "PAPERTRENDS_FETCH_START": "2026-01-01"}
    command = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m", "pipeline.definitions",
               "--select", "landing/hf_daily_papers", "--partition-range", "2026-01-01...2026-01-03"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    # 01-01: 2 items + empty page; 01-02: 50 + 1 + empty; 01-03 (Saturday): empty.
    assert [(d, p) for d, p, _, _ in Fake.hits] == [
        ("2026-01-01", 0), ("2026-01-01", 1), ("2026-01-02", 0), ("2026-01-02", 1), ("2026-01-02", 2), ("2026-01-03", 0)]
    assert landing_names(world) == ["2026-01-01.json", "2026-01-02.json", "2026-01-03.json"]
    assert stored(world, "2026-01-02.json") == items(51, first=3)
    assert stored(world, "2026-01-03.json") == []
    with DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        assert (run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]) == ("2026-01-01", "2026-01-03")


def _paper(n: int, upvotes: int, title: str | None = None) -> dict:
    return api_item(f"2601.{n:05d}", title or f"Paper Number {n}", ABSTRACT_A, upvotes=upvotes,
                    published="2025-12-20T00:00:00.000Z", featured="2026-01-01T08:00:00.000Z")


READ_PATH = ("--select", "+papers", "+paper_mentions", "--indirect-selection", "cautious")  # with their data tests


def refresh_marts(world: Settings) -> None:
    """What daily_refresh does to the marts read here (its ingest, then its dbt build of papers and
    paper_mentions, what they read and their data tests), as plain calls: the fetch is what is tested
    here; the whole job (publish, report, skips, every mart) is tested in test_job and test_delivery."""
    from pipeline.ingest import ingest_landing
    from tests.fixtures.dbt.world import dbt_build

    ingest_landing(world.landing_dir, world.warehouse)
    dbt_build(world.warehouse.parent / "dbt", *READ_PATH)


def test_backfill_then_a_daily_tick_give_exact_mentions_papers_and_upvote_history(world: Settings, api: str) -> None:
    from tests.fixtures.dbt.world import query

    # Ten days: one paper a day (upvotes = its day), a weekend of [], and a shared paper on days 1-2.
    days = [f"2026-01-{d:02d}" for d in range(1, 11)]
    for d, day in enumerate(days, start=1):
        Fake.days[day] = [] if d in (3, 4) else [_paper(d, d)]
    Fake.days["2026-01-01"].append(_paper(100, 5, "Shared Paper"))
    Fake.days["2026-01-02"].append(_paper(100, 7, "Shared Paper"))
    assert run_fetch(world, api, "2026-01-01", "2026-01-10").success
    assert landing_names(world) == [f"{day}.json" for day in days]
    refresh_marts(world)
    # 8 daily papers + 2 mentions of the shared one. Both weekend days serve the same bytes `[]`:
    # snapshot identity is the content's SHA-256 (DESIGN.md), so they are one 0-entry snapshot,
    # and both files are still recorded as landed.
    assert query(world.warehouse, "SELECT count(*), count(DISTINCT paper_id) FROM marts.paper_mentions") == [(10, 9)]
    assert query(world.warehouse, "SELECT count(*) FROM raw.snapshots WHERE n_entries = 0") == [(1,)]
    assert query(world.warehouse, "SELECT count(*) FROM raw.landing_files WHERE file_name IN "
                                  "('2026-01-03.json', '2026-01-04.json')") == [(2,)]

    # Next morning: the shared paper gained upvotes on day 2, and day 11 has a new paper.
    Fake.days["2026-01-02"][1] = _paper(100, 9, "Shared Paper")
    Fake.days["2026-01-11"] = [_paper(11, 11)]
    fetch = FetchSettings(enabled=True, start=date(2026, 1, 1), base_url=api)
    asset = build_hf_daily_papers(fetch)
    job = define_asset_job("hf_daily_papers_job", selection=AssetSelection.assets(asset))
    tick = build_fetch_schedule(job, fetch).evaluate_tick(
        build_schedule_context(scheduled_execution_time=datetime(2026, 1, 11, 5, 30, tzinfo=UTC)))
    [request] = tick.run_requests
    defs = Definitions(assets=[asset], jobs=[job], resources={"paths": PapertrendsPaths.from_settings(world)})
    assert defs.resolve_job_def("hf_daily_papers_job").execute_in_process(
        tags=request.tags, run_config={"ops": {NODE: {"config": FAST}}}).success
    new_files = sorted(set(landing_names(world)) - {f"{day}.json" for day in days})
    assert len(new_files) == 2 and new_files[0].startswith("2026-01-02_fetch") and new_files[1] == "2026-01-11.json"
    refresh_marts(world)

    # +1 mention for day 11, +2 for the second snapshot of day 2 (the shared paper and paper 2).
    assert query(world.warehouse, "SELECT count(*), count(DISTINCT paper_id) FROM marts.paper_mentions") == [(13, 10)]
    history = query(world.warehouse, "SELECT m.snapshot_date, m.upvotes FROM marts.paper_mentions m "
                                     "JOIN marts.papers p USING (paper_id) WHERE p.arxiv_id = '2601.00100' ORDER BY 1, 2")
    assert history == [(date(2026, 1, 1), 5), (date(2026, 1, 2), 7), (date(2026, 1, 2), 9)]
    assert query(world.warehouse, "SELECT n_snapshots, max_upvotes, latest_upvotes FROM marts.papers "
                                  "WHERE arxiv_id = '2601.00100'") == [(2, 9, 9)]  # two distinct dates
    assert query(world.warehouse, "SELECT max_upvotes, latest_upvotes FROM marts.papers WHERE arxiv_id = '2601.00011'") == [(11, 11)]
