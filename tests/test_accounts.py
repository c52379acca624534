"""Accounts: roles, logins, sessions and their cookies, CSRF, login rate limits, the audit
page, `stationwatch user`, and `serve` refusing the network without accounts."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from stationwatch import accounts
from stationwatch.cli import app as cli_app
from stationwatch.store import Store
from stationwatch.web import auth, create_app

import webstore

PASSWORD = "correct horse battery"
HASH = accounts.hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for every test user
SAME_ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def built(db):
    b = webstore.build(db)
    store = b["store"]
    for name, role in (("ada", "admin"), ("eve", "editor"), ("vic", "viewer")):
        store.add_user(name, role, HASH, by="test")
    return b


def client(built, **kw):
    return webstore.client(create_app(store=built["store"], **kw.pop("app", {})), **kw)


def refresh_csrf(c) -> str:
    c.headers["x-csrf-token"] = token = c.get("/api/session").json()["csrf"]
    return token


def login(c, name: str, password: str = PASSWORD, **extra):
    r = c.post("/login", data={"name": name, "password": password, **extra}, headers=SAME_ORIGIN,
               follow_redirects=False)
    refresh_csrf(c)
    return r


# -- who may do what ---------------------------------------------------------------------

def test_anonymous_is_sent_to_login_when_users_exist(built):
    with client(built) as c:
        r = c.get("/stations?country=IT", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fstations%3Fcountry%3DIT"
        assert c.get("/api/tally").status_code == 401
        assert c.get("/api/claims").status_code == 401
        assert c.get("/openapi.json").status_code == 401
        page = c.get("/login").text
        assert 'name="password"' in page and "Marseille" not in page and "fig-documented" not in page
        assert c.get("/static/app.css").status_code == 200
        assert c.post(f"/api/claims/{built['lyon']}/review", json={"decision": "accepted"},
                      headers=SAME_ORIGIN).status_code == 401
        r = login(c, "eve", next="/stations?country=IT")
        assert r.status_code == 303 and r.headers["location"] == "/stations?country=IT"
        assert c.get("/stations?country=IT").status_code == 200
    assert built["store"].claim(built["lyon"])["status"] == "candidate"


def test_wrong_password_and_disabled_users_cannot_log_in(built):
    store = built["store"]
    with client(built) as c:
        r = login(c, "eve", "not the password")
        assert r.status_code == 401 and "Wrong name or password" in r.text
        assert login(c, "nobody").status_code == 401
        store.set_active("vic", False, by="test")
        assert login(c, "vic").status_code == 401
        assert c.get("/api/session").json()["user"] is None


def test_viewer_reads_but_cannot_write(built):
    lyon = built["lyon"]
    with client(built) as c:
        login(c, "vic")
        assert c.get("/api/session").json() == {**c.get("/api/session").json(), "user": "vic", "role": "viewer",
                                                "view": "protected"}
        assert c.get("/").status_code == 200 and c.get("/stations").status_code == 200
        r = c.post(f"/claims/{lyon}/review", data={"decision": "accepted"}, headers=SAME_ORIGIN, follow_redirects=False)
        assert r.status_code == 403
        r = c.post(f"/api/claims/{lyon}/review", json={"decision": "accepted"}, headers=SAME_ORIGIN)
        assert r.status_code == 403 and "editor" in r.json()["detail"]
        assert c.post("/add", data={"urls": "https://example.invalid/x"}, headers=SAME_ORIGIN).status_code == 403
        assert c.post("/protect", data={"name": "Someone Else"}, headers=SAME_ORIGIN).status_code == 403
        for path in ("/review", "/add", "/audit", "/resolution", "/protect", "/users", "/api/review-queue",
                     "/api/jobs", f"/documents/{built['doc_id']}/original"):
            assert c.get(path).status_code == 403, path
        nav = c.get("/").text
        assert 'href="/review' not in nav and 'href="/users"' not in nav
        # a viewer may change their own password and log out
        assert c.post("/logout", headers=SAME_ORIGIN, follow_redirects=False).status_code == 303
    assert built["store"].claim(lyon)["status"] == "candidate"


def test_editor_reviews_as_themself_and_cannot_manage_users(built):
    lyon, store = built["lyon"], built["store"]
    with client(built) as c:
        login(c, "eve")
        r = c.post(f"/claims/{lyon}/review", data={"decision": "accepted", "next": "/review"}, headers=SAME_ORIGIN,
                   follow_redirects=False)
        assert r.status_code == 303
        assert store.claim(lyon)["reviewer"] == "eve"
        # the name in a request body or the old reviewer cookie does not override the login
        c.cookies.set("sw_reviewer", "mallory")
        r = c.post(f"/api/claims/{built['count_fr']}/review", json={"decision": "rejected", "reviewer": "mallory"},
                   headers=SAME_ORIGIN)
        assert r.status_code == 200 and store.claim(built["count_fr"])["reviewer"] == "eve"
        assert "Reviewing as <strong>eve</strong>" in c.get("/review").text
        assert c.get("/users").status_code == 403
        assert c.post("/users", data={"name": "x", "role": "admin", "password": PASSWORD},
                      headers=SAME_ORIGIN).status_code == 403
        assert c.post("/users/vic/role", data={"role": "admin"}, headers=SAME_ORIGIN).status_code == 403
    assert [u["role"] for u in store.users()] == ["admin", "editor", "viewer"]
    assert store.verify() == []


def test_admin_manages_users_on_the_web(built):
    store = built["store"]
    with client(built) as c:
        login(c, "ada")
        page = c.get("/users").text
        assert all(f'id="user-{n}"' in page for n in ("ada", "eve", "vic")) and "argon2" not in page
        r = c.post("/users", data={"name": "nia", "role": "editor", "password": PASSWORD}, headers=SAME_ORIGIN,
                   follow_redirects=False)
        assert r.status_code == 303 and "added+nia" in r.headers["location"]
        assert "at least 10 characters" in c.post("/users", data={"name": "short", "role": "viewer", "password": "x"},
                                                   headers=SAME_ORIGIN).text
        c.post("/users/vic/role", data={"role": "editor"}, headers=SAME_ORIGIN)
        c.post("/users/nia/active", data={"active": "0"}, headers=SAME_ORIGIN)
        # the last admin cannot demote or disable themself
        assert "last active admin" in c.post("/users/ada/role", data={"role": "viewer"}, headers=SAME_ORIGIN).text
    by_name = {u["name"]: u for u in store.users()}
    assert by_name["vic"]["role"] == "editor" and not by_name["nia"]["active"] and by_name["ada"]["role"] == "admin"
    assert by_name["nia"]["created_by"] == "ada"
    assert store.verify() == []


# -- CSRF, sessions, cookies ---------------------------------------------------------------

def test_posts_without_the_right_csrf_token_are_refused(built):
    lyon = built["lyon"]
    with client(built) as c:
        login(c, "eve")
        token = c.headers.pop("x-csrf-token")
        r = c.post(f"/claims/{lyon}/review", data={"decision": "accepted"}, headers=SAME_ORIGIN)
        assert r.status_code == 403 and "CSRF" in r.text
        r = c.post(f"/claims/{lyon}/review", data={"decision": "accepted", "csrf": "0" * 32}, headers=SAME_ORIGIN)
        assert r.status_code == 403
        r = c.post(f"/api/claims/{lyon}/review", json={"decision": "accepted"},
                   headers={**SAME_ORIGIN, "x-csrf-token": token[:-1] + ("a" if token[-1] != "a" else "b")})
        assert r.status_code == 403
        assert c.post("/logout", headers=SAME_ORIGIN).status_code == 403  # logout too: no forced logouts
        assert built["store"].claim(lyon)["status"] == "candidate"
        # the token is in every form of the page, and it works
        html = c.get(f"/claims/{lyon}").text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms and all(f'name="csrf" value="{token}"' in f for f in forms)
        r = c.post(f"/claims/{lyon}/review", data={"decision": "accepted", "csrf": token}, headers=SAME_ORIGIN,
                   follow_redirects=False)
        assert r.status_code == 303 and built["store"].claim(lyon)["status"] == "accepted"


def test_csrf_is_checked_without_accounts_too(db):
    b = webstore.build(db)
    with webstore.client(create_app(store=b["store"])) as c:
        token = c.headers.pop("x-csrf-token")
        assert c.post(f"/claims/{b['lyon']}/review", data={"decision": "accepted"},
                      headers=SAME_ORIGIN).status_code == 403
        assert c.post(f"/claims/{b['lyon']}/review", data={"decision": "accepted", "csrf": token},
                      headers=SAME_ORIGIN, follow_redirects=False).status_code == 303
        # and the Origin check still stands in front of it
        assert c.post(f"/claims/{b['lyon']}/review", data={"decision": "rejected", "csrf": token},
                      headers={"origin": "http://evil.example"}).status_code == 403
        # a browser's form post under no-referrer says `Origin: null`: taken only when Sec-Fetch-Site vouches
        assert c.post(f"/claims/{b['lyon']}/review", data={"decision": "rejected", "csrf": token},
                      headers={"origin": "null"}).status_code == 403
        assert c.post(f"/claims/{b['lyon']}/review", data={"decision": "rejected", "csrf": token},
                      headers={"origin": "null", "sec-fetch-site": "cross-site"}).status_code == 403
    assert b["store"].claim(b["lyon"])["status"] == "accepted"


def _set_cookie(r) -> str:
    return next(v for k, v in r.headers.multi_items() if k == "set-cookie")


def test_session_cookie_flags(built):
    with client(built) as c:
        r = login(c, "eve")
        cookie = _set_cookie(r)
        assert cookie.startswith("sw_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http on this machine: a Secure cookie would not come back
    with client(built, base_url="https://testserver") as c:
        r = c.post("/login", data={"name": "eve", "password": PASSWORD}, headers={"origin": "https://testserver"},
                   follow_redirects=False)
        cookie = _set_cookie(r)
        assert cookie.startswith("__Host-sw_session=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Domain" not in cookie
        refresh_csrf(c)
        assert c.get("/api/session").json()["user"] == "eve"
    with client(built, app={"https": True}) as c:  # behind a TLS proxy that speaks http to the app
        assert "Secure" in _set_cookie(c.get("/login"))


def test_sessions_end_on_logout_password_change_role_change_and_tampering(built):
    store = built["store"]
    with client(built) as c:
        login(c, "eve")
        stolen = c.cookies.get("sw_session")
        c.post("/logout", headers=SAME_ORIGIN)
        assert c.get("/api/session").json()["user"] is None
        c.cookies.clear()
        c.cookies.set("sw_session", stolen)
        assert c.get("/api/session").json()["user"] is None  # a logged-out token stays dead
        c.cookies.clear()
        refresh_csrf(c)
        login(c, "eve")
        assert c.get("/api/session").json()["user"] == "eve"
        good = c.cookies.get("sw_session")
        body, mac = good.rsplit(".", 1)
        forged = auth._b64(auth._unb64(body).replace(b'"u":2', b'"u":1')) + "." + mac  # try to become ada
        assert forged != good
        c.cookies.clear()
        c.cookies.set("sw_session", forged)
        assert c.get("/api/session").json()["user"] is None
        c.cookies.clear()
        c.cookies.set("sw_session", good)
        assert c.get("/api/session").json()["user"] == "eve"
        store.set_password("eve", accounts.hash_password("another long password"), by="test")
        assert c.get("/api/session").json()["user"] is None  # a new password ends old sessions
        login(c, "eve", "another long password")
        store.set_role("eve", "viewer", by="test")
        assert c.get("/api/session").json()["user"] is None  # so does a new role


def test_login_rate_limit_per_user_and_per_address(built):
    with client(built) as c:
        for _ in range(auth.USER_FAILURES):
            assert login(c, "eve", "wrong password!").status_code == 401
        r = login(c, "eve")  # even the right password waits
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= auth.WINDOW + 1
        assert c.get("/api/session").json()["user"] is None
        assert login(c, "ada").status_code == 303  # another user from here is not blocked yet
        c.post("/logout", headers=SAME_ORIGIN)
        refresh_csrf(c)
        for i in range(auth.ADDRESS_FAILURES - auth.USER_FAILURES):
            assert login(c, f"guess{i}", "wrong password!").status_code == 401
        r = login(c, "ada")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_without_accounts_the_app_answers_only_this_machine(db):
    b = webstore.build(db)
    from fastapi.testclient import TestClient
    with TestClient(create_app(store=b["store"]), client=("192.0.2.7", 5000)) as c:
        r = c.get("/")
        assert r.status_code == 403 and "stationwatch user add" in r.text
        assert c.get("/api/session").status_code == 403
    with webstore.client(create_app(store=b["store"]), client=("127.0.0.1", 5000)) as c:
        assert c.get("/").status_code == 200


# -- the audit page ------------------------------------------------------------------------

def test_audit_page_shows_who_did_what(built, monkeypatch):
    store = built["store"]
    with client(built) as c:
        login(c, "eve")
        c.post(f"/claims/{built['lyon']}/review", data={"decision": "accepted"}, headers=SAME_ORIGIN)
        c.post("/protect", data={"name": "Wang Testperson", "role": "witness"}, headers=SAME_ORIGIN)
        stations = {s["locality"]: s["id"] for s in c.get("/api/stations").json()["stations"]}
        c.post("/resolution/judge", data={"left": stations["Marseille"], "right": stations["Lyon"],
                                          "judgement": "different"}, headers=SAME_ORIGIN)
        html = c.get("/audit").text
        rows = re.findall(r'<tr data-event="([^"]+)"><td>[^<]*</td><td class="who">([^<]*)</td>\s*<td>(.*?)</td>',
                          html, re.S)
        seen = {(event, who) for event, who, _ in rows}
        assert {("claim.reviewed", "eve"), ("sensitive.added", "eve"), ("entity.judged", "eve"),
                ("user.added", "test"), ("claim.recorded", "examples")} <= seen
        assert any(e == "entity.judged" and "different" in what for e, _, what in rows)
        assert any(e == "user.added" and "vic as viewer" in what for e, _, what in rows)
        assert "Wang Testperson" not in html  # names to protect never show here
        import_row = next(what for e, who, what in rows if e == "claim.recorded" and who == "examples")
        assert "×" in import_row  # one import is one line
        only_eve = c.get("/audit", params={"who": "eve"}).text
        assert 'class="who">examples<' not in only_eve and 'class="who">eve<' in only_eve
        login(c, "vic")
        assert c.get("/audit").status_code == 403
    assert store.verify() == []


# -- the command line ----------------------------------------------------------------------

def test_user_commands(db):
    runner = CliRunner()

    def run(*args, input=None):
        r = runner.invoke(cli_app, ["--db", db, *args], input=input, catch_exceptions=False)
        return r.exit_code, r.stdout, r.stderr

    code, out, err = run("user", "add", "ada", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert code == 0 and "added ada (admin)" in out, err
    code, out, err = run("user", "add", "bob", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")  # the prompt
    assert code == 0, err
    code, _, err = run("user", "add", "Bob", "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    assert code == 1 and "exists" in err
    code, _, err = run("user", "add", "cy", "--role", "viewer", "--password-stdin", input="short\n")
    assert code == 1 and "at least 10" in err
    code, _, err = run("user", "add", "cy", "--role", "viewer", "--password", PASSWORD)
    assert code == 2  # no way to put a password on the command line
    assert run("user", "passwd", "bob", "--password-stdin", input="a new long password\n")[0] == 0
    assert run("user", "role", "bob", "editor")[0] == 0
    assert run("user", "remove", "bob")[0] == 0
    code, _, err = run("user", "remove", "ada")
    assert code == 1 and "last active admin" in err
    code, out, _ = run("user", "list")
    assert re.search(r"ada\s+admin\s+active", out) and re.search(r"bob\s+editor\s+disabled", out)
    store = Store(db)
    bob = store.user("bob")
    assert accounts.verify_password(bob["password_hash"], "a new long password")
    assert bob["password_hash"].startswith("$argon2id$")
    assert store.verify() == []
    entries = store.ledger_entries(limit=20)
    assert all(PASSWORD not in str(e["payload"]) and "argon2" not in str(e["payload"]) for e in entries)
    assert {e["payload"].get("by") for e in entries if e["event"].startswith("user.")} <= {f"cli:{_whoami()}"}
    store.close()
    # a password changed behind the store's back is found
    from sqlalchemy import text
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'admin' WHERE name = 'bob'"))
    assert any("users row" in str(p) for p in Store(db).verify())


def _whoami() -> str:
    import getpass
    return getpass.getuser()


def test_serve_refuses_the_network_without_accounts(db, monkeypatch):
    import uvicorn
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    r = CliRunner().invoke(cli_app, ["--db", db, "serve", "--host", "0.0.0.0"])
    assert r.exit_code == 1 and not started
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "user add" in lines[0] and "0.0.0.0" in lines[0]
    r = CliRunner().invoke(cli_app, ["--db", db, "serve", "--host", "127.0.0.1", "--port", "8765"])
    assert r.exit_code == 0 and started[-1]["host"] == "127.0.0.1" and "this machine only" in r.stderr
    r = CliRunner().invoke(cli_app, ["--db", db, "serve", "--host", "0.0.0.0", "--public"])
    assert r.exit_code == 0 and started[-1]["host"] == "0.0.0.0" and "public view" in r.stderr
    Store(db).add_user("ada", "admin", HASH)
    r = CliRunner().invoke(cli_app, ["--db", db, "serve", "--host", "0.0.0.0"])
    assert r.exit_code == 0 and started[-1]["host"] == "0.0.0.0" and "--https" in r.stderr
