"""The optional hf_daily_papers asset against a fake API server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import materialize

from pipeline.assets import hf_daily_papers
from pipeline.resources import PapertrendsPaths
from pipeline.settings import Settings
from tests import pages

# date -> (status, body, delay seconds)
ROUTES = {
    "2026-11-19": (200, pages.HF_API_JSON.encode(), 0.0),
    "2026-11-21": (200, b"[]", 0.0),
    "2026-11-22": (500, b"internal error", 0.0),
    "2026-11-23": (200, pages.HF_API_JSON.encode(), 3.0),
    "2026-11-24": (200, b"<html>maintenance</html>", 0.0),
}


class FakeApi(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        day = self.path.split("date=")[-1]
        FakeApi.hits.append(self.path)
        status, body, delay = ROUTES.get(day, (404, b"not found", 0.0))
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fetch(world: Settings, base_url: str, day: str, **extra):
    config = {"enabled": True, "day": day, "base_url": base_url, "timeout_s": 1.0, "retries": 1, **extra}
    return materialize(
        [hf_daily_papers],
        resources={"paths": PapertrendsPaths.from_settings(world)},
        run_config={"ops": {"landing__hf_daily_papers": {"config": config}}},
        raise_on_error=False,
    )


def landing_names(world: Settings) -> list[str]:
    return sorted(p.name for p in world.landing_dir.iterdir())


def test_good_feed_is_written_atomically_as_dated_json(world: Settings, api: str) -> None:
    result = fetch(world, api, "2026-11-19")
    assert result.success
    assert landing_names(world) == ["2026-11-19.json"]
    assert json.loads((world.landing_dir / "2026-11-19.json").read_text()) == pages.API_ITEMS
    [mat] = result.asset_materializations_for_node("landing__hf_daily_papers")
    assert mat.metadata["n_papers"].value == 2
    assert FakeApi.hits[-1] == "/api/daily_papers?date=2026-11-19"


def test_empty_feed_writes_nothing(world: Settings, api: str) -> None:
    result = fetch(world, api, "2026-11-21")
    assert result.success
    assert landing_names(world) == []


@pytest.mark.parametrize(
    ("day", "message"),
    [("2026-11-22", "HTTP 500"), ("2026-11-23", "network error"), ("2026-11-24", "did not answer JSON"), ("2026-11-30", "HTTP 404")],
)
def test_errors_fail_the_asset_and_write_nothing(world: Settings, api: str, day: str, message: str) -> None:
    result = fetch(world, api, day)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert message in failure.event_specific_data.error.to_string()
    assert landing_names(world) == []


def test_disabled_by_default_fetches_nothing(world: Settings, api: str) -> None:
    hits = len(FakeApi.hits)
    result = materialize([hf_daily_papers], resources={"paths": PapertrendsPaths.from_settings(world)})
    assert result.success
    [mat] = result.asset_materializations_for_node("landing__hf_daily_papers")
    assert mat.metadata["fetch"].value == "disabled by config (enabled=false)"
    assert mat.metadata["landing_files"].value == 0
    assert len(FakeApi.hits) == hits
    assert landing_names(world) == []
