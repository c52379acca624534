"""A store for the web tests: the example claims (accepted) plus one small document with
an accepted claim and candidate claims, built with Store.import_claims (no extractor)."""
from __future__ import annotations

import json
from pathlib import Path

from stationwatch.store import Document, Store

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "claims.jsonl"

# Written for these tests; not a real source.
DOC_TEXT = (
    "Test dispatch (a fixture of the stationwatch tests, not a real source)\n\n"
    "A police service station in Marseille was described by local reporters. "
    "Another station operates in Lyon, run from the Qingtian bureau. "
    "French prosecutors opened an investigation into three such stations in France.\n\n"
    "里昂的警务服务站已被调查。\n\n"
    "A comment pasted into the page: <script>window.__pwned = 1</script> "
    "<img src=x onerror=\"window.__pwned = 2\">\n"
)
SOURCE = {"title": "Test dispatch", "publisher": "Fixture Press", "published": "2024-03-01", "kind": "news"}
REPORTER = {"name": "Fixture Press", "country": None}


def span(text: str, words: str) -> dict:
    start = DOC_TEXT.index(words)
    return {"start": start, "end": start + len(words), "text": words}


def doc_claims() -> list[dict]:
    place = lambda loc: {"type": "place", "country": "FR", "locality": loc}
    return [
        {"predicate": "station.location", "subject": {"type": "station"}, "object": place("Marseille"),
         "said_by": REPORTER, "confidence": 0.95, "status": "accepted",
         "excerpt": span(DOC_TEXT, "A police service station in Marseille was described by local reporters.")},
        {"predicate": "station.location", "subject": {"type": "station"}, "object": place("Lyon"),
         "said_by": REPORTER, "confidence": 0.9,
         "excerpt": span(DOC_TEXT, "Another station operates in Lyon, run from the Qingtian bureau.")},
        {"predicate": "station.operator", "subject": {"type": "station", "country": "FR", "locality": "Lyon"},
         "object": {"type": "authority", "name": "Qingtian Public Security Bureau", "seat": "Qingtian"},
         "said_by": REPORTER, "confidence": 0.7,
         "excerpt": span(DOC_TEXT, "Another station operates in Lyon, run from the Qingtian bureau.")},
        {"predicate": "count.stations", "value": 3, "scope": {"country": "FR"},
         "said_by": {"name": "French prosecutors", "country": "FR"}, "confidence": 0.55,
         "excerpt": span(DOC_TEXT, "French prosecutors opened an investigation into three such stations in France.")},
        {"predicate": "response.investigation", "subject": {"type": "government", "country": "FR"},
         "said_by": REPORTER, "confidence": 0.5,
         "excerpt": span(DOC_TEXT, "French prosecutors opened an investigation into three such stations in France.")},
    ]


def document() -> Document:
    return Document(original=DOC_TEXT.encode("utf-8"), text=DOC_TEXT, name="test-dispatch.txt",
                    title="Test dispatch", language="en")


def build(db_url: str) -> dict:
    store = Store(db_url)
    lines = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    store.import_claims(enumerate(lines, 1), origin=str(EXAMPLES), accept=True, reviewer="examples")
    doc = document()
    summary = store.import_claims(enumerate(doc_claims(), 1), origin="test-dispatch", source=SOURCE,
                                  document=doc)
    ids = summary.claim_ids
    return {"store": store, "doc_id": doc.id, "marseille": ids[0], "lyon": ids[1], "lyon_operator": ids[2],
            "count_fr": ids[3], "investigation_fr": ids[4]}


def client(app, **kwargs):
    """A TestClient that sends its session's CSRF token with every request, as the app's own
    pages and scripts do (the token comes from GET /api/session when the client starts)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    class CsrfClient(TestClient):
        def __enter__(self):
            super().__enter__()
            self.headers["x-csrf-token"] = self.get("/api/session").json()["csrf"]
            return self

    return CsrfClient(app, **kwargs)


# -- a real browser against a real server (the browser tests share these) ------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--disable-quic", "--no-default-browser-check"]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_thread(app):
    """Run an app under uvicorn on a free loopback port; returns (server, thread, base URL)."""
    import threading
    import time

    import uvicorn
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


def chromium():
    """Debian's chromium driven by Playwright, for a module-scoped `browser` fixture."""
    import pytest
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
