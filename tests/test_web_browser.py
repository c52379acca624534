"""The web app in a real browser: Debian's chromium, driven by Playwright, against uvicorn
on a free loopback port. Screenshots go to test-output/screenshots/."""
from __future__ import annotations

import re

import httpx
import pytest

import webstore
from conftest import new_db_url

SHOTS = webstore.REPO / "test-output" / "screenshots"
browser = pytest.fixture(scope="module")(webstore.chromium)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from stationwatch.web import create_app
    from stationwatch.web.security import loopback_hosts
    built = webstore.build(new_db_url(tmp_path_factory.mktemp('web')))
    app = create_app(store=built["store"], allowed_hosts=loopback_hosts("127.0.0.1"))
    srv, thread, built["base"] = webstore.serve_in_thread(app)
    yield built
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(browser, server):
    """A fresh page that records every request it makes and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.errors.append("dialog: " + d.message), d.dismiss()))
    yield pg
    outside = [u for u in pg.requests if not u.startswith(server["base"]) and not u.startswith(("data:", "blob:"))]
    context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not pg.errors, pg.errors


def api(server, path, **params):
    return httpx.get(server["base"] + path, params=params, timeout=10).json()


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def markers(pg, cls="station-present") -> int:
    pg.wait_for_selector("#map.ready", timeout=10_000)
    return pg.locator(f"#map path.station-marker.{cls}").count()


def test_dashboard_map_has_one_marker_per_documented_station(page, server):
    expected = api(server, "/api/tally")["documented"]["stations"]
    page.goto(server["base"] + "/")
    assert markers(page) == expected == 23
    assert markers(page, "station-closed") == 2  # Dublin and Prague, drawn apart from the documented ones
    page.wait_for_function("document.querySelector('#map').dataset.countries > 150", timeout=10_000)
    assert page.locator("#map path.country.has-stations").count() >= 11  # shaded: countries with stations
    assert page.locator("#fig-documented").inner_text() == str(expected)
    # a marker opens a popup that links to the station page
    page.locator("#map path.station-marker.station-present").first.click(force=True)
    link = page.locator(".leaflet-popup-content a")
    link.wait_for(timeout=5000)
    assert re.search(r"/stations/sta_", link.get_attribute("href"))
    shot(page, "dashboard")


def test_changing_the_as_of_date_changes_the_figures(page, server):
    page.goto(server["base"] + "/")
    before = int(page.locator("#fig-documented").inner_text())
    expected = api(server, "/api/tally", as_of="2022-10-01")["documented"]["stations"]
    assert expected != before
    page.fill("#as_of", "2022-10-01")  # the form submits itself when a full date is chosen
    page.wait_for_url(re.compile(r"as_of=2022-10-01"), timeout=10_000)
    assert int(page.locator("#fig-documented").inner_text()) == expected == 16
    assert markers(page) == expected
    assert "2022-10-01" in page.locator(".timebar").inner_text()
    shot(page, "dashboard-as-of-2022-10-01")


def test_station_page_links_a_claim_to_its_highlighted_excerpt(page, server):
    station = next(s for s in api(server, "/api/stations")["stations"] if s["locality"] == "Marseille")
    page.goto(server["base"] + f"/stations/{station['id']}")
    assert page.locator("h1").inner_text().startswith("Marseille")
    shot(page, "station")
    page.locator("a.excerpt-link").first.click()
    page.wait_for_url(re.compile(rf"claim={server['marseille']}#c-{server['marseille']}$"))
    focus = page.locator("#doc-text mark.focus")
    assert focus.count() == 1
    assert focus.inner_text() == "A police service station in Marseille was described by local reporters."
    assert focus.is_visible() and focus.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }")
    background = focus.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("#doc-hash").inner_text() == server["doc_id"]
    shot(page, "source-highlighted")


def test_document_text_never_runs(page, server):
    page.goto(server["base"] + f"/documents/{server['doc_id']}")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#doc-text script, #doc-text img").count() == 0
    assert "<script>window.__pwned = 1</script>" in page.locator("#doc-text").inner_text()


def test_accepting_a_candidate_changes_the_dashboard_figure(page, server):
    page.goto(server["base"] + "/")
    before = int(page.locator("#fig-documented").inner_text())
    page.goto(server["base"] + "/review")
    first = page.locator("article.candidate").first
    assert first.get_attribute("data-id") == server["lyon"]  # most confident first: 0.90
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the first
    assert "selected" in first.get_attribute("class")
    shot(page, "review-queue")
    page.keyboard.press("a")
    page.wait_for_selector(f"#cand-{server['lyon']}.decided-accepted", timeout=10_000)
    page.wait_for_function(f"document.querySelector('#fig-documented').textContent === '{before + 1}'",
                           timeout=10_000)
    assert "selected" in page.locator("article.candidate").nth(1).get_attribute("class")  # moved on
    assert page.locator("#queue-total").inner_text() == "3"
    shot(page, "review-accepted")
    page.goto(server["base"] + "/")
    assert int(page.locator("#fig-documented").inner_text()) == before + 1
    assert markers(page) == before + 1
    assert api(server, f"/api/claims/{server['lyon']}")["status"] == "accepted"


def test_review_edit_from_the_keyboard(page, server):
    page.goto(server["base"] + "/review?predicate=count.stations")
    item = page.locator("article.candidate").first
    assert item.get_attribute("data-id") == server["count_fr"]
    page.keyboard.press("e")
    value = item.locator("input[name=value]")
    assert value.evaluate("el => el === document.activeElement") or item.locator("details.edit").get_attribute("open") is not None
    value.fill("4")
    item.locator("form.edit-form button[type=submit]").click()
    page.wait_for_selector(f"#cand-{server['count_fr']}.decided-accepted", timeout=10_000)
    original = api(server, f"/api/claims/{server['count_fr']}")
    edited = api(server, f"/api/claims/{original['superseded_by']}")
    assert original["status"] == "rejected" and original["value"] == 3
    assert edited["status"] == "accepted" and edited["value"] == 4 and edited["edited_from"] == server["count_fr"]


def test_api_docs_render_offline(page, server):
    page.goto(server["base"] + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "stationwatch" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/tally").count() >= 1
    shot(page, "api-docs")
