"""Smoke test of the operators' UI: dagster-webserver on loopback answers GraphQL."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline.settings import PROJECT_ROOT, Settings

QUERY = """
{
  assetNodes { assetKey { path } groupName }
  repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } schedules { name cronSchedule } sensors { name } } } }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_webserver_serves_asset_graph_job_schedule_and_sensor(world: Settings, tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")  # the instance `make dev` uses
    env = {**os.environ, "DAGSTER_HOME": str(home), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    proc = subprocess.Popen(
        [str(webserver), "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        data = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                data = graphql(port, QUERY)
                if data["repositoriesOrError"].get("nodes"):
                    break
            except OSError:
                pass
            time.sleep(0.25)
        assert data is not None, proc.stderr.read().decode()[-3000:] if proc.poll() is not None else "webserver never answered"
        keys = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        assert {"raw/paper_mentions", "marts/papers", "marts/topic_trends", "delivery/analytics_db", "delivery/trend_report"} <= keys
        repo = data["repositoriesOrError"]["nodes"][0]
        assert "daily_refresh" in {j["name"] for j in repo["jobs"]}
        assert sorted((s["name"], s["cronSchedule"]) for s in repo["schedules"]) == [
            ("daily_refresh_schedule", "0 6 * * *"), ("hf_daily_papers_schedule", "30 5 * * *")]
        assert [s["name"] for s in repo["sensors"]] == ["landing_sensor"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
