"""The web app: map, station register, evidence viewer, review queue, sources and search.

`create_app(db_url)` builds a FastAPI app over one store. Pages are rendered on the
server (Jinja2, autoescaped) and read without JavaScript; small scripts add the map,
keyboard review and live ingest progress. Everything the browser loads is served by the
app itself (see `assets`), so it works on a machine with no internet.

Reads go through `stationwatch.query` (via the cached `query.views`), writes through
`Store` methods under one write lock: one writer at a time on SQLite.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..query.views import Views
from ..store import Store
from .assets import STATIC
from .auth import Auth, csrf_protect
from .jobs import Ingester
from .security import Guard

HERE = Path(__file__).resolve().parent

API_DESCRIPTION = """
The record behind the pages, as JSON. Every figure carries the ids of the claims behind it;
`/api/claims/{id}` gives a claim with its excerpt, speaker, source and review status.

Dates: `as_of` selects by valid time (the situation in the world on that day), `known_at` by
knowledge time (only sources published by then). Partial dates work: `2022`, `2022-10`.
Writes (`POST`) are review decisions and edits; they are accepted only from this app's
own origin, with the session's CSRF token in an `X-CSRF-Token` header (`GET /api/session`
gives it). Where the store has accounts, log in first (`POST /login`, a form with `name`,
`password` and `csrf`); viewers get the protected view, writes need the editor role.
"""


def create_app(db_url: str | None = None, *, allowed_hosts: set[str] | None = None,
               ingest: Callable | None = None, store: Store | None = None, public: bool = False,
               https: bool = False) -> FastAPI:
    """The app over the store at `db_url` (default: $STATIONWATCH_DB, else ./stationwatch.db).

    `allowed_hosts` restricts the Host header (the CLI passes the loopback names when it
    serves on a loopback address); `ingest` replaces `pipeline.ingest_one` (tests).
    `public` serves only the public view (export.public), read-only, to anyone, whatever
    the accounts; `https` marks session cookies Secure (the app is behind TLS).
    """
    store = store or Store(db_url)
    write_lock = threading.Lock()
    ingester = Ingester(store, write_lock, ingest)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=_warm, args=(app,), daemon=True).start()
        yield
        ingester.shutdown()

    app = FastAPI(title="stationwatch", version=_version(), description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan,
                  dependencies=[Depends(csrf_protect)])
    app.state.store = store
    app.state.views = Views(store)
    app.state.public_views = Views(store, public=True)
    app.state.public = public
    app.state.write_lock = write_lock
    app.state.ingester = ingester

    from . import admin, api, pages
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(admin.session_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return pages.error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return pages.error_page(request, 422, problems)

    app.add_middleware(Auth, store=store, public=public, https=https)
    app.add_middleware(Guard, allowed_hosts=allowed_hosts)  # outermost: host and origin first
    return app


def _warm(app: FastAPI) -> None:
    """Load the claims and the gazetteer before the first reader asks."""
    try:
        from ..query import views
        snap = (app.state.public_views if app.state.public else app.state.views).snapshot()
        views.markers(snap, views.today(), None)
    except Exception:  # warming is an optimisation; a real request reports real errors
        pass


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("stationwatch")
    except Exception:
        return "0"
