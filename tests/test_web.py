"""The web app through FastAPI's TestClient: pages, JSON API, escaping, POST-only writes."""
from __future__ import annotations

import datetime as dt
import json
import re
import time
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from stationwatch import geo, query
from stationwatch.query import views
from stationwatch.store import Document
from stationwatch.web import assets, create_app, forms, pages
from stationwatch.web.jobs import Hints

import webstore

SAME_ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def built(db):
    return webstore.build(db)


@pytest.fixture
def client(built):
    with webstore.client(create_app(store=built["store"])) as c:
        yield c


def documented(client, **params) -> int:
    return client.get("/api/tally", params=params).json()["documented"]["stations"]


def fig(html: str, name: str) -> int:
    return int(re.search(rf'id="{name}">(\d+)<', html).group(1))


# -- figures are the query layer's figures ------------------------------------------------

@pytest.mark.parametrize("as_of,known_at", [(None, None), ("2022-10-01", None), ("2022-12-31", "2022-11-15"),
                                            ("2023-06-30", "2023-01-01")])
def test_cached_figures_equal_query_tally(built, as_of, known_at):
    store = built["store"]
    a = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    k = dt.date.fromisoformat(known_at) if known_at else None
    snap = views.Views(store).snapshot()
    assert views.cached_tally(snap, a, k) == query.tally(store, as_of=a, known_at=k)
    assert views.cached_tally(snap, a, k, True) == query.tally(store, as_of=a, known_at=k, history=True)


def test_snapshot_reloads_after_any_write(built):
    store, v = built["store"], views.Views(built["store"])
    before = v.snapshot()
    assert v.snapshot() is before  # nothing written: same snapshot, memo kept
    store.review([built["lyon"]], "accepted", "t")  # a write from outside the app
    after = v.snapshot()
    assert after is not before and after.claim(built["lyon"])["status"] == "accepted"


# -- pages ---------------------------------------------------------------------------

def test_every_page_renders(client, built):
    station = next(s for s in client.get("/api/stations").json()["stations"] if s["locality"] == "Marseille")
    src = next(s for s in client.get("/api/sources").json()["sources"] if s["document"] == built["doc_id"])
    pages = ["/", "/?as_of=2022-10-01&known_at=2022-12-01", "/stations", "/stations?country=IT&status=operating",
             f"/stations/{station['id']}", "/countries/NL", "/countries/FR", "/sources", f"/sources/{src['id']}",
             f"/documents/{built['doc_id']}", f"/claims/{built['lyon']}", "/review", "/review?order=asc&country=FR",
             "/add", "/search?q=Lyon", "/docs", "/timeline", "/timeline?country=NL"]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
    assert "Marseille" in client.get(f"/stations/{station['id']}").text
    nl = client.get("/countries/NL").text
    assert "Closure order" in nl and "Amsterdam" in nl and "Rotterdam" in nl


def test_missing_things_are_404_and_bad_dates_400(client):
    assert client.get("/stations/sta_nope").status_code == 404
    assert client.get("/claims/ffffffffffff").status_code == 404
    assert client.get("/sources/nope").status_code == 404
    assert client.get("/documents/zzz").status_code == 404
    assert client.get("/countries/XX").status_code == 404
    r = client.get("/?as_of=yesterday")
    assert r.status_code == 400 and "as_of" in r.text
    assert client.get("/api/tally?as_of=2022-13").status_code == 400


def test_dashboard_figures_follow_the_as_of_date(client):
    today = client.get("/").text
    october = client.get("/?as_of=2022-10-01").text
    assert fig(today, "fig-documented") == documented(client) == 23  # 22 example stations + Marseille
    assert fig(october, "fig-documented") == documented(client, as_of="2022-10-01") == 16
    # the map gets exactly the documented stations, present ones marked as such
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', today, re.S).group(1))
    present = [p for p in data["points"] if p["status"] == "present"]
    assert len(present) == 23 and sum(data["by_country"].values()) == 23
    assert all(-90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180 for p in data["points"])


