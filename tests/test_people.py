"""Protecting people: claims about or by a person never reach the public view, and registered
names are redacted (any script, any case) in public pages, `export --public` in every
format and the report. Also: search input that looks like SQL or FTS syntax is only text."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from stationwatch import accounts
from stationwatch.cli import app as cli_app
from stationwatch.export.public import REDACTED, Redactor, is_public, public_claims
from stationwatch.model import claim_id, validate_claim
from stationwatch.store import Document
from stationwatch.web import create_app

import webstore

SAME_ORIGIN = {"origin": "http://testserver"}
PASSWORD = "correct horse battery"
HASH = accounts.hash_password(PASSWORD)

# Written for these tests; the witness is invented.
TESTIMONY = (
    "Fixture testimony (a fixture of the stationwatch tests, not a real source)\n\n"
    "Lin Meihua, a witness, said the station in Prato asked her to return to China. "
    "In court LIN MEIHUA repeated it; the press called her Ms Lin-Meihua.\n\n"
    "林美華說，普拉托的警務服務站要求她回國。\n"
)
TESTIMONY_SOURCE = {"title": "Testimony of Lin Meihua", "publisher": "Fixture Daily", "published": "2024-04-02",
                    "kind": "news", "url": "https://example.org/news/lin-meihua-testimony"}
# every way the witness is written in the fixture, the source's title and its URL
NAME_FORMS = ("Lin Meihua", "LIN MEIHUA", "Lin-Meihua", "lin-meihua", "林美華", "林美华", "Meihua")
PRATO = {"type": "place", "country": "IT", "locality": "Prato"}
DAILY = {"name": "Fixture Daily", "country": None}


def span(words: str) -> dict:
    start = TESTIMONY.index(words)
    return {"start": start, "end": start + len(words), "text": words}


def witness_claims() -> list[dict]:
    english = span("Lin Meihua, a witness, said the station in Prato asked her to return to China.")
    chinese = span("林美華說，普拉托的警務服務站要求她回國。")
    return [
        # about the station: public, with the witness's name redacted from its excerpt
        {"predicate": "station.location", "subject": {"type": "station"}, "object": PRATO, "said_by": DAILY,
         "excerpt": english, "note": "Lin Meihua was approached in Prato."},
        {"predicate": "station.activity", "subject": {"type": "station", "country": "IT", "locality": "Prato"},
         "value": "persuasion_to_return", "said_by": DAILY, "excerpt": chinese},
        # about her, or said by her: never public
        {"predicate": "incident.persuasion", "subject": {"type": "person", "name": "Lin Meihua"}, "object": PRATO,
         "said_by": DAILY, "excerpt": english},
        {"predicate": "station.staffing", "subject": {"type": "station", "country": "IT", "locality": "Prato"},
         "value": "volunteers", "said_by": {"name": "Lin Meihua", "type": "person"}, "excerpt": english},
        {"predicate": "incident.intimidation", "subject": {"type": "incident"}, "object": PRATO,
         "said_by": {"name": "Ms Lin-Meihua"}, "excerpt": span("In court LIN MEIHUA repeated it")},
    ]


def build(db: str) -> dict:
    b = webstore.build(db)
    store = b["store"]
    doc = Document(original=TESTIMONY.encode(), text=TESTIMONY, name="lin-meihua-testimony.txt",
                   title="Testimony of Lin Meihua", language="en", author="Lin Meihua")
    summary = store.import_claims(enumerate(witness_claims(), 1), origin="testimony", source=TESTIMONY_SOURCE,
                                  document=doc, accept=True, reviewer="tests")
    store.protect("Lin Meihua", aliases=["林美华"], role="witness", by="tests")
    ids = summary.claim_ids
    return {**b, "testimony_doc": doc.id, "public_ids": ids[:2], "person_ids": ids[2:]}


@pytest.fixture
def built(db):
    return build(db)


def names_in(text: str) -> list[str]:
    return [n for n in NAME_FORMS if n.casefold() in text.casefold()]


# -- the rule --------------------------------------------------------------------------------

def test_person_speakers_are_optional_and_keep_old_ids():
    raw = {"predicate": "station.location", "object": PRATO, "said_by": {"name": "X", "country": None}}
    plain = validate_claim(raw)
    assert plain["said_by"] == {"name": "X", "country": None}  # no "type" key: ids of old claims stay
    assert claim_id(plain, "src") == claim_id(validate_claim({**raw, "said_by": {"name": "X"}}), "src")
    person = validate_claim({**raw, "said_by": {"name": "X", "type": "person"}})
    assert person["said_by"]["type"] == "person" and claim_id(person, "src") != claim_id(plain, "src")
    with pytest.raises(ValueError, match="said_by.type"):
        validate_claim({**raw, "said_by": {"name": "X", "type": "robot"}})


def test_person_speaker_type_is_stored_and_verified(built):
    store = built["store"]
    c = store.claim(built["person_ids"][1])
    assert c["said_by"] == {"name": "Lin Meihua", "country": None, "type": "person"}
    assert not is_public(c)
    assert store.verify() == []
    from sqlalchemy import text
    with store.engine.begin() as conn:  # dropping the mark behind the store's back is caught
        conn.execute(text("UPDATE claims SET said_by_type = NULL WHERE id = :i"), {"i": c["id"]})
    assert any(c["id"] in str(p) for p in store.verify())


def test_redactor_matches_names_in_any_case_script_and_spelling():
    r = Redactor([{"name": "Lin Meihua", "aliases": ["林美华"]}, "Li Na"])
    text = "Lin Meihua; LIN  MEIHUA; lin-meihua; Lin_Meihua; 林美華說; 林 美 华; Lisbon; Linn Meihua; Li Nah; li na."
    out = r.redact(text)
    assert out == (f"{REDACTED}; {REDACTED}; {REDACTED}; {REDACTED}; {REDACTED}說; {REDACTED}; Lisbon; "
                   f"Linn Meihua; Li Nah; {REDACTED}.")
    assert r.is_name("Ms Lin-Meihua") and not r.is_name("Fixture Daily")
    assert r.url("https://example.org/news/lin-meihua-testimony") is None
    assert r.url("https://example.org/%E6%9E%97%E7%BE%8E%E5%8D%8E") is None
    assert r.url("https://example.org/prato-station") == "https://example.org/prato-station"
    assert r.redact_label("https://example.org/%E6%9E%97%E7%BE%8E%E5%8D%8E.html") == f"https://example.org/{REDACTED}.html"
    assert r.redact_label("notes-lin_meihua.pdf") == f"notes-{REDACTED}.pdf"
    # cutting text never shows half a name
    assert r.pieces("ab Lin Meihua cd", [6]) == ["ab ", f"{REDACTED} cd"]
    assert Redactor().redact(text) == text and not Redactor()


def test_public_claims_leave_out_people_and_redact_names(built):
    store = built["store"]
    from stationwatch.export.public import redactor_for
    claims = [c for c in store.claims(status="accepted") if c["source"].get("document") == built["testimony_doc"]]
    out = public_claims(claims, redactor_for(store))
    assert [c["id"] for c in out] == built["public_ids"]
    english, chinese = out
    assert english["excerpt"]["text"] == f"{REDACTED}, a witness, said the station in Prato asked her to return to China."
    assert english["excerpt"]["redacted"] is True and english["note"] == f"{REDACTED} was approached in Prato."
    assert chinese["excerpt"]["text"] == f"{REDACTED}說，普拉托的警務服務站要求她回國。"
    assert english["source"]["title"] == f"Testimony of {REDACTED}" and english["source"]["url"] is None
    assert not names_in(json.dumps(out, ensure_ascii=False))
    assert claims[0]["excerpt"]["text"].startswith("Lin Meihua")  # the store's claims are untouched


# -- exports and the report ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "ftm", "csv", "geojson"])
def test_public_exports_in_every_format_hold_no_person(built, db, tmp_path, fmt):
    runner = CliRunner()

    def export(*extra) -> str:
        out = tmp_path / ("out" + "".join(extra).replace("-", ""))
        args = ["--db", db, "export", "--format", fmt, "--as-of", "2024-12-31", "-o", str(out), *extra]
        r = runner.invoke(cli_app, args, catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        files = sorted(out.glob("*.csv")) if fmt == "csv" else [out]
        return "".join(f.read_text(encoding="utf-8") for f in files)

    full, public = export(), export("--public")
    if fmt != "geojson":  # station points carry no excerpts either way
        assert names_in(full) and REDACTED in public
        assert all(i in full for i in built["person_ids"])
    assert not names_in(public), names_in(public)
    assert not any(i in public for i in built["person_ids"])
    assert "Prato" in public


def test_report_holds_no_person(built, db, tmp_path):
    out = tmp_path / "briefing.html"
    r = CliRunner().invoke(cli_app, ["--db", db, "report", "--as-of", "2024-12-31", "--format", "html", "-o", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "Prato" in html and not names_in(html)
    assert not any(i in html for i in built["person_ids"])


# -- the web app's public view ----------------------------------------------------------------

def public_pages(c, built) -> dict[str, str]:
    """Every page of the public view that could show the testimony, by path."""
    src = next(s for s in c.get("/api/sources").json()["sources"] if s["document"] == built["testimony_doc"])
    prato = next(s for s in c.get("/api/stations").json()["stations"] if s["locality"] == "Prato")
    paths = ["/", "/stations", f"/stations/{prato['id']}", "/countries/IT", "/sources", f"/sources/{src['id']}",
             f"/documents/{built['testimony_doc']}", f"/claims/{built['public_ids'][0]}",
             f"/claims/{built['public_ids'][1]}", "/timeline", "/search?q=Prato", "/search?q=Lin+Meihua",
             "/search?q=Meihua", "/search?q=林美華", "/search?q=witness", "/api/claims?limit=1000", "/api/sources",
             f"/api/sources/{src['id']}", "/api/search?q=Prato", "/api/search?q=Meihua", "/api/stations?include_claims=1",
             f"/api/stations/{prato['id']}", "/api/countries/IT", "/api/timeline", "/api/tally"]
    out = {}
    for p in paths:
        r = c.get(p)
        assert r.status_code == 200, (p, r.status_code)
        text = r.text
        if "q=" in p:  # the page repeats what the reader typed; it must not show the name anywhere else
            from urllib.parse import parse_qs, urlsplit
            q = parse_qs(urlsplit(p).query)["q"][0]
            text = text.replace(q, "").replace(json.dumps(q)[1:-1], "")
        out[p] = text
    return out


def test_public_server_shows_no_person_and_is_read_only(built):
    store = built["store"]
    with webstore.client(create_app(store=store, public=True)) as c:
        pages = public_pages(c, built)
        for path, text in pages.items():
            assert not names_in(text), (path, names_in(text))
            assert not any(i in text for i in built["person_ids"]), path
        doc = pages[f"/documents/{built['testimony_doc']}"]
        text = re.sub(r"<(?!/?span)[^>]+>", "", doc)  # the text without highlights and links
        assert '<span class="redacted">[person]</span>, a witness' in text
        assert 'Ms <span class="redacted">[person]</span>.' in text
        assert '<span class="redacted">[person]</span>說，普拉托' in text
        assert doc.count('<span class="redacted">[person]</span>') == 4
        assert "asked her to return" in pages["/search?q=Prato"]
        assert "No document contains it" in pages["/search?q=Meihua"]  # the name is not an oracle either
        assert "[person], a witness" in pages[f"/claims/{built['public_ids'][0]}"]
        for pid in built["person_ids"]:
            assert c.get(f"/claims/{pid}").status_code == 404
            assert c.get(f"/api/claims/{pid}").status_code == 404
        # what a public view does not serve at all
        for path in (f"/documents/{built['testimony_doc']}/original", "/review", "/add", "/resolution", "/audit",
                     "/users", "/protect", "/login", "/api/review-queue", "/api/jobs"):
            assert c.get(path).status_code == 404, path
        assert c.get(f"/claims/{built['lyon']}").status_code == 404  # a candidate is not published
        unreviewed = Document(original=b"Lin Meihua, unreviewed notes", text="Lin Meihua, unreviewed notes", name="n.txt")
        store.import_claims([], origin="n", source={"title": "Notes", "published": "2024-05-01"}, document=unreviewed)
        assert c.get(f"/documents/{unreviewed.id}").status_code == 404
        r = c.post(f"/api/claims/{built['lyon']}/review", json={"decision": "accepted"}, headers=SAME_ORIGIN)
        assert r.status_code == 403
    assert store.claim(built["lyon"])["status"] == "candidate"


def test_viewers_get_the_protected_view_and_editors_the_record(built):
    store = built["store"]
    store.add_user("vic", "viewer", HASH)
    store.add_user("eve", "editor", HASH)
    with webstore.client(create_app(store=store)) as c:
        c.post("/login", data={"name": "vic", "password": PASSWORD}, headers=SAME_ORIGIN)
        for path, text in public_pages(c, built).items():
            assert not names_in(text), (path, names_in(text))
        assert c.get(f"/claims/{built['person_ids'][0]}").status_code == 404
        c.post("/logout", headers={**SAME_ORIGIN, "x-csrf-token": c.get("/api/session").json()["csrf"]})
        c.headers["x-csrf-token"] = c.get("/api/session").json()["csrf"]
        c.post("/login", data={"name": "eve", "password": PASSWORD}, headers=SAME_ORIGIN)
        doc = c.get(f"/documents/{built['testimony_doc']}").text
        assert "Lin Meihua, a witness" in doc and "林美華" in doc  # editors review the words as written
        assert c.get(f"/claims/{built['person_ids'][0]}").status_code == 200
        assert c.get(f"/documents/{built['testimony_doc']}/original").content == TESTIMONY.encode()


def test_names_to_protect_are_registered_by_editors_and_listed_only_to_admins(built):
    store = built["store"]
    for name, role in (("ada", "admin"), ("eve", "editor"), ("vic", "viewer")):
        store.add_user(name, role, HASH)

    def session(c, name):
        c.cookies.clear()
        c.headers["x-csrf-token"] = c.get("/api/session").json()["csrf"]
        c.post("/login", data={"name": name, "password": PASSWORD}, headers=SAME_ORIGIN)
        c.headers["x-csrf-token"] = c.get("/api/session").json()["csrf"]

    with webstore.client(create_app(store=store)) as c:
        session(c, "eve")
        r = c.post("/protect", data={"name": "Chen Fixture", "aliases": "陈测试\nChen F.", "role": "relative"},
                   headers=SAME_ORIGIN, follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/protect").text
        assert 'id="protected-count">2<' in page and "Chen Fixture" not in page and "Lin Meihua" not in page
        assert c.post("/protect/1/remove", headers=SAME_ORIGIN).status_code == 403
        session(c, "vic")
        assert c.get("/protect").status_code == 403
        session(c, "ada")
        page = c.get("/protect").text
        assert "Chen Fixture" in page and "陈测试" in page and "Lin Meihua" in page
        c.post("/protect/1/remove", headers=SAME_ORIGIN)
    assert [e["name"] for e in store.sensitive_names()] == ["Chen Fixture"]
    assert store.verify() == []
    from stationwatch.export.public import redactor_for
    assert redactor_for(store).redact("Chen Fixture met 陈测试 and Lin Meihua") == "[person] met [person] and Lin Meihua"


def test_protect_commands(built, db):
    runner = CliRunner()
    r = runner.invoke(cli_app, ["--db", db, "protect", "add", "Zhang Fixture", "--alias", "张测试", "--role", "target"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(cli_app, ["--db", db, "protect", "list"])
    assert "Zhang Fixture  (张测试)  [target]" in r.stdout and "Lin Meihua" in r.stdout
    r = runner.invoke(cli_app, ["--db", db, "protect", "add", "Z"])
    assert r.exit_code == 1 and "2 to 200 characters" in r.stderr


# -- search input is text, never SQL or FTS syntax ----------------------------------------------

NASTY = ["' OR 1=1 --", '"; DROP TABLE claims; --', "NEAR(", "NEAR(Lyon Marseille, 3)", "*", "Lyon*", '"', "''",
         "Lyon OR 1=1", "a AND NOT b", "text:Lyon", "^Lyon", "%", "_", "\\", "Lyon'); DELETE FROM ledger; --",
         "😀", "里昂 OR", "-Lyon", "(", ")", "{", "[", "\x00"]


@pytest.mark.parametrize("public", [False, True])
def test_search_input_that_looks_like_sql_or_fts_is_only_text(built, public):
    store = built["store"]
    before = store.counts()
    with webstore.client(create_app(store=store, public=public)) as c:
        for q in NASTY:
            r = c.get("/search", params={"q": q})
            assert r.status_code == 200, q
            r = c.get("/api/search", params={"q": q})
            assert r.status_code in (200, 422), q  # 422: the API's own length rule for empty queries
            assert c.get("/api/claims", params={"q": q}).status_code == 200, q
        hits = c.get("/api/search", params={"q": "Lyon, run from"}).json()["documents"]
        assert [h["id"] for h in hits] == [built["doc_id"]]  # the search still works
        assert c.get("/api/search", params={"q": "' OR 1=1 --"}).json()["documents"] == []
    assert store.counts() == before and store.verify() == []
    assert re.search(r"claims_accepted", json.dumps(before))


def test_editing_a_person_speakers_name_keeps_them_a_person():
    from stationwatch.web import forms
    c = {"predicate": "station.staffing", "subject": {"type": "station", "country": "IT", "locality": "Prato"},
         "object": None, "value": "volunteers", "scope": None, "qualifier": None, "stance": "asserts",
         "said_by": {"name": "L. M.", "country": None, "type": "person"}, "valid": {"from": None, "to": None}}
    changes = forms.changes_from(c, forms.fields_of(c) | {"said_by_name": "Lin M."})
    assert changes == {"said_by": {"name": "Lin M.", "country": None, "type": "person"}}
