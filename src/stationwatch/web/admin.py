"""Pages around the record: login, one's account, users (admin), names to protect, the
audit trail, and entity resolution. Who may reach each is decided in `auth.Auth` (by
path); the handlers check again where a mistake would matter most."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from .. import accounts
from ..store import StoreError
from ..store.accounts import PERSON_ROLES, ROLES
from .auth import ADDRESS_FAILURES, USER_FAILURES, principal_of
from .pages import local_path, render

router = APIRouter(include_in_schema=False)
session_router = APIRouter(prefix="/api", tags=["session"])


def _middleware(request: Request):
    return request.state.auth_middleware


def _limiter(request: Request):
    mw = _middleware(request)
    if not hasattr(mw, "limiter"):
        from .auth import RateLimiter
        mw.limiter = RateLimiter()
    return mw.limiter


def _with_session(response, request: Request, user: dict | None):
    mw = _middleware(request)
    token, _ = mw.sessions.issue(user)  # a fresh nonce: a session id is never carried across a login
    response.headers.append("set-cookie", mw.set_cookie_header(request.scope, token).decode("latin-1"))
    return response


def _need(request: Request, *, write: bool = False, admin: bool = False):
    p = principal_of(request)
    if (admin and not p.is_admin) or (write and not p.can_write):
        raise HTTPException(403, "not allowed for your role")
    return p


def _actor(request: Request) -> str:
    p = principal_of(request)
    return p.name or "local user"


# -- login, logout, one's own account ----------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None):
    p = principal_of(request)
    if p.mode != "accounts":
        return RedirectResponse(local_path(next, "/"), status_code=303)
    if p.name:
        return RedirectResponse(local_path(next, "/"), status_code=303)
    return render(request, "login.html", title="Log in", next=local_path(next, "/"), error=None)


@router.post("/login")
def login(request: Request, name: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1024)] = "", next: Annotated[str | None, Form()] = None):
    p = principal_of(request)
    if p.mode != "accounts":
        return RedirectResponse("/", status_code=303)
    limiter = _limiter(request)
    user_key = "user:" + name.strip().casefold()
    addr_key = "addr:" + ((request.client.host if request.client else "") or "?")
    wait = max(limiter.retry_after(user_key, USER_FAILURES), limiter.retry_after(addr_key, ADDRESS_FAILURES))
    if wait:
        resp = render(request, "login.html", status=429, title="Log in", next=local_path(next, "/"),
                      error=f"Too many failed logins: try again in {wait // 60 + 1} minutes.")
        resp.headers["retry-after"] = str(wait)
        return resp
    user = accounts.check(request.app.state.store, name, password)
    if user is None:
        limiter.fail(user_key)
        limiter.fail(addr_key)
        return render(request, "login.html", status=401, title="Log in", next=local_path(next, "/"),
                      error="Wrong name or password (or the account is disabled).")
    limiter.clear(user_key)
    return _with_session(RedirectResponse(local_path(next, "/"), status_code=303), request, user)


@router.post("/logout")
def logout(request: Request):
    p = principal_of(request)
    body = getattr(p, "session", None)
    if body:
        _middleware(request).sessions.revoke(body)
    return _with_session(RedirectResponse("/login" if p.mode == "accounts" else "/", status_code=303), request, None)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, changed: bool = False):
    p = principal_of(request)
    if not p.name:
        return RedirectResponse("/", status_code=303)
    return render(request, "account.html", title="Your account", error=None,
                  message="Password changed; your other sessions have ended." if changed else None)


@router.post("/account/password")
def change_own_password(request: Request, current: Annotated[str, Form(max_length=1024)],
                        new: Annotated[str, Form(max_length=1024)], again: Annotated[str, Form(max_length=1024)]):
    p = principal_of(request)
    if not p.name:
        raise HTTPException(403, "log in first")
    store = request.app.state.store
    if accounts.check(store, p.name, current) is None:
        return render(request, "account.html", status=403, title="Your account", message=None,
                      error="Your current password is not that.")
    if new != again:
        return render(request, "account.html", status=422, title="Your account", message=None,
                      error="The two new passwords differ.")
    try:
        with request.app.state.write_lock:
            store.set_password(p.name, accounts.hash_password(new), by=p.name)
    except accounts.PasswordError as e:
        return render(request, "account.html", status=422, title="Your account", message=None, error=str(e))
    user = store.user(p.name)  # the change ended every session of this user; this one goes on
    return _with_session(RedirectResponse("/account?changed=1", status_code=303), request, user)


@session_router.get("/session", summary="Who you are, and the CSRF token for writes")
def api_session(request: Request) -> dict:
    """Send the token back as `X-CSRF-Token` with every POST (the session cookie comes with
    this answer)."""
    p = principal_of(request)
    return {"mode": p.mode, "user": p.name, "role": p.role, "csrf": p.csrf,
            "view": "protected" if p.protected else "full"}


# -- users (admin) ---------------------------------------------------------------------

@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, error: str | None = None, done: str | None = None):
    _need(request, admin=True)
    return render(request, "users.html", title="Users", users=request.app.state.store.users(), roles=ROLES,
                  error=error, done=done, min_password=accounts.MIN_PASSWORD)


def _users_redirect(done: str | None = None, error: str | None = None):
    from urllib.parse import urlencode
    q = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    return RedirectResponse("/users" + ("?" + q if q else ""), status_code=303)


@router.post("/users")
def users_add(request: Request, name: Annotated[str, Form(max_length=80)], role: Annotated[str, Form()],
              password: Annotated[str, Form(max_length=1024)]):
    p = _need(request, admin=True)
    try:
        hashed = accounts.hash_password(password)
        with request.app.state.write_lock:
            request.app.state.store.add_user(name, role, hashed, by=p.name)
    except (accounts.PasswordError, StoreError) as e:
        return _users_redirect(error=str(e))
    return _users_redirect(done=f"added {name.strip()} as {role}")


@router.post("/users/{name}/role")
def users_role(request: Request, name: str, role: Annotated[str, Form()]):
    p = _need(request, admin=True)
    try:
        with request.app.state.write_lock:
            request.app.state.store.set_role(name, role, by=p.name)
    except StoreError as e:
        return _users_redirect(error=str(e))
    return _users_redirect(done=f"{name} is now {role}")


@router.post("/users/{name}/active")
def users_active(request: Request, name: str, active: Annotated[str, Form()]):
    p = _need(request, admin=True)
    try:
        with request.app.state.write_lock:
            request.app.state.store.set_active(name, active == "1", by=p.name)
    except StoreError as e:
        return _users_redirect(error=str(e))
    return _users_redirect(done=f"{name} {'enabled' if active == '1' else 'disabled'}")


@router.post("/users/{name}/password")
def users_password(request: Request, name: str, password: Annotated[str, Form(max_length=1024)]):
    p = _need(request, admin=True)
    try:
        hashed = accounts.hash_password(password)
        with request.app.state.write_lock:
            request.app.state.store.set_password(name, hashed, by=p.name)
    except (accounts.PasswordError, StoreError) as e:
        return _users_redirect(error=str(e))
    return _users_redirect(done=f"new password set for {name}")


# -- names to protect --------------------------------------------------------------------
# An editor registers a name; nobody but an admin sees the list (to maintain it). There is
# no page about a person, no search by person and no count of where a name occurs.

@router.get("/protect", response_class=HTMLResponse)
def protect_page(request: Request, done: str | None = None, error: str | None = None):
    p = _need(request, write=True)
    entries = request.app.state.store.sensitive_names()
    return render(request, "protect.html", title="Names to protect", count=len(entries),
                  entries=entries if p.is_admin else None, roles=PERSON_ROLES, done=done, error=error)


@router.post("/protect")
def protect_add(request: Request, name: Annotated[str, Form(max_length=200)],
                role: Annotated[str, Form()] = "other", aliases: Annotated[str, Form(max_length=4000)] = ""):
    _need(request, write=True)
    alias_list = [a.strip() for a in aliases.replace(";", "\n").splitlines() if a.strip()]
    try:
        with request.app.state.write_lock:
            request.app.state.store.protect(name, aliases=alias_list, role=role, by=_actor(request))
    except StoreError as e:
        return RedirectResponse("/protect?error=" + _q(str(e)), status_code=303)
    return RedirectResponse("/protect?done=1", status_code=303)


@router.post("/protect/{entry_id}/remove")
def protect_remove(request: Request, entry_id: int):
    _need(request, admin=True)
    try:
        with request.app.state.write_lock:
            request.app.state.store.unprotect(entry_id, by=_actor(request))
    except StoreError as e:
        return RedirectResponse("/protect?error=" + _q(str(e)), status_code=303)
    return RedirectResponse("/protect?done=removed", status_code=303)


def _q(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")


# -- audit ---------------------------------------------------------------------------------

EVENT_LABELS = {
    "document.stored": "stored a document",
    "capture.stored": "stored a web capture",
    "source.recorded": "recorded a source",
    "claim.recorded": "recorded a claim",
    "claim.reviewed": "reviewed a claim",
    "claim.graded": "graded a claim",
    "source.graded": "graded a source",
    "entity.judged": "judged two stations",
    "user.added": "added a user",
    "user.changed": "changed a user",
    "secret.created": "created the session key",
    "sensitive.added": "registered a name to protect",
    "sensitive.removed": "removed a name from protection",
}
AUDIT_PAGE = 1000


def audit_rows(store, *, before: int | None = None, who: str | None = None, event: str | None = None,
               limit: int = AUDIT_PAGE) -> tuple[list[dict], int | None]:
    """Ledger entries, newest first, as who did what when; consecutive entries of one write
    by one person (an import of 200 claims) are one row. Returns (rows, next `before`)."""
    entries = store.ledger_entries(before=before, limit=limit)
    users = {str(u["id"]): u["name"] for u in store.users()}
    judged = None
    rows: list[dict] = []
    for e in entries:
        pl = e["payload"]
        actor = pl.get("by") or pl.get("reviewer")
        if e["event"] == "entity.judged" and actor is None:
            if judged is None:
                judged = {str(j["id"]): j for j in store.judgements(latest=False)}
            j = judged.get(e["ref"]) or {}
            actor, pl = j.get("judged_by"), {**pl, "judgement": j.get("judgement")}
        if who and (actor or "") != who:
            continue
        if event and e["event"] != event:
            continue
        what = EVENT_LABELS.get(e["event"], e["event"])
        detail = ""
        if e["event"] == "claim.reviewed":
            what = f"marked a claim {pl.get('status')}" + (" (corrected by an edit)" if pl.get("superseded_by") else "")
        elif e["event"] == "claim.recorded" and pl.get("status") == "accepted":
            what = "recorded an accepted claim"
        elif e["event"] == "entity.judged":
            what = f"judged two stations {pl.get('judgement') or ''}".strip()
        elif e["event"] in ("claim.graded", "source.graded"):
            detail = str(pl.get("credibility") or pl.get("reliability") or "")
        elif e["event"] == "user.added":
            detail = f"{users.get(e['ref'], '#' + e['ref'])} as {pl.get('role')}"
        elif e["event"] == "user.changed":
            change = pl.get("change")
            detail = f"{users.get(e['ref'], '#' + e['ref'])}: " + (
                f"role {pl.get('role')}" if change == "role" else change or "")
        key = (e["at"], e["event"], actor, what)
        last = rows[-1] if rows else None
        if last is not None and last["key"] == key:
            last["count"] += 1
            if len(last["refs"]) < 5:
                last["refs"].append(e["ref"])
            last["first_seq"] = e["seq"]
            continue
        rows.append({"key": key, "at": e["at"], "seq": e["seq"], "first_seq": e["seq"], "event": e["event"],
                     "who": actor, "what": what, "detail": detail, "count": 1, "refs": [e["ref"]]})
    nxt = entries[-1]["seq"] if len(entries) == limit and entries[-1]["seq"] > 1 else None
    return rows, nxt


def _ref_link(event: str, ref: str) -> str | None:
    if event.startswith("claim."):
        return f"/claims/{ref}"
    if event == "document.stored":
        return f"/documents/{ref}"
    if event.startswith("source."):
        return f"/sources/{ref}"
    return None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, before: int | None = None, who: str | None = None, event: str | None = None):
    _need(request, write=True)
    store = request.app.state.store
    rows, nxt = audit_rows(store, before=before, who=(who or "").strip() or None, event=event or None)
    people = sorted({u["name"] for u in store.users()})
    return render(request, "audit.html", title="Audit", rows=rows, next_before=nxt, who=who or "",
                  event=event or "", events=sorted(EVENT_LABELS), people=people, ref_link=_ref_link)


# -- entity resolution -------------------------------------------------------------------

@router.get("/resolution", response_class=HTMLResponse)
async def resolution_page(request: Request, country: str | None = None, min_score: float = 0.5,
                          judged: bool = False, done: str | None = None, error: str | None = None):
    _need(request, write=True)
    from ..resolve import review
    store = request.app.state.store
    cc = (country or "").strip().upper() or None

    def compute():
        return (review.pairs(store, country=cc, min_score=min_score, include_judged=judged),
                review.clusters(store, country=cc))
    pairs, clusters = await run_in_threadpool(compute)
    return await run_in_threadpool(lambda: render(
        request, "resolution.html", title="Entity resolution", pairs=pairs, clusters=clusters, country=cc or "",
        min_score=min_score, judged=judged, done=done, error=error))


@router.post("/resolution/judge")
def resolution_judge(request: Request, left: Annotated[str, Form(max_length=80)],
                     right: Annotated[str, Form(max_length=80)], judgement: Annotated[str, Form()],
                     next: Annotated[str | None, Form()] = None):
    _need(request, write=True)
    from ..resolve import review
    try:
        with request.app.state.write_lock:
            r = review.judge(request.app.state.store, left, right, judgement, by=_actor(request))
    except StoreError as e:
        target = local_path(next, "/resolution")
        sep = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{sep}error={_q(str(e))}", status_code=303)
    target = local_path(next, "/resolution")
    sep = "&" if "?" in target else "?"
    msg = f"{r['left']['label']} {judgement} {r['right']['label']}: now {r['status']}"
    return RedirectResponse(f"{target}{sep}done={_q(msg)}", status_code=303)

