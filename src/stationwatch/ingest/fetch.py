"""fetch_url: raw bytes of a web document, with its HTTP provenance."""
from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

import httpx

from .base import MAX_BYTES, IngestError, human_cap, human_size

USER_AGENT = "stationwatch/0.1 (research archive; +https://example.invalid/stationwatch)"
# `timeout` bounds each connect/read; this bounds the whole download, so a
# server dripping one byte at a time cannot hold a worker forever.
TOTAL_TIME_FACTOR = 6
_MAX_REDIRECTS = 10


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise IngestError(f"only http and https URLs can be fetched, not {url!r}")


def _check_status(response: httpx.Response, url: str) -> None:
    if response.status_code >= 400:
        raise IngestError(f"HTTP {response.status_code} {response.reason_phrase} from {url}")


def _check_declared_size(response: httpx.Response, max_bytes: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise IngestError(f"server says the body is {human_size(int(declared))}, "
                          f"over the {human_cap(max_bytes)} cap")


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    # iter_bytes yields decompressed data, so a gzip bomb hits the cap too.
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise IngestError(f"response body is over the {human_cap(max_bytes)} cap")
        if time.monotonic() > deadline:
            raise IngestError(f"download took longer than {timeout * TOTAL_TIME_FACTOR:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _provenance(url: str, response: httpx.Response, retrieved_at: str) -> dict:
    return {
        "url": url,
        "final_url": str(response.url),
        "status": response.status_code,
        "headers": dict(response.headers),  # lower-case names; repeated headers joined by ", "
        "retrieved_at": retrieved_at,
    }


def fetch_url(url: str, *, timeout: float = 20.0, max_bytes: int = MAX_BYTES) -> tuple[bytes, dict]:
    """GET a URL (following redirects); returns the body and its provenance.

    Raises IngestError for non-http(s) URLs, HTTP status >= 400, timeouts,
    network errors and bodies over max_bytes (checked while streaming).
    """
    _check_scheme(url)
    retrieved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    deadline = time.monotonic() + timeout * TOTAL_TIME_FACTOR
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                          max_redirects=_MAX_REDIRECTS, headers={"User-Agent": USER_AGENT}) as client:
            with client.stream("GET", url) as response:
                _check_status(response, url)
                _check_declared_size(response, max_bytes)
                body = _read_capped(response, max_bytes, deadline, timeout)
                return body, _provenance(url, response, retrieved_at)
    except httpx.TimeoutException:
        raise IngestError(f"timed out after {timeout:g} s fetching {url}") from None
    except httpx.TooManyRedirects:
        raise IngestError(f"more than {_MAX_REDIRECTS} redirects fetching {url}") from None
    except httpx.HTTPError as e:
        raise IngestError(f"could not fetch {url}: {type(e).__name__}: {e}") from None
