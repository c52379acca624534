"""Entity resolution in the web app: the pairs page, judgements by the logged-in editor, merges
and splits showing on station pages and in exports as in the CLI."""
from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from stationwatch import accounts
from stationwatch.cli import app as cli_app
from stationwatch.store import Document, Store
from stationwatch.web import create_app

import webstore

SAME_ORIGIN = {"origin": "http://testserver"}
PASSWORD = "correct horse battery"
# Written for these tests; not real sources. Two reports disagree on the bureau behind the
# one station in Milan, so the resolver keeps them apart until a person says otherwise.
WENZHOU = "A police service station in Milan is run from the Wenzhou bureau."
QINGTIAN = "La stazione di polizia cinese a Milano dipende dall'ufficio di Qingtian."
LATER = "Un'altra fonte cita una stazione a Milano."


def station_claim(text: str, locality: str, operator: str | None) -> dict:
    subject = {"type": "station", **({"operator": operator} if operator else {})}
    return {"predicate": "station.location", "subject": subject,
            "object": {"type": "place", "country": "IT", "locality": locality},
            "said_by": {"name": "Fixture Wire", "country": None},
            "excerpt": {"start": 0, "end": len(text), "text": text}}


def build(db: str) -> Store:
    store = Store(db)
    for i, (text, locality, operator, accept) in enumerate([(WENZHOU, "Milan", "Wenzhou", True),
                                                             (QINGTIAN, "Milano", "Qingtian", True),
                                                             (LATER, "Milano", None, False)]):
        doc = Document(original=text.encode(), text=text, name=f"milan-{i}.txt")
        store.import_claims([(1, station_claim(text, locality, operator))], origin=doc.name, document=doc,
                            source={"title": f"Milan report {i}", "published": f"2023-0{i + 1}-10"}, accept=accept,
                            reviewer="tests")
    store.add_user("eve", "editor", accounts.hash_password(PASSWORD))
    store.add_user("vic", "viewer", accounts.hash_password(PASSWORD))
    return store


def log_in(c, name: str) -> None:
    c.cookies.clear()
    c.headers["x-csrf-token"] = c.get("/api/session").json()["csrf"]
    c.post("/login", data={"name": name, "password": PASSWORD}, headers=SAME_ORIGIN)
    c.headers["x-csrf-token"] = c.get("/api/session").json()["csrf"]


def milan(c) -> list[dict]:
    return [s for s in c.get("/api/stations", params={"as_of": "2023-12-31"}).json()["stations"]
            if s["locality"] == "Milan"]


def export_points(db: str) -> list[dict]:
    r = CliRunner().invoke(cli_app, ["--db", db, "export", "--format", "geojson", "--as-of", "2023-12-31"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return [f for f in json.loads(r.stdout)["features"] if f["properties"]["locality"] == "Milan"]


def test_judging_on_the_web_merges_and_splits_stations(db):
    store = build(db)
    with webstore.client(create_app(store=store)) as c:
        log_in(c, "eve")
        two = milan(c)
        assert sorted(s["operator"] for s in two) == ["Qingtian", "Wenzhou"]
        assert len(export_points(db)) == 2
        wenzhou = next(s for s in two if s["operator"] == "Wenzhou")
        qingtian = next(s for s in two if s["operator"] == "Qingtian")
        page = c.get(f"/stations/{wenzhou['id']}", params={"as_of": "2023-12-31"}).text
        assert WENZHOU in page and QINGTIAN not in page

        # the pair is listed with its score and reasons (a conflict: two bureaus)
        html = c.get("/resolution", params={"min_score": 0, "country": "IT"}).text
        pair = re.search(r'<article class="pair[^"]*" data-left="[^"]+" data-right="[^"]+">.*?</article>', html, re.S)
        assert pair and "operators differ: Qingtian, Wenzhou" in pair.group(0) and "Milano" in pair.group(0)

        r = c.post("/resolution/judge", data={"left": wenzhou["id"], "right": qingtian["id"], "judgement": "same",
                                              "next": "/resolution?country=IT&min_score=0"},
                   headers=SAME_ORIGIN, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/resolution?country=IT&min_score=0&done=")
        assert "now+merged" in r.headers["location"] or "now%20merged" in r.headers["location"]
        [merged] = milan(c)
        page = c.get(f"/stations/{merged['id']}", params={"as_of": "2023-12-31"}).text
        assert WENZHOU in page and QINGTIAN.replace("'", "&#39;") in page  # Milan and Milano, one station
        assert len(export_points(db)) == 1  # exports merge as the web and the CLI do
        clusters = c.get("/resolution", params={"country": "IT"}).text
        assert 'id="clusters"' in clusters and "Milano" in clusters and "split off" in clusters

        # undo: judge the pair again
        r = c.post("/resolution/judge", data={"left": qingtian["id"], "right": wenzhou["id"],
                                              "judgement": "different"}, headers=SAME_ORIGIN, follow_redirects=False)
        assert r.status_code == 303
        assert sorted(s["id"] for s in milan(c)) == sorted([wenzhou["id"], qingtian["id"]])
        page = c.get(f"/stations/{wenzhou['id']}", params={"as_of": "2023-12-31"}).text
        assert WENZHOU in page and QINGTIAN.replace("'", "&#39;") not in page
        assert len(export_points(db)) == 2

        log_in(c, "vic")
        assert c.post("/resolution/judge", data={"left": wenzhou["id"], "right": qingtian["id"],
                                                 "judgement": "same"}, headers=SAME_ORIGIN).status_code == 403
    history = store.judgements(latest=False)
    assert [(j["judgement"], j["judged_by"]) for j in history] == [("same", "eve"), ("different", "eve")]
    assert store.verify() == []


def test_a_milano_candidate_waits_under_the_milan_station(db):
    store = build(db)
    with webstore.client(create_app(store=store)) as c:
        log_in(c, "eve")
        for s in milan(c):  # the unreviewed "Milano" claim names no bureau: it may be about either
            page = c.get(f"/stations/{s['id']}", params={"as_of": "2023-12-31"}).text
            assert "1 candidate claim</strong> about this place" in page, s["label"]
        lyon = c.get("/stations", params={"as_of": "2023-12-31"}).text
        assert "candidate claim" not in lyon
