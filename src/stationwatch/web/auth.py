"""Who is asking, and may they: sessions, roles, CSRF tokens and login rate limits.

**Modes.** With no account in the store, the app serves one local user as it always has
(every page, every write; `serve` binds to loopback only, and requests from a
non-loopback address are refused). Once an account exists, everything but the login page
and static files needs a login: viewers read the protected view (as `--public` shows it:
no claims about people, registered names redacted, no original files), editors read
everything and write, admins also manage users. `serve --public` ignores accounts and
serves the public view read-only to anyone.

**Sessions** are signed tokens in a cookie, not rows in the store: a login writes nothing,
so it neither grows the evidence ledger nor invalidates the page caches (which follow the
ledger head). A token is `base64(json{u: user id, n: nonce, e: expiry, g: epoch})` and an
HMAC-SHA256 of it under the store's session key (`secrets` table, made with the first
user; before that a per-process key). `g` is an HMAC of the user's password hash, role and
active flag, so changing any of them ends every session of that user at once. Logout
forgets the token's nonce (in memory, until it expires: a restart forgets the list, the
tokens then expire on their own after `SESSION_HOURS`).

**Cookies** are HttpOnly and SameSite=Lax; Secure (with the `__Host-` prefix) when the
request came over https or the app is told it is served over https (`serve --https`,
behind a TLS proxy). On plain http to 127.0.0.1 a Secure cookie would not be sent back by
every client, so there it is not Secure: the traffic never leaves the machine.

**CSRF**: every session (anonymous ones too) has a token, HMAC(key, nonce); every form
carries it in a hidden `csrf` field and scripts send it as `X-CSRF-Token`; every POST
without the right one is refused (403), besides the Origin check of `security.Guard`.

**Login rate limit**: at most `USER_FAILURES` failed logins per user name and
`ADDRESS_FAILURES` per client address in `WINDOW` seconds (in memory); more get 429 with
Retry-After, before the password is even checked.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request

from ..accounts import rank

COOKIE = "sw_session"
SECURE_COOKIE = "__Host-sw_session"
SESSION_HOURS = 12
WINDOW = 15 * 60
USER_FAILURES = 5
ADDRESS_FAILURES = 20
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# Paths anyone may reach (the login page needs its stylesheet).
OPEN = ("/static/", "/favicon.ico", "/login", "/logout", "/api/session")
# Paths by the least role that may read them; every write needs "editor" unless listed in SELF_SERVICE.
EDITOR_PATHS = ("/review", "/add", "/resolution", "/audit", "/protect", "/api/review-queue", "/api/jobs",
                "/api/resolution")
ADMIN_PATHS = ("/users",)
SELF_SERVICE = ("/logout", "/login", "/account/password")  # writes any logged-in user (or anyone) may make
# Not served at all in the public view.
NOT_PUBLIC = EDITOR_PATHS + ADMIN_PATHS + ("/login", "/logout", "/account", "/reviewer")


@dataclass
class Principal:
    """Who is asking: a user, a visitor of the public view, or the single local user."""
    name: str | None  # the account name; None for anonymous and local
    role: str | None  # viewer | editor | admin; "admin" for the local user; None anonymous/public
    csrf: str
    mode: str  # "accounts" | "local" | "public"
    nonce: str

    @property
    def rank(self) -> int:
        return rank(self.role)

    @property
    def can_read(self) -> bool:
        return self.mode != "accounts" or self.rank >= 1

    @property
    def can_write(self) -> bool:
        return self.mode != "public" and self.rank >= 2

    @property
    def is_admin(self) -> bool:
        return self.mode != "public" and self.rank >= 3

    @property
    def protected(self) -> bool:
        """Whether this reader gets the protected (public) view of the record."""
        return self.mode == "public" or (self.mode == "accounts" and self.rank < 2)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(self, store):
        self.store = store
        self._stored_key: bytes | None = None
        self._checked = 0.0
        self._process_key = secrets.token_bytes(32)
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self) -> bytes:
        # the stored key never changes once made; before the first user, look again every second
        if self._stored_key is None and time.monotonic() - self._checked > 1.0:
            get = getattr(self.store, "session_secret", None)
            self._stored_key = get() if get else None
            self._checked = time.monotonic()
        return self._stored_key or self._process_key

    def _mac(self, key: bytes, body: bytes) -> str:
        return _b64(hmac.new(key, body, hashlib.sha256).digest())

    def epoch(self, user: dict) -> str:
        material = f"{user['password_hash']}|{user['role']}|{bool(user['active'])}".encode()
        return self._mac(self.key(), b"epoch:" + material)[:16]

    def issue(self, user: dict | None) -> tuple[str, dict]:
        body = {"u": user["id"] if user else None, "n": secrets.token_urlsafe(16),
                "e": int(time.time()) + SESSION_HOURS * 3600, "g": self.epoch(user) if user else None}
        raw = json.dumps(body, separators=(",", ":")).encode()
        return _b64(raw) + "." + self._mac(self.key(), raw), body

    def read(self, token: str | None) -> dict | None:
        if not token or "." not in token or len(token) > 1024:
            return None
        head, mac = token.rsplit(".", 1)
        try:
            raw = _unb64(head)
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(self._mac(self.key(), raw), mac):
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("e"), int) or body["e"] < time.time():
            return None
        if not isinstance(body.get("n"), str) or self.revoked(body["n"]):
            return None
        return body

    def csrf(self, nonce: str) -> str:
        return self._mac(self.key(), b"csrf:" + nonce.encode())[:32]

    def revoke(self, body: dict) -> None:
        with self._lock:
            now = time.time()
            for n in [n for n, exp in self._revoked.items() if exp < now]:
                del self._revoked[n]
            self._revoked[body["n"]] = body["e"]

    def revoked(self, nonce: str) -> bool:
        return nonce in self._revoked


class RateLimiter:
    """Failed logins per key in a sliding window, in memory."""

    def __init__(self, window: int = WINDOW):
        self.window = window
        self._fails: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque:
        q = self._fails[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, key: str, limit: int) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        with self._lock:
            now = time.time()
            q = self._trim(key, now)
            if len(q) < limit:
                return 0
            return max(1, int(q[len(q) - limit] + self.window - now) + 1)

    def fail(self, key: str) -> None:
        with self._lock:
            now = time.time()
            if len(self._fails) > 10_000:  # many names tried: forget the ones whose window has passed
                for k in [k for k, q in self._fails.items() if not q or q[-1] <= now - self.window]:
                    del self._fails[k]
            self._trim(key, now).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


def _starts(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") or (p.endswith("/") and path.startswith(p))
               for p in prefixes)


def _loopback(host: str | None) -> bool:
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return True  # not an IP address (a unix socket, the test client): not a remote machine


class Auth:
    """ASGI middleware: resolves the principal, enforces the role a path needs, and keeps the
    session cookie. The CSRF check, which needs the form body, is `csrf_protect` below."""

    def __init__(self, app, store, *, public: bool = False, https: bool = False):
        self.app = app
        self.store = store
        self.public = public
        self.https = https
        self.sessions = Sessions(store)
        self._users_exist = False

    def users_exist(self) -> bool:
        if not self._users_exist:  # once there, accounts never go away (they are only disabled)
            get = getattr(self.store, "has_users", None)
            self._users_exist = bool(get and get())
        return self._users_exist

    def secure(self, scope) -> bool:
        return self.https or scope.get("scheme") == "https"

    def cookie_name(self, scope) -> str:
        return SECURE_COOKIE if self.secure(scope) else COOKIE

    def set_cookie_header(self, scope, token: str | None) -> bytes:
        name = self.cookie_name(scope)
        parts = [f"{name}={token or ''}", "Path=/", "HttpOnly", "SameSite=Lax"]
        parts.append(f"Max-Age={SESSION_HOURS * 3600}" if token else "Max-Age=0")
        if self.secure(scope):
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")

    def principal(self, scope) -> tuple[Principal, str | None]:
        """The principal, and a new session token to set when the request had no valid one."""
        from http.cookies import SimpleCookie
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        jar = SimpleCookie()
        try:
            jar.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:
            pass
        morsel = jar.get(self.cookie_name(scope))
        body = self.sessions.read(morsel.value if morsel else None)
        new_token = None
        if self.public:
            mode = "public"
        elif self.users_exist():
            mode = "accounts"
        else:
            mode = "local"
        user = None
        if body is not None and body.get("u") is not None:
            user = self.store.user_by_id(body["u"]) if mode == "accounts" else None
            if user is None or not user["active"] or not hmac.compare_digest(
                    str(body.get("g")), self.sessions.epoch(user)):
                user, body = None, None
        if body is None:
            new_token, body = self.sessions.issue(None)
        csrf = self.sessions.csrf(body["n"])
        if mode == "accounts":
            p = Principal(user["name"] if user else None, user["role"] if user else None, csrf, mode, body["n"])
        elif mode == "local":
            p = Principal(None, "admin", csrf, mode, body["n"])
        else:
            p = Principal(None, None, csrf, mode, body["n"])
        p.session = body  # type: ignore[attr-defined]
        return p, new_token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope.get("path", "/"), scope["method"]
        p, new_token = self.principal(scope)
        scope["state"] = {**scope.get("state", {}), "auth": p, "auth_middleware": self}

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and new_token:
                headers = list(message.get("headers", []))
                mine = self.cookie_name(scope).encode() + b"="
                if not any(k.lower() == b"set-cookie" and v.startswith(mine) for k, v in headers):
                    headers.append((b"set-cookie", self.set_cookie_header(scope, new_token)))  # login sets its own
                message["headers"] = headers
            await send(message)

        refusal = self.refuse(scope, p, path, method)
        if refusal is not None:
            status, text, location = refusal
            return await _answer(send_with_cookie, scope, status, text, location)
        return await self.app(scope, receive, send_with_cookie)

    def refuse(self, scope, p: Principal, path: str, method: str) -> tuple[int, str, str | None] | None:
        if p.mode == "local":
            client = (scope.get("client") or (None, None))[0]
            if not _loopback(client):
                return 403, ("this stationwatch has no accounts, so it answers only on this machine: "
                             "add a user with `stationwatch user add NAME --role admin`"), None
            return None
        if p.mode == "public":
            if _starts(path, NOT_PUBLIC) or _original(path):
                return 404, "Not in the public view", None
            if method in UNSAFE:
                return 403, "this is a read-only public view", None
            return None
        if _starts(path, OPEN):
            return None
        if p.role is None:
            if path.startswith("/api/") or path in ("/openapi.json",):
                return 401, "log in first (POST /login)", None
            if method in UNSAFE:
                return 403, "log in first", None
            target = path + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
            return 303, "log in first", "/login?next=" + quote(target, safe="")
        if method in UNSAFE and not _starts(path, SELF_SERVICE) and not p.can_write:
            return 403, f"{p.name} is a {p.role}: writing needs the editor role", None
        if _starts(path, ADMIN_PATHS) and not p.is_admin:
            return 403, "managing users needs the admin role", None
        if (_starts(path, EDITOR_PATHS) or _original(path)) and not p.can_write:
            return 403, f"this page needs the editor role ({p.name} is a {p.role})", None
        return None


def _original(path: str) -> bool:
    return path.startswith("/documents/") and path.rstrip("/").endswith("/original")


async def _answer(send, scope, status: int, text: str, location: str | None) -> None:
    from .security import HEADERS
    wants_json = scope.get("path", "").startswith("/api/")
    if wants_json:
        body = json.dumps({"detail": text}).encode()
        ctype = b"application/json"
    else:
        body = (f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                f"<link rel=stylesheet href=/static/app.css><main><h1>{status}</h1><p>{_escape(text)}</p>"
                f"<p><a href=/login>Log in</a> · <a href=/>Overview</a></p></main>").encode()
        ctype = b"text/html; charset=utf-8"
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    if location:
        headers.append((b"location", location.encode("latin-1")))
    if status == 401:
        headers.append((b"www-authenticate", b'Cookie realm="stationwatch"'))
    await send({"type": "http.response.start", "status": status, "headers": headers + HEADERS})
    await send({"type": "http.response.body", "body": body})


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def principal_of(request: Request) -> Principal:
    p = getattr(request.state, "auth", None)
    if p is None:  # an app built without the middleware (never by create_app)
        raise HTTPException(500, "no authentication middleware")
    return p


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: every unsafe request carries its session's CSRF token, in the
    `X-CSRF-Token` header or the form's `csrf` field."""
    if request.method not in UNSAFE:
        return
    p = principal_of(request)
    given = request.headers.get("x-csrf-token")
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get("csrf")
            given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, p.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
