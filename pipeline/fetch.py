"""Live source: the Hugging Face daily papers API, one landing file per day.

Why it looks like this:

- Retries are urllib3's ``Retry`` (429 ``Retry-After`` honoured, exponential
  back-off on 5xx and network errors, all bounded), not a hand-written loop.
- A day is paged with ``limit``/``p`` until an empty page and stored as one
  JSON list, so a day is one snapshot whatever its size. A weekend's ``[]`` is
  a valid empty day and is stored too.
- Upvotes rise for a week or two, so days are re-fetched: a changed answer is
  stored beside the first one under a fetch-time suffix (the ISO date stays in
  the name, so the ingest's date rule still applies); an answer equal to any
  stored version of the day adds nothing, as the ingest's content identity
  would ignore it anyway.
- Files are written atomically (hidden ``.tmp`` name, then rename) and their
  hash is recorded as source ``fetch`` before they become visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

from pipeline.ingest.discover import FETCH_STAMP
from pipeline.ingest.origins import record_origins

API_PATH = "/api/daily_papers"
RETRY_STATUSES = (429, 500, 502, 503, 504)


class FetchError(RuntimeError):
    """A day could not be fetched; nothing was written for it."""


class RateLimited(FetchError):
    """The API kept answering 429 after every allowed retry: stop asking for now."""


@dataclass(frozen=True)
class FetchOptions:
    """Bounds of one fetch run; the total wait is at most ``retries`` × max(back-off, Retry-After) per request."""

    base_url: str
    page_limit: int = 50
    timeout_s: float = 10.0
    retries: int = 4
    backoff_factor_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_max_s: int = 120
    max_pages: int = 100


@dataclass(frozen=True)
class DayResult:
    day: date
    n_papers: int
    n_pages: int
    status: str  # "new", "changed" (written under a fetch-time suffix) or "unchanged" (nothing written)
    path: Path | None


def page_url(base_url: str, day: date, limit: int, page: int) -> str:
    query = urllib.parse.urlencode({"date": day.isoformat(), "limit": limit, "p": page})
    return f"{base_url.rstrip('/')}{API_PATH}?{query}"


def make_pool(options: FetchOptions) -> urllib3.PoolManager:
    """A connection pool whose every GET retries by ``Retry``'s rules."""
    retry = Retry(
        total=options.retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=options.backoff_factor_s,
        backoff_max=options.backoff_max_s,
        respect_retry_after_header=True,
        retry_after_max=options.retry_after_max_s,
        raise_on_status=True,
    )
    return urllib3.PoolManager(
        retries=retry,
        timeout=urllib3.Timeout(total=options.timeout_s),
        headers={"Accept": "application/json", "User-Agent": "papertrends"},
    )


def get_page(pool: urllib3.PoolManager, url: str, retries: int) -> list[Any]:
    """One page as a JSON list; any other answer is a ``FetchError`` naming the URL."""
    try:
        response = pool.request("GET", url)
    except MaxRetryError as exc:
        if "429" in str(exc.reason):
            raise RateLimited(f"GET {url}: still rate-limited (HTTP 429) after {retries} retries") from None
        raise FetchError(f"GET {url} failed after {retries} retries: {exc.reason}") from None
    except Urllib3Error as exc:
        raise FetchError(f"GET {url} failed: {exc}") from None
    if response.status != 200:
        raise FetchError(f"GET {url}: HTTP {response.status} {response.reason or ''}".rstrip())
    try:
        items = json.loads(response.data)
    except ValueError as exc:
        raise FetchError(f"GET {url} did not answer JSON: {exc}") from None
    if not isinstance(items, list):
        raise FetchError(f"GET {url} answered a JSON {type(items).__name__}, expected a list of papers")
    return items


def fetch_day(pool: urllib3.PoolManager, options: FetchOptions, day: date) -> tuple[list[Any], int]:
    """All items of ``day`` in page order, and the number of requests it took."""
    items: list[Any] = []
    previous: list[Any] | None = None
    for page in range(options.max_pages):
        batch = get_page(pool, page_url(options.base_url, day, options.page_limit, page), options.retries)
        if not batch:
            return items, page + 1
        if batch == previous:
            raise FetchError(f"{day}: page {page} repeats page {page - 1}; the server seems to ignore 'p'")
        items.extend(batch)
        previous = batch
    raise FetchError(f"{day}: no empty page after {options.max_pages} pages of {options.page_limit}")


def encode(items: list[Any]) -> bytes:
    """Deterministic bytes for a day, so an unchanged answer has an unchanged hash."""
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def day_versions(landing_dir: Path, day: date) -> list[Path]:
    """Files this fetch wrote for ``day``: ``YYYY-MM-DD.json`` and its ``_fetch…`` re-fetches."""
    iso = day.isoformat()
    return sorted(p for p in landing_dir.glob(f"{iso}*.json") if p.name == f"{iso}.json" or p.name.startswith(f"{iso}_fetch"))


def version_name(day: date, fetched_at: datetime, first: bool) -> str:
    """``2026-01-05.json`` first, then ``2026-01-05_fetch20260112T053000Z.json`` (no second ISO date in it)."""
    return f"{day.isoformat()}.json" if first else f"{day.isoformat()}_fetch{fetched_at.strftime(FETCH_STAMP)}.json"


def store_day(landing_dir: Path, day: date, body: bytes, fetched_at: datetime) -> tuple[str, Path | None]:
    """Write ``body`` as a new version of ``day`` unless an identical version is already there."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    versions = day_versions(landing_dir, day)
    digest = hashlib.sha256(body).hexdigest()
    if any(hashlib.sha256(p.read_bytes()).hexdigest() == digest for p in versions):
        return "unchanged", None
    name = version_name(day, fetched_at, first=not versions)
    final, n = landing_dir / name, 1
    while final.exists():  # two different answers within one second
        n += 1
        final = landing_dir / f"{Path(name).stem}_{n}.json"
    temp = landing_dir / f".{final.name}.tmp"
    with open(temp, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    record_origins(landing_dir, [(final.name, digest)], "fetch")  # before the file is visible: never unattributed
    os.replace(temp, final)
    return ("changed" if versions else "new"), final


def fetch_days(landing_dir: Path, days: Iterable[date], options: FetchOptions,
               now: datetime | None = None) -> tuple[list[DayResult], list[str]]:
    """Fetch and store each day; returns the results and one error line per failed day.

    A failed day does not stop the others (each day is written on its own), but
    persistent rate limiting stops the run: more requests would only prolong it.
    """
    fetched_at = now or datetime.now(UTC)
    results: list[DayResult] = []
    errors: list[str] = []
    pool = make_pool(options)
    try:
        for day in days:
            try:
                items, n_pages = fetch_day(pool, options, day)
            except RateLimited as exc:
                errors.append(f"{day}: {exc} (remaining days not attempted)")
                break
            except FetchError as exc:
                errors.append(f"{day}: {exc}")
                continue
            status, path = store_day(landing_dir, day, encode(items), fetched_at)
            results.append(DayResult(day, len(items), n_pages, status, path))
    finally:
        pool.clear()
    return results, errors
