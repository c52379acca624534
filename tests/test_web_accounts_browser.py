"""Accounts and protection in a real browser (Debian's chromium via Playwright): logging in
and reviewing from the keyboard (the script sends the CSRF token), and markup in documents
and excerpts never running, in the full and the public view."""
from __future__ import annotations

import re

import pytest

from stationwatch import accounts
from stationwatch.store import Document

import webstore
from conftest import new_db_url

PASSWORD = "correct horse battery"
# Written for these tests: markup that would run if any page let it through, next to a
# protected name (so the redacting renderer is exercised too).
EVIL_TEXT = ("Fixture page (not a real source). The station in Turin was reported by Zhou Fixture."
             "<script>window.__pwned = 'doc'</script><img src=x onerror=\"window.__pwned = 'img'; alert('Zhou Fixture')\">"
             " More about the station in Turin.")
EVIL_EXCERPT = "<img src=x onerror=\"window.__pwned = 'img'; alert('Zhou Fixture')\">"


serve = webstore.serve_in_thread
browser = pytest.fixture(scope="module")(webstore.chromium)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from stationwatch.web import create_app
    from stationwatch.web.security import loopback_hosts
    built = webstore.build(new_db_url(tmp_path_factory.mktemp('webacc')))
    store = built["store"]
    doc = Document(original=EVIL_TEXT.encode(), text=EVIL_TEXT, name="evil.html", title="<b>Evil</b> page")
    start = EVIL_TEXT.index(EVIL_EXCERPT)
    claim = {"predicate": "station.location", "subject": {"type": "station"},
             "object": {"type": "place", "country": "IT", "locality": "Turin"},
             "said_by": {"name": "<i>Fixture</i> Wire", "country": None}, "note": "<script>window.__pwned='note'</script>",
             "excerpt": {"start": start, "end": start + len(EVIL_EXCERPT), "text": EVIL_EXCERPT}}
    summary = store.import_claims([(1, claim)], origin="evil", document=doc, accept=True, reviewer="tests",
                                  source={"title": "<script>window.__pwned='title'</script>", "published": "2024-02-02"})
    store.protect("Zhou Fixture", by="tests")
    store.add_user("eve", "editor", accounts.hash_password(PASSWORD))
    built.update(evil_doc=doc.id, evil_claim=summary.claim_ids[0])
    running = []
    for public in (False, True):
        app = create_app(store=store, allowed_hosts=loopback_hosts("127.0.0.1"), public=public)
        srv, thread, base = serve(app)
        running.append((srv, thread))
        built["public_base" if public else "base"] = base
    yield built
    for srv, thread in running:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.errors.append("dialog: " + d.message), d.dismiss()))
    yield pg
    context.close()
    assert not pg.errors, pg.errors


def log_in(page, base: str, next_path: str) -> None:
    page.goto(base + next_path)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("input[name=name]", "eve")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(base + next_path)


def test_log_in_and_review_from_the_keyboard(page, servers):
    base = servers["base"]
    log_in(page, base, "/review")
    assert page.locator("#whoami").inner_text() == "eve"
    first = page.locator("article.candidate").first
    assert first.get_attribute("data-id") == servers["lyon"]
    page.keyboard.press("a")  # the script posts to the API with the page's CSRF token
    page.wait_for_selector(f"#cand-{servers['lyon']}.decided-accepted", timeout=10_000)
    assert servers["store"].claim(servers["lyon"])["reviewer"] == "eve"
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(base + "/review")
    page.wait_for_url(re.compile(r"/login\?next=%2Freview"))


@pytest.mark.parametrize("view", ["full", "public"])
def test_markup_in_documents_and_excerpts_never_runs(page, servers, view):
    base = servers["public_base" if view == "public" else "base"]
    if view == "full":
        log_in(page, base, "/")
    claim, doc = servers["evil_claim"], servers["evil_doc"]
    paths = [f"/documents/{doc}", f"/documents/{doc}?claim={claim}", f"/claims/{claim}", "/search?q=Turin",
             "/search?q=pwned", "/sources", "/stations?country=IT", "/"]
    if view == "full":
        paths.append("/review")
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("img[src=x]").count() == 0, path
        assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('__pwned'))"), path
    page.goto(base + f"/documents/{doc}")
    text = page.locator("#doc-text").inner_text()
    assert "<script>window.__pwned = 'doc'</script>" in text
    if view == "public":
        assert "Zhou Fixture" not in page.content() and "reported by [person]" in text
        assert "alert('[person]')" in text
    else:
        assert "reported by Zhou Fixture" in text
    page.goto(base + f"/claims/{claim}")
    assert "onerror=" in page.locator("blockquote.excerpt").inner_text()
