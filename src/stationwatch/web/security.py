"""Request guards and response headers, as plain ASGI middleware.

- Writes come only from this app's own pages: an unsafe method (POST, ...) with a
  cross-site `Sec-Fetch-Site`, or an `Origin` that is not this host, is refused (403).
  Every write also needs the session's CSRF token (`auth.csrf_protect`).
  Without that, any web page open in the reviewer's browser could post decisions to
  http://127.0.0.1:8000.
- With `allowed_hosts`, a request for another Host is refused (400): a DNS-rebinding page
  cannot read the local app under its own name.
- Every response gets a Content-Security-Policy that allows scripts from this origin only
  (document text is escaped; this is the second wall), no framing, no referrer (links out
  to sources do not tell them who is reading), and nosniff.
"""
from __future__ import annotations

from urllib.parse import urlsplit

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Guard:
    def __init__(self, app, allowed_hosts: set[str] | None = None):
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if self.allowed_hosts is not None and _hostname(host) not in self.allowed_hosts:
            return await _refuse(send, 400, "unknown host")
        if scope["method"] in UNSAFE:
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1")
            origin = headers.get(b"origin", b"").decode("latin-1")
            # Under `Referrer-Policy: no-referrer` a browser's own form posts carry `Origin: null`;
            # those are taken when Sec-Fetch-Site vouches that they come from this origin.
            opaque = origin == "null"
            if site == "cross-site" or (origin and not opaque and urlsplit(origin).netloc.lower() != host) \
                    or (opaque and site != "same-origin"):
                return await _refuse(send, 403, "writes are accepted only from this app's own pages")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if ":" in host else host


async def _refuse(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + HEADERS})
    await send({"type": "http.response.body", "body": body})


def loopback_hosts(host: str) -> set[str] | None:
    """Hosts to accept when serving on `host`: the loopback names for a loopback address,
    any for a public one (the operator chose to expose it)."""
    if host in ("127.0.0.1", "localhost", "::1", "[::1]") or host.startswith("127."):
        return {"127.0.0.1", "localhost", "[::1]", host if not host.startswith("::") else f"[{host}]"}
    return None