def test_known_at_limits_what_the_record_said(client):
    early = client.get("/api/tally", params={"as_of": "2023-06-30", "known_at": "2022-10-25"}).json()
    assert early["documented"]["stations"] == 16  # only the October 2022 report was out
    assert {f["value"] for f in early["reported"] if f["predicate"] == "count.stations" and not f["scope"]} == {54}


def test_station_page_links_each_claim_to_its_excerpt(client, built):
    station = next(s for s in client.get("/api/stations").json()["stations"] if s["locality"] == "Marseille")
    html = client.get(f"/stations/{station['id']}").text
    href = re.search(r'<a href="([^"]+)" class="excerpt-link"', html).group(1).replace("&amp;", "&")
    assert f"claim={built['marseille']}" in href and href.endswith(f"#c-{built['marseille']}")
    src = client.get(href.split("#")[0]).text
    focus = re.search(r'<mark class="span status-accepted focus"[^>]*><a [^>]*>(.*?)</a></mark>', src).group(1)
    assert focus == "A police service station in Marseille was described by local reporters."
    assert f'id="c-{built["marseille"]}"' in src


def test_contested_and_closed_stations_are_marked(tmp_path, built):
    store = built["store"]
    text = "Officials deny that any station exists in Marseille."
    doc = Document(original=text.encode(), text=text, name="denial.txt")
    store.import_claims(enumerate([{"predicate": "station.location", "subject": {"type": "station"},
                                    "object": {"type": "place", "country": "FR", "locality": "Marseille"},
                                    "stance": "denies", "said_by": {"name": "Consulate", "country": "CN"},
                                    "excerpt": {"start": 0, "end": len(text), "text": text}}], 1),
                        origin="t", source={"title": "Denial", "published": "2024-04-01"}, document=doc,
                        accept=True)
    with TestClient(create_app(store=store)) as c:
        st = next(s for s in c.get("/api/stations").json()["stations"] if s["locality"] == "Marseille")
        assert st["contested"] and st["present"]
        html = c.get(f"/stations/{st['id']}").text
        assert 'id="contested"' in html and "Consulate" in html and "stance-denies" in html
        dublin = next(s for s in c.get("/api/stations").json()["stations"] if s["locality"] == "Dublin")
        assert dublin["status"] == "closed" and not dublin["present"]
        assert ">closed<" in c.get(f"/stations/{dublin['id']}").text


# -- escaping ------------------------------------------------------------------------

def test_document_text_is_escaped(client, built):
    html = client.get(f"/documents/{built['doc_id']}").text
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "onerror=&#34;window.__pwned = 2&#34;" in html or "onerror=&quot;window.__pwned = 2&quot;" in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all('src="/static/' in s or 'type="application/json"' in s for s in scripts)


def test_claim_fields_are_escaped_everywhere(tmp_path, built):
    store = built["store"]
    evil = '<script>window.__pwned=3</script>'
    store.import_claims(enumerate([{"predicate": "station.location", "subject": {"type": "station"},
                                    "object": {"type": "place", "country": "DE", "locality": evil},
                                    "said_by": {"name": "<b>bold</b>", "country": None}, "confidence": 0.99,
                                    "note": "</script><script>alert(1)</script>"}], 1),
                        origin="t", source={"title": "x</title><script>1</script>", "published": "2024-01-01",
                                            "url": "javascript:alert(1)"})
    with webstore.client(create_app(store=store)) as c:
        cid = c.get("/api/claims", params={"predicate": "station.location", "country": "DE"}).json()["claims"][0]["id"]
        for path in ["/review", f"/claims/{cid}", "/sources", "/search?q=pwned"]:
            html = c.get(path).text
            assert "<script>window.__pwned" not in html and "<script>alert" not in html and "<b>bold" not in html, path
            assert 'href="javascript:' not in html, path
        c.post(f"/api/claims/{cid}/review", json={"decision": "accepted"}, headers=SAME_ORIGIN)
        html = c.get("/").text
        data = re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1)
        assert "<script" not in data and "</" not in data
    # what goes into a <script type="application/json"> block cannot end it
    embedded = pages.json_for_script({"label": evil, "x": "a & b > c"})
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    assert json.loads(str(embedded)) == {"label": evil, "x": "a & b > c"}


