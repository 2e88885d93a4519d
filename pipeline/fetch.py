"""Optional live source: one day's feed from the Hugging Face daily papers API.

Plain HTTP with a timeout and bounded retries (no extra client library). The
answer is checked to be a JSON list before anything is written, and it is
written atomically (hidden temp name, then rename) so the ingest never sees a
half-written file.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_BASE_URL = "https://huggingface.co"


class FetchError(RuntimeError):
    """The feed could not be fetched; nothing was written."""


@dataclass(frozen=True)
class FetchResult:
    path: Path | None
    n_papers: int
    url: str


def daily_papers_url(base_url: str, day: date) -> str:
    query = urllib.parse.urlencode({"date": day.isoformat()})
    return f"{base_url.rstrip('/')}/api/daily_papers?{query}"


def _get(url: str, timeout_s: float) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "papertrends"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - URL scheme is ours
        return response.read()


def download(url: str, timeout_s: float = 10.0, retries: int = 2, backoff_s: float = 0.5) -> bytes:
    """GET with retries on timeouts, connection errors and 5xx; 4xx fails at once."""
    last = ""
    for attempt in range(retries + 1):
        try:
            return _get(url, timeout_s)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500:
                break
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = f"network error: {getattr(exc, 'reason', exc)}"
        if attempt < retries:
            time.sleep(backoff_s * 2**attempt)
    raise FetchError(f"fetching {url} failed after {attempt + 1} attempt(s): {last}")


def fetch_daily_papers(landing_dir: Path, day: date, base_url: str = DEFAULT_BASE_URL,
                       timeout_s: float = 10.0, retries: int = 2) -> FetchResult:
    """Fetch ``day``'s feed into ``landing_dir/YYYY-MM-DD.json``; an empty feed writes nothing."""
    url = daily_papers_url(base_url, day)
    body = download(url, timeout_s, retries)
    try:
        items = json.loads(body)
    except ValueError as exc:
        raise FetchError(f"{url} did not answer JSON: {exc}") from None
    if not isinstance(items, list):
        raise FetchError(f"{url} answered a JSON {type(items).__name__}, expected a list of papers")
    if not items:
        return FetchResult(None, 0, url)
    landing_dir.mkdir(parents=True, exist_ok=True)
    final = landing_dir / f"{day.isoformat()}.json"
    temp = landing_dir / f".{final.name}.tmp"
    with open(temp, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, final)
    return FetchResult(final, len(items), url)