# -- writes --------------------------------------------------------------------------

def test_review_writes_are_posts_only(client, built):
    lyon = built["lyon"]
    assert client.get(f"/claims/{lyon}/review", params={"decision": "accepted"}).status_code == 405
    assert client.get(f"/api/claims/{lyon}/review").status_code == 405
    assert client.get(f"/claims/{lyon}/edit").status_code == 405
    assert client.get(f"/api/claims/{lyon}").json()["status"] == "candidate"
    # a page on another site cannot post decisions into the reviewer's local app
    r = client.post(f"/claims/{lyon}/review", data={"decision": "accepted"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post(f"/api/claims/{lyon}/review", json={"decision": "accepted"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    assert client.get(f"/api/claims/{lyon}").json()["status"] == "candidate"
    assert documented(client) == 23


def test_accepting_a_candidate_changes_the_figures_at_once(client, built):
    before = fig(client.get("/").text, "fig-documented")
    r = client.post(f"/claims/{built['lyon']}/review", data={"decision": "accepted", "next": "/review"},
                    headers=SAME_ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"
    assert fig(client.get("/").text, "fig-documented") == before + 1 == documented(client)
    assert client.get(f"/api/claims/{built['lyon']}").json()["reviewer"] == "web reviewer"
    # the JSON API answers with the figures after the decision; undo puts it back
    r = client.post(f"/api/claims/{built['lyon']}/review", json={"decision": "candidate"}, headers=SAME_ORIGIN)
    assert r.status_code == 200 and r.json()["figures"]["documented"] == before
    r = client.post(f"/api/claims/{built['count_fr']}/review", json={"decision": "rejected", "reviewer": "ana"},
                    headers=SAME_ORIGIN)
    assert r.json()["figures"]["candidates"] == 3


def test_open_redirects_are_refused(client, built):
    r = client.post(f"/claims/{built['lyon']}/review", data={"decision": "rejected", "next": "//evil.example/x"},
                    headers=SAME_ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/claims/{built['lyon']}"


def test_edit_keeps_the_original_and_the_correction(client, built):
    lyon = built["lyon"]
    form = forms.fields_of(client.get(f"/api/claims/{lyon}").json()) | {"locality": "Villeurbanne",
                                                                          "valid_from": "2023-05"}
    r = client.post(f"/claims/{lyon}/edit", data=form, headers=SAME_ORIGIN, follow_redirects=False)
    assert r.status_code == 303
    new_id = r.headers["location"].rsplit("/", 1)[-1]
    orig, new = client.get(f"/api/claims/{lyon}").json(), client.get(f"/api/claims/{new_id}").json()
    assert orig["status"] == "rejected" and orig["superseded_by"] == new_id and orig["object"]["locality"] == "Lyon"
    assert new["status"] == "accepted" and new["edited_from"] == lyon
    assert new["object"] == {"type": "place", "country": "FR", "locality": "Villeurbanne"}
    assert new["valid"]["from"] == "2023-05" and new["excerpt"] == orig["excerpt"]
    assert new["history"] == [lyon, new_id]
    page = client.get(f"/claims/{new_id}").text
    assert "Edit history" in page and "as extracted" in page
    assert any(s["locality"] == "Villeurbanne" for s in client.get("/api/stations").json()["stations"])


def test_bad_edit_is_refused_with_its_reason(client, built):
    cid = built["count_fr"]
    r = client.post(f"/claims/{cid}/edit", data=forms.fields_of(client.get(f"/api/claims/{cid}").json())
                    | {"value": "three"}, headers=SAME_ORIGIN)
    assert r.status_code == 422 and "whole number" in r.text
    r = client.post(f"/api/claims/{cid}/edit", json={"fields": {"country": "XX"}}, headers=SAME_ORIGIN)
    assert r.status_code == 422 and "ISO 3166" in r.json()["detail"]
    r = client.post(f"/api/claims/{cid}/edit", json={"fields": {}}, headers=SAME_ORIGIN)
    assert r.status_code == 422
    assert client.get(f"/api/claims/{cid}").json()["status"] == "candidate"


def test_edit_form_maps_fields_back_into_the_claim():
    op = {"predicate": "station.operator", "subject": {"type": "station", "country": "IT", "locality": "Milan"},
          "object": {"type": "authority", "name": "Wenzhou Public Security Bureau", "seat": "Wenzhou"},
          "value": None, "scope": None, "qualifier": None, "stance": "asserts",
          "said_by": {"name": "SD", "country": None}, "valid": {"from": None, "to": None}}
    ch = forms.changes_from(op, forms.fields_of(op) | {"operator": "Qingtian"})
    assert ch == {"object": {"type": "authority", "name": "Qingtian Public Security Bureau", "seat": "Qingtian"}}
    count = dict(op, predicate="count.stations", subject={"type": "network"}, object=None, value=11,
                 scope={"country": "IT"})
    ch = forms.changes_from(count, forms.fields_of(count) | {"value": "1,200", "qualifier": "more_than",
                                                             "said_by_country": "it"})
    assert ch == {"value": 1200, "qualifier": "more_than", "said_by": {"name": "SD", "country": "IT"}}
    assert forms.changes_from(count, forms.fields_of(count) | {"country": "FR", "operator": "Fuzhou"}) == {
        "scope": {"country": "FR", "operator": "Fuzhou"}}
    assert forms.changes_from(count, forms.fields_of(count)) == {}


# -- API -----------------------------------------------------------------------------

def test_api_serves_the_same_figures(client, built):
    store = built["store"]
    assert client.get("/api/tally", params={"as_of": "2022-12-31"}).json() == json.loads(
        json.dumps(query.tally(store, as_of=dt.date(2022, 12, 31))))
    stations = client.get("/api/stations").json()["stations"]
    present = [s for s in stations if s["present"]]
    assert len(present) == 23 and {s["locality"] for s in stations if s["status"] == "closed"} == {"Dublin", "Prague"}
    assert all(s["location"] for s in stations)
    milan = next(s for s in stations if s["locality"] == "Milan")
    assert milan["location"]["precision"] == "city" and abs(milan["location"]["lat"] - 45.46) < 0.3
    page = client.get("/api/claims", params={"status": "candidate", "limit": 2, "order": "confidence"}).json()
    assert page["total"] == 4 and [c["confidence"] for c in page["claims"]] == [0.9, 0.7]
    assert client.get("/api/claims", params={"document": built["doc_id"]}).json()["total"] == 5
    assert client.get("/api/claims", params={"limit": 5000}).status_code == 422
    sources = client.get("/api/sources").json()["sources"]
    doc_src = next(s for s in sources if s["document"] == built["doc_id"])
    assert doc_src["accepted"] == 1 and doc_src["candidate"] == 4 and doc_src["document_info"]["size"] > 0
    assert len(client.get(f"/api/sources/{doc_src['id']}").json()["claims"]) == 5
    hits = client.get("/api/search", params={"q": "警务服务站"}).json()["documents"]
    assert [h["id"] for h in hits] == [built["doc_id"]]
    queue = client.get("/api/review-queue", params={"order": "asc"}).json()
    assert [c["confidence"] for c in queue["claims"]] == [0.5, 0.55, 0.7, 0.9]
    nl = client.get("/api/countries/NL").json()
    assert nl["documented"] == 2 and any(e["predicate"] == "response.closure_order" for e in nl["responses"])
    tl = client.get("/api/timeline").json()
    assert {p["value"] for p in tl["reported_counts"]} == {54, 102}


def test_openapi_documents_the_api_and_docs_work_offline(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/tally", "/api/stations", "/api/claims", "/api/sources", "/api/claims/{claim_id}/review"):
        assert path in spec["paths"], path
    assert not any(p.startswith(("/stations", "/review")) for p in spec["paths"])  # pages are not API
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_search_finds_cjk_and_links_to_the_match(client, built):
    html = client.get("/search", params={"q": "警务服务站"}).text
    at = webstore.DOC_TEXT.index("警务服务站")
    assert f"/documents/{built['doc_id']}?at={at}&amp;len=5#hit" in html
    doc = client.get(f"/documents/{built['doc_id']}", params={"at": at, "len": 5}).text
    assert '<mark class="hit" id="hit">警务服务站</mark>' in doc
    assert "Marseille" in client.get("/search", params={"q": "marseille"}).text  # claims too


def test_original_file_downloads_without_running(client, built):
    r = client.get(f"/documents/{built['doc_id']}/original")
    assert r.content == webstore.DOC_TEXT.encode()
    assert r.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in r.headers["content-security-policy"]


def test_security_headers_and_no_outside_assets(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    for path in ("/", "/review", "/docs", "/stations"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html.replace('href="http://testserver', "")), path


def test_host_header_is_checked_when_serving_loopback(built):
    from stationwatch.web.security import loopback_hosts
    with TestClient(create_app(store=built["store"], allowed_hosts=loopback_hosts("127.0.0.1")),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/tally").status_code == 200
        assert c.get("/api/tally", headers={"host": "evil.example"}).status_code == 400


# -- adding sources --------------------------------------------------------------------

class FakeOutcome:
    def __init__(self, **kw):
        self.__dict__.update(dict(status="ingested", document_id=None, claims=0, accepted=0, error=None,
                                  warnings=[]) | kw)


def fake_ingest(store, target, hints: Hints, accept_above, reviewer):
    """Stands in for pipeline.ingest_one: stores a file as a plain-text document; URLs fail."""
    if target.startswith("http"):
        store.record_failure(target, "could not connect (no network in tests)")
        return FakeOutcome(status="failed", error="could not connect (no network in tests)")
    from pathlib import Path
    data = Path(target).read_bytes()
    time.sleep(0.2)
    doc = Document(original=data, text=data.decode(), name=target, title=hints.title)
    store.import_claims([], origin=target, source={"title": hints.title or Path(target).name,
                                                   "published": hints.published or "2024-05-01"}, document=doc)
    return FakeOutcome(document_id=doc.id, warnings=["no publication date in the document"])


def test_add_sources_runs_in_background_and_shows_failures(built):
    app = create_app(store=built["store"], ingest=fake_ingest)
    with webstore.client(app) as c:
        text = "Notes <script>window.__pwned=9</script> on the 海外警务 network."
        r = c.post("/add", data={"urls": "https://example.invalid/report\n", "title": "Notes", "published": "2024-05"},
                   files=[("files", ("notes <x>.txt", text.encode(), "text/plain"))], headers=SAME_ORIGIN,
                   follow_redirects=False)
        assert r.status_code == 303
        deadline = time.time() + 10
        while c.get("/api/jobs").json()["pending"] and time.time() < deadline:
            time.sleep(0.05)
        jobs = {j["name"]: j for j in c.get("/api/jobs").json()["jobs"]}
        assert jobs["https://example.invalid/report"]["status"] == "failed"
        assert jobs["notes _x_.txt"]["status"] == "ingested"
        page = c.get("/add").text
        assert "could not connect (no network in tests)" in page and "no publication date" in page
        doc_id = jobs["notes _x_.txt"]["document_id"]
        html = c.get(f"/documents/{doc_id}").text
        assert "&lt;script&gt;window.__pwned=9" in html and "<script>window.__pwned" not in html
        assert [h["id"] for h in c.get("/api/search", params={"q": "海外警务"}).json()["documents"]] == [doc_id]
        assert "could not connect" in c.get("/sources").text  # recorded failures outlive the job list
        assert c.post("/add", data={"urls": "ftp://x"}, headers=SAME_ORIGIN).status_code == 422
        assert c.post("/add", data={"urls": "https://x", "published": "soon"}, headers=SAME_ORIGIN).status_code == 422
        assert c.post("/add", data={}, headers=SAME_ORIGIN).status_code == 422


def test_missing_extractor_is_a_visible_failure(built):
    def broken(*a):
        raise ImportError("cannot import name 'extract_claims'")
    with webstore.client(create_app(store=built["store"], ingest=broken)) as c:
        c.post("/add", data={"urls": "https://example.invalid/a"}, headers=SAME_ORIGIN)
        deadline = time.time() + 5
        while c.get("/api/jobs").json()["pending"] and time.time() < deadline:
            time.sleep(0.05)
        [job] = c.get("/api/jobs").json()["jobs"]
        assert job["status"] == "failed" and "extraction is not available" in job["error"]


# -- geography and assets -------------------------------------------------------------

def test_station_coordinates_come_from_the_gazetteer():
    milan = geo.locate("IT", "Milan")
    assert milan.precision == "city" and 45 < milan.lat < 46 and 9 < milan.lon < 10
    assert geo.locate("US", "New York").place == "New York City"
    assert geo.locate("BR", "Sao Paulo").place == "São Paulo"  # accents folded
    assert geo.locate("GB", "London").lon < 1  # London, England, not London, Ontario
    sicily = geo.locate("IT", "Sicily")
    assert sicily.precision == "capital" and sicily.place == "Rome"
    assert geo.locate(None, "Paris") is None
    assert (geo.alpha2_of("380"), geo.alpha2_of(36), geo.alpha2_of(None, "Kosovo")) == ("IT", "AU", "XK")
    points = [{"lat": 45.0, "lon": 9.0}, {"lat": 45.0, "lon": 9.0}, {"lat": 10.0, "lon": 10.0}]
    geo.spread(points)
    assert (points[0]["lat"], points[0]["lon"]) != (points[1]["lat"], points[1]["lon"])
    assert points[2] == {"lat": 10.0, "lon": 10.0}


def test_topojson_to_geojson_decodes_quantized_arcs():
    topo = {"type": "Topology", "transform": {"scale": [1, 1], "translate": [10, 20]},
            "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2]]],
            "objects": {"c": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "id": "380", "properties": {"name": "A"}},
                {"type": "Polygon", "arcs": [[~1, ~0]], "id": "036"}]}}}
    fc = assets.topojson_to_geojson(topo, "c")
    a, b = fc["features"]
    assert a["geometry"]["coordinates"] == [[[10, 20], [12, 20], [12, 22], [10, 22], [10, 20]]]
    assert b["geometry"]["coordinates"] == [[[10, 20], [10, 22], [12, 22], [12, 20], [10, 20]]]
    assert a["id"] == "380" and a["properties"] == {"name": "A"}


def test_map_assets_are_installed_and_served(client):
    assert assets.missing() == [], "run `make install` (it fetches the map assets from the npm registry)"
    geojson = client.get("/geo/countries.geojson").json()
    codes = {f["properties"]["iso2"] for f in geojson["features"]}
    assert {"IT", "FR", "CN", "US", "BR", "NL"} <= codes and "AQ" not in codes and len(codes) > 150
    for f in geojson["features"]:  # no ring drawn across the whole world
        polys = f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]
        for poly in polys:
            xs = [p[0] for p in poly[0]]
            assert max(xs) - min(xs) < 300, f["properties"]
    for asset in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/map.js"):
        assert client.get(asset).status_code == 200


def test_segments_cut_overlapping_excerpts():
    text = "aaa BBB ccc DDD"
    claims = [{"id": "x", "excerpt": {"start": 4, "end": 11}}, {"id": "y", "excerpt": {"start": 8, "end": 15}},
              {"id": "z", "excerpt": None}]
    segs = views.segments(text, claims, focus="y", hit=(0, 3))
    assert [(s.text, s.claims, s.focus, s.hit) for s in segs] == [
        ("aaa", [], False, True), (" ", [], False, False), ("BBB ", ["x"], False, False),
        ("ccc", ["x", "y"], True, False), (" DDD", ["y"], True, False)]
    assert [s.starts for s in segs] == [[], [], ["x"], ["y"], []]


def test_serve_command_is_registered():
    from typer.testing import CliRunner

    from stationwatch.cli import app
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.stdout


def test_an_empty_store_renders_every_page(db):
    with TestClient(create_app(db)) as c:
        for path in ["/", "/stations", "/countries/JP", "/sources", "/review", "/add", "/search?q=x", "/timeline",
                     "/api/tally", "/api/stations", "/api/claims", "/api/sources", "/api/timeline"]:
            assert c.get(path).status_code == 200, path
        assert fig(c.get("/").text, "fig-documented") == 0
        assert "No candidate claims" in c.get("/review").text


def test_a_slow_ingest_does_not_hold_up_review_decisions(built):
    started = []

    def slow(store, target, hints, accept_above, reviewer):
        started.append(time.monotonic())
        time.sleep(1.5)  # reading and extracting: no lock held
        store.record_failure(target, "gave up")  # a write: under the app's write lock
        return FakeOutcome(status="failed", error="gave up")

    with webstore.client(create_app(store=built["store"], ingest=slow)) as c:
        c.post("/add", data={"urls": "https://example.invalid/slow"}, headers=SAME_ORIGIN)
        while not started:
            time.sleep(0.01)
        t = time.monotonic()
        r = c.post(f"/api/claims/{built['lyon']}/review", json={"decision": "accepted"}, headers=SAME_ORIGIN)
        assert r.status_code == 200 and time.monotonic() - t < 1.0
        while c.get("/api/jobs").json()["pending"]:
            time.sleep(0.05)
        assert c.get("/api/jobs").json()["jobs"][0]["error"] == "gave up"


def test_paged_lists_link_their_pages_and_keep_their_filters(client, built, monkeypatch):
    monkeypatch.setattr(pages, "PAGE", 2)
    monkeypatch.setattr(pages, "SOURCES_PAGE", 2)
    total = built["store"].count_claims(status="candidate")
    assert total > 2
    html = client.get("/review", params={"order": "asc"}).text
    assert f"page 1 of {-(-total // 2)}" in html
    nxt = re.search(r'<a href="([^"]*)">next →</a>', html)[1]
    assert "page=2" in nxt and "order=asc" in nxt and "← previous" not in html
    html = client.get(nxt.replace("&amp;", "&")).text
    assert "page 2 of" in html and re.search(r'<a href="[^"]*page=1[^"]*">← previous</a>', html)
    html = client.get("/sources").text
    assert "page 1 of" in html and re.search(r'<a href="[^"]*page=2[^"]*">next →</a>', html)
    # the timeline, newest first, a page at a time: the pages together are the whole timeline
    whole = client.get("/timeline", params={"country": "NL"}).text
    monkeypatch.setattr(pages, "TIMELINE_PAGE", 2)
    entries = lambda html: re.findall(r'<li class="t-.*?</li>', html, re.S)
    first = client.get("/timeline", params={"country": "NL"}).text
    n = len(entries(whole))
    assert n > 2 and len(entries(first)) == 2 and f"page 1 of {-(-n // 2)}" in first
    nxt = re.search(r'<a href="([^"]*)">next →</a>', first)[1].replace("&amp;", "&")
    assert "country=NL" in nxt and "page=2" in nxt
    paged = [e for p in range(1, -(-n // 2) + 1)
             for e in entries(client.get("/timeline", params={"country": "NL", "page": p}).text)]
    assert paged == entries(whole)
