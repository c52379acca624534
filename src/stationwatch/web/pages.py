"""HTML pages. Every page renders on the server and reads without JavaScript."""
from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from starlette.datastructures import UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from .. import dates
from ..model import PREDICATES, QUALIFIERS, country_name, is_country, source_id
from ..query import views
from ..store import StoreError
from . import assets, charts, forms
from . import format as fmt
from .auth import principal_of
from .jobs import Hints, stamp

router = APIRouter(include_in_schema=False)

env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=True, trim_blocks=True, lstrip_blocks=True,
                         undefined=jinja2.ChainableUndefined)
for _name in ("predicate_label", "predicate_help", "about", "value", "figure", "scope", "source_label",
              "valid_text", "confidence", "display_name", "size", "safe_url", "host", "sentence", "place"):
    env.filters[_name] = getattr(fmt, _name)
env.filters["country_name"] = country_name
env.filters["speaker_of"] = lambda c: c["said_by"]["name"] or fmt.source_label(c)
env.filters["stamp"] = stamp
env.filters["short"] = lambda s, n=10: (s or "")[:n]
env.globals.update(PREDICATES=sorted(PREDICATES), QUALIFIERS=QUALIFIERS, source_id=source_id)

MAX_UPLOAD = 50 * 2**20
DASHBOARD_EVENTS = 30
REVIEWER_COOKIE = "sw_reviewer"


# -- dates from the query string -----------------------------------------------------

@dataclass
class When:
    as_of: dt.date
    known_at: dt.date | None
    as_of_param: str | None
    known_at_param: str | None

    def params(self) -> dict:
        return {"as_of": self.as_of_param, "known_at": self.known_at_param}

    @property
    def today(self) -> bool:
        return self.as_of_param is None


def parse_day(value: str | None, name: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dates.as_day(value)
    except dates.BadDate as e:
        raise HTTPException(400, f"{name}: {e}") from None


def when(as_of: Annotated[str | None, Query(description="Valid time: the situation on this date "
                                            "(2022, 2022-10, 2022-10-01). Default: today.")] = None,
         known_at: Annotated[str | None, Query(description="Knowledge time: only sources published "
                                               "on or before this date.")] = None) -> When:
    a, k = parse_day(as_of, "as_of"), parse_day(known_at, "known_at")
    return When(a or views.today(), k, (as_of or "").strip() or None, (known_at or "").strip() or None)


WhenDep = Annotated[When, Depends(when)]


# -- who reads: the full record, or the protected view ------------------------------------

def views_of(request: Request) -> views.Views:
    """The snapshot cache this reader sees: the protected (public) view for viewers and the
    public server, the full record for editors, admins and the single local user."""
    p = getattr(request.state, "auth", None)
    if p is not None and p.protected:
        return request.app.state.public_views
    return request.app.state.views


def protected(request: Request) -> bool:
    p = getattr(request.state, "auth", None)
    return bool(p is not None and p.protected)


def search_documents(request: Request, snap, q: str, limit: int = 50) -> list[dict]:
    """Full-text hits; in the protected view only in visible documents, only where the words
    are not part of a protected name, with the context redacted."""
    store = request.app.state.store
    if not snap.public:
        return store.search(q, limit=limit)
    red = snap.redactor
    out = []
    for h in store.search(q, limit=limit * 2):
        if not views.sources_of_document(snap, h["id"]):
            continue
        text = store.document_text(h["id"]) or ""
        spans = red.spans(text)
        needle, hay = q.casefold(), text.casefold()
        at = hay.find(needle)
        while at >= 0 and any(s < at + len(q) and at < e for s, e in spans):
            at = hay.find(needle, at + 1)
        if at < 0:
            continue
        # cut the whole text, so a name at the window's edge is redacted whole, not shown in part
        _, before, match, after, _ = red.pieces(text, [max(0, at - 80), at, at + len(q), at + len(q) + 80])
        out.append({**h, "title": red.redact(h["title"]), "name": red.redact_label(h["name"]), "start": at,
                    "end": at + len(q), "before": before, "match": match, "after": after})
        if len(out) >= limit:
            break
    return out


# -- rendering -------------------------------------------------------------------------

def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    w: When = context.get("when") or when()
    auth = principal_of(request)
    if not auth.can_read:  # the login page: no figures for someone not logged in
        base = {"request": request, "when": w, "link": lambda path, **params: path, "nav": request.url.path,
                "headline": {}, "reviewer": None, "pending_jobs": 0, "auth": auth, "csrf": auth.csrf}
        return HTMLResponse(env.get_template(template).render({**base, "title": "", **context}), status_code=status)
    snap = context.get("snap") or views_of(request).snapshot()

    def link(path: str, **params) -> str:
        keep = {**w.params(), **params}
        return fmt.with_params(path, **keep)

    context.setdefault("title", "")
    base = {"request": request, "when": w, "link": link, "nav": request.url.path,
            "headline": views.headline(snap, w.as_of, w.known_at), "reviewer": reviewer_of(request),
            "pending_jobs": request.app.state.ingester.pending() if auth.can_write else 0,
            "auth": auth, "csrf": auth.csrf}
    html = env.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    try:
        return render(request, "error.html", status=status, message=message, title=f"Error {status}")
    except Exception:
        return HTMLResponse(f"<!doctype html><title>Error</title><p>{Markup.escape(message)}</p>", status_code=status)


def reviewer_of(request: Request, given: str | None = None) -> str:
    """Who a decision is recorded as: the logged-in user; without accounts, the name given
    (API) or set on the review page, else "web reviewer"."""
    p = getattr(request.state, "auth", None)
    if p is not None and p.name:
        return p.name
    name = (given or request.cookies.get(REVIEWER_COOKIE, "")).strip()
    return name[:80] or "web reviewer"


def json_for_script(data) -> Markup:
    """JSON to embed in <script type="application/json">: nothing in it can close the tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def local_path(target: str | None, default: str) -> str:
    """Only same-site paths are followed after a form post (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return default


def map_data(request: Request, snap, w: When, country: str | None = None) -> dict:
    m = views.markers(snap, w.as_of, w.known_at, country)
    t = views.cached_tally(snap, w.as_of, w.known_at)
    keep = ("id", "label", "lat", "lon", "status", "contested", "claims", "precision", "place")
    points = [{k: p[k] for k in keep} for p in m["points"]]
    return {"points": points, "by_country": t["documented"]["by_country"],
            "station_url": fmt.with_params("/stations/ID", **w.params()),
            "geojson": "/geo/countries.geojson", "focus": country,
            "country_url": fmt.with_params("/countries/CC", **w.params()),
            "assets": not assets.missing()}


# -- dashboard -------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, w: WhenDep):
    snap = views_of(request).snapshot()
    t = views.cached_tally(snap, w.as_of, w.known_at)
    series = views.reported_series(snap, w.as_of, w.known_at)
    resp = views.responses(snap, w.as_of, w.known_at)
    chart = views.figures(snap, w.known_at, ("chart", w.as_of, w.known_at), lambda: charts.count_chart(
        [p for p in series if isinstance(p["value"], int)],
        [dict(e, start=dates.start_of(e["date"])) for e in resp], w.as_of),
        ("count.stations",) + views.RESPONSE_PREFIXES)
    # figures for one country live in the by-country table and on country pages
    reported = sorted((f for f in t["reported"] if not (f["scope"] or {}).get("country")),
                      key=lambda f: (f["predicate"] != "count.stations", bool(f["scope"]), fmt.scope(f["scope"]),
                                     f["said_by"]))
    timeline = views.timeline(snap, w.as_of, w.known_at)
    return render(request, "dashboard.html", when=w, snap=snap, title="Overview", tally=t, reported=reported,
                  rows=views.country_rows(snap, w.as_of, w.known_at), chart=chart,
                  timeline=timeline[-DASHBOARD_EVENTS:][::-1], timeline_total=len(timeline),
                  map=json_for_script(map_data(request, snap, w)), map_ok=not assets.missing(),
                  unplaced=views.markers(snap, w.as_of, w.known_at)["unplaced"],
                  network=views.network_denials(snap, w.as_of, w.known_at))


TIMELINE_PAGE = 300


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, w: WhenDep, country: str | None = None, page: int = 1):
    snap = views_of(request).snapshot()
    cc = country.upper() if country else None
    if cc and not is_country(cc):
        raise HTTPException(404, f"{cc} is not an ISO 3166-1 alpha-2 country code")
    events = views.timeline(snap, w.as_of, w.known_at, cc)
    pages = max(1, -(-len(events) // TIMELINE_PAGE))
    page = min(max(1, page), pages)
    newest_first = events[max(0, len(events) - page * TIMELINE_PAGE):len(events) - (page - 1) * TIMELINE_PAGE][::-1]
    return render(request, "timeline.html", when=w, snap=snap, title="Timeline", timeline=newest_first,
                  total=len(events), page=page, pages=pages, country=cc or "",
                  countries=[r["country"] for r in views.country_rows(snap, w.as_of, w.known_at)])


@router.get("/favicon.ico")
def favicon():
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/geo/countries.geojson")
def countries_geojson():
    data = assets.countries_geojson()
    if data is None:
        raise HTTPException(404, "map assets are not installed: run `make install`")
    return Response(data, media_type="application/geo+json", headers={"cache-control": "public, max-age=86400"})


# -- stations and countries ------------------------------------------------------------

@router.get("/stations", response_class=HTMLResponse)
def station_register(request: Request, w: WhenDep, country: str | None = None, status: str | None = None):
    snap = views_of(request).snapshot()
    rows = views.station_register(snap, w.as_of, w.known_at)
    if country:
        rows = [r for r in rows if r["country"] == country.upper()]
    if status in ("operating", "closed"):
        rows = [r for r in rows if r["status"] == status]
    elif status == "contested":
        rows = [r for r in rows if r["contested"]]
    return render(request, "stations.html", when=w, snap=snap, title="Station register", rows=rows,
                  country=(country or "").upper(), status_filter=status or "",
                  countries=sorted({r["country"] for r in views.station_register(snap, w.as_of, w.known_at)},
                                   key=country_name))


@router.get("/stations/{station_id}", response_class=HTMLResponse)
def station_page(request: Request, station_id: str, w: WhenDep):
    snap = views_of(request).snapshot()
    st = views.station_detail(snap, station_id, w.as_of, w.known_at)
    if st is None:
        raise HTTPException(404, "No station with this id in the accepted claims"
                                 + (" known on that date" if w.known_at else ""))
    mapd = None
    if st["location"]:
        mapd = {"points": [dict(st["location"], id=st["id"], label=st["label"], country=st["country"],
                                status="present" if st["present"] else "closed", contested=st["contested"],
                                url="", claims=st["claim_count"])],
                "by_country": {}, "geojson": "/geo/countries.geojson", "focus": None, "zoom": 6,
                "country_url": fmt.with_params("/countries/CC", **w.params()), "assets": not assets.missing()}
    return render(request, "station.html", when=w, snap=snap, title=st["label"], st=st,
                  map=json_for_script(mapd) if mapd else None, map_ok=not assets.missing())


@router.get("/countries/{cc}", response_class=HTMLResponse)
def country_page(request: Request, cc: str, w: WhenDep):
    cc = cc.upper()
    if not is_country(cc):
        raise HTTPException(404, f"{cc} is not an ISO 3166-1 alpha-2 country code")
    snap = views_of(request).snapshot()
    c = views.country_detail(snap, cc, w.as_of, w.known_at)
    chart = charts.count_chart([p for p in c["series"] if isinstance(p["value"], int)],
                               [dict(e, start=dates.start_of(e["date"])) for e in c["responses"]], w.as_of,
                               height=220)
    return render(request, "country.html", when=w, snap=snap, title=c["name"], c=c, chart=chart,
                  map=json_for_script(map_data(request, snap, w, cc)), map_ok=not assets.missing())


# -- sources and documents -------------------------------------------------------------

SOURCES_PAGE = 200


@router.get("/sources", response_class=HTMLResponse)
def source_list(request: Request, w: WhenDep, kind: str | None = None, page: int = 1):
    snap = views_of(request).snapshot()
    rows = views.sources(snap, with_documents=True)
    if kind:
        rows = [r for r in rows if r["kind"] == kind]
    page = max(1, page)
    failures = request.app.state.store.failures() if not snap.public else []
    return render(request, "sources.html", when=w, snap=snap, title="Sources",
                  rows=rows[(page - 1) * SOURCES_PAGE: page * SOURCES_PAGE], total=len(rows), page=page,
                  pages=max(1, -(-len(rows) // SOURCES_PAGE)), docs=views.visible_documents(snap),
                  kind=kind or "", kinds=snap.memo(("kinds",), lambda: sorted({r["kind"] for r in views.sources(snap) if r["kind"]})),
                  failures=failures)


def _document_or_404(request: Request, doc_id: str, snap=None) -> dict:
    if not re.fullmatch(r"[0-9a-f]{6,64}", doc_id):
        raise HTTPException(404, "No such document")
    try:
        doc = request.app.state.store.document(doc_id)
    except StoreError as e:
        raise HTTPException(404, str(e)) from None
    if snap is not None and snap.public:
        if not views.sources_of_document(snap, doc["id"]):
            raise HTTPException(404, "No such document")
        red = snap.redactor
        doc = dict(doc, original=None, name=red.redact_label(doc.get("name")), title=red.redact(doc.get("title")),
                   author=None, fetched=None)
    return doc


def _source_page(request: Request, w: When, snap, src: dict | None, doc: dict | None,
                 claim: str | None, at: int | None, length: int | None) -> HTMLResponse:
    if doc is not None:
        claims = views.claims_of_document(snap, doc["id"])
    else:
        claims = views.claims_of_source(snap, src["id"])
    sources_here = (views.sources_of_document(snap, doc["id"]) if doc is not None else []) or ([src] if src else [])
    segs = None
    if doc is not None:
        hit = (at, at + length) if at is not None and length else None
        segs = views.segments(doc["text"], claims, focus=claim, pages=doc.get("pages"), hit=hit,
                              redact=snap.redactor.spans(doc["text"]) if snap.public else None)
    captures = []
    if doc is not None and not snap.public and hasattr(request.app.state.store, "captures"):
        try:
            captures = request.app.state.store.captures(doc["id"])
        except Exception:
            captures = []
    by_id = {c["id"]: c for c in claims}
    doc_html = render_document(segs, by_id) if segs is not None else None
    title = (src or {}).get("title") or (doc or {}).get("title") or fmt.display_name((doc or {}).get("name")) \
        or "Source"
    return render(request, "source.html", when=w, snap=snap, title=title, src=src, doc=doc,
                  sources=sources_here, claims=claims, doc_html=doc_html, focus=claim,
                  captures=captures, focus_claim=by_id.get(claim) if claim else None)


def render_document(segs: list[views.Segment], by_id: dict[str, dict]) -> Markup:
    """The document text as HTML: every piece escaped, excerpts wrapped in highlights that
    link to their claims in the side list, an anchor where each excerpt starts."""
    out: list[str] = []
    esc = Markup.escape
    for seg in segs:
        if seg.page is not None:
            out.append(f'<span class="page-break" data-page="{esc(seg.page)}">page {esc(seg.page)}</span>')
        for cid in seg.starts:
            out.append(f'<span class="anchor" id="c-{esc(cid)}"></span>')
        text = esc(seg.text)
        if seg.redacted:
            text = Markup('<span class="redacted">[person]</span>') if seg.redaction_starts else Markup("")
        if seg.hit:
            text = Markup(f'<mark class="hit" id="hit">{text}</mark>')
        if seg.claims:
            cs = [by_id[i] for i in seg.claims if i in by_id]
            statuses = {c["status"] for c in cs}
            status = next(s for s in ("accepted", "candidate", "rejected") if s in statuses or s == "rejected")
            cls = ["span", f"status-{status}"]
            if any(c["stance"] == "denies" for c in cs):
                cls.append("denies")
            if seg.focus:
                cls.append("focus")
            tip = "\n".join(fmt.sentence(c) + f" [{c['status']}]" for c in cs[:6]) + (
                f"\n… and {len(cs) - 6} more" if len(cs) > 6 else "")
            out.append(f'<mark class="{" ".join(cls)}" data-claims="{esc(" ".join(seg.claims))}" title="{esc(tip)}">'
                       f'<a href="#k-{esc(seg.claims[0])}">{text}</a></mark>')
        else:
            out.append(str(text))
    return Markup("".join(out))


@router.get("/sources/{sid}", response_class=HTMLResponse)
def source_page(request: Request, sid: str, w: WhenDep, claim: str | None = None,
                at: int | None = None, length: Annotated[int | None, Query(alias="len")] = None):
    snap = views_of(request).snapshot()
    src = views.source_by_id(snap, sid)
    if src is None:
        raise HTTPException(404, "No source with this id")
    doc = _document_or_404(request, src["document"], snap) if src["document"] else None
    return _source_page(request, w, snap, src, doc, claim, at, length)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, w: WhenDep, claim: str | None = None,
                  at: int | None = None, length: Annotated[int | None, Query(alias="len")] = None):
    snap = views_of(request).snapshot()
    doc = _document_or_404(request, doc_id, snap)
    src = next(iter(views.sources_of_document(snap, doc["id"])), None)
    return _source_page(request, w, snap, src, doc, claim, at, length)


@router.get("/documents/{doc_id}/original")
def document_original(request: Request, doc_id: str):
    if protected(request):  # the original holds every name the protected view redacts
        raise HTTPException(404, "Original files are not part of the public view")
    doc = _document_or_404(request, doc_id)
    name = fmt.display_name(doc.get("name")) or doc["id"][:12]
    if "://" in name:
        name = (urlsplit(name).path.rstrip("/").rsplit("/", 1)[-1] or urlsplit(name).hostname or "document")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] or "document"
    return Response(doc["original"], media_type=doc["media_type"] or "application/octet-stream", headers={
        "content-disposition": f'attachment; filename="{safe}"',
        # an HTML original must never run in this app's origin
        "content-security-policy": "sandbox; default-src 'none'",
        "x-content-type-options": "nosniff"})


# -- claims: one claim, review decisions, edits ----------------------------------------

def _claim_or_404(snap, request: Request, claim_id: str) -> dict:
    c = snap.claim(claim_id)
    if c is None and not snap.public and re.fullmatch(r"[0-9a-f]{6,32}", claim_id):
        try:
            c = request.app.state.store.claim(claim_id)
        except StoreError:
            c = None
    if c is None:
        raise HTTPException(404, "No claim with this id")
    return c


def _context(request: Request, c: dict, radius: int = 240) -> dict | None:
    ex, doc = c.get("excerpt"), c["source"].get("document")
    if not ex or not doc:
        return None
    text = request.app.state.store.document_text(doc) or ""
    s, e = ex["start"], ex["end"]
    if protected(request):
        lo, hi = max(0, s - radius), min(len(text), e + radius)
        _, before, excerpt, after, _ = views_of(request).snapshot().redactor.pieces(text, [lo, s, e, hi])
        return {"before": ("…" if s > radius else "") + before, "excerpt": excerpt,
                "after": after + ("…" if e + radius < len(text) else "")}
    return {"before": ("…" if s > radius else "") + text[max(0, s - radius):s], "excerpt": text[s:e],
            "after": text[e:e + radius] + ("…" if e + radius < len(text) else "")}


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, claim_id: str, w: WhenDep):
    snap = views_of(request).snapshot()
    c = _claim_or_404(snap, request, claim_id)
    return render(request, "claim.html", when=w, snap=snap, title=fmt.predicate_label(c["predicate"]), c=c,
                  context=_context(request, c), history=views.claim_history(snap, c["id"]),
                  stations=views.stations_of_claim(snap, c, w.as_of, w.known_at), fields=forms.fields_of(c),
                  error=None)


def decide(request: Request, claim_id: str, decision: str, reviewer: str) -> dict:
    if decision not in ("accepted", "rejected", "candidate"):
        raise HTTPException(422, "decision must be accepted, rejected or candidate")
    with request.app.state.write_lock:
        try:
            [cid] = request.app.state.store.review([claim_id], decision, reviewer)
        except StoreError as e:
            raise HTTPException(404 if "no claim" in str(e) else 422, str(e)) from None
    return {"id": cid, "status": decision}


def edit(request: Request, claim_id: str, form: dict, reviewer: str) -> str:
    snap = views_of(request).snapshot()
    c = _claim_or_404(snap, request, claim_id)
    changes = forms.changes_from(c, form)
    if not changes:
        raise forms.FormError("the form changes nothing in the claim")
    with request.app.state.write_lock:
        return request.app.state.store.edit_claim(c["id"], changes, reviewer=reviewer)


@router.post("/claims/{claim_id}/review")
def review_form(request: Request, claim_id: str, decision: Annotated[str, Form()],
                next: Annotated[str | None, Form()] = None):
    decide(request, claim_id, decision, reviewer_of(request))
    return RedirectResponse(local_path(next, f"/claims/{claim_id}"), status_code=303)


@router.post("/claims/{claim_id}/edit")
async def edit_form(request: Request, claim_id: str):
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    from starlette.concurrency import run_in_threadpool
    try:
        new_id = await run_in_threadpool(edit, request, claim_id, form, reviewer_of(request))
    except (forms.FormError, StoreError) as e:
        error = str(e)
        snap = views_of(request).snapshot()
        c = _claim_or_404(snap, request, claim_id)
        fields = {k: form.get(k, v) for k, v in forms.fields_of(c).items()}
        return await run_in_threadpool(
            lambda: render(request, "claim.html", status=422, title="Edit claim", c=c,
                           context=_context(request, c), history=views.claim_history(snap, c["id"]),
                           stations=[], fields=fields, error=error, open_edit=True))
    nxt = form.get("next")
    return RedirectResponse(local_path(nxt, f"/claims/{new_id}"), status_code=303)


@router.post("/reviewer")
def set_reviewer(name: Annotated[str, Form()], next: Annotated[str | None, Form()] = None):
    resp = RedirectResponse(local_path(next, "/review"), status_code=303)
    resp.set_cookie(REVIEWER_COOKIE, name.strip()[:80], max_age=365 * 86400, samesite="strict", httponly=True)
    return resp


# -- review queue ----------------------------------------------------------------------

PAGE = 50


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, w: WhenDep, order: str = "desc", predicate: str | None = None,
                 country: str | None = None, document: str | None = None, page: int = 1):
    snap = views_of(request).snapshot()
    page = max(1, page)
    total, items = views.review_queue(snap, order=order, predicate=predicate or None, country=country or None,
                                      document=document or None, offset=(page - 1) * PAGE, limit=PAGE)
    contexts = {c["id"]: _context(request, c, 160) for c in items}
    return render(request, "review.html", when=w, snap=snap, title="Review queue", items=items, total=total,
                  page=page, pages=max(1, -(-total // PAGE)), order=order, predicate=predicate or "",
                  country=(country or "").upper(), document=document or "", contexts=contexts,
                  facets=views.queue_facets(snap), fields_by_id={c["id"]: forms.fields_of(c) for c in items})


# -- add sources -----------------------------------------------------------------------

@router.get("/add", response_class=HTMLResponse)
def add_page(request: Request, w: WhenDep):
    return render(request, "add.html", when=w, title="Add sources", jobs=request.app.state.ingester.jobs(),
                  failures=request.app.state.store.failures()[-20:][::-1], error=None)


@router.post("/add")
async def add_submit(request: Request):
    form = await request.form()
    get = lambda k: (form.get(k) or "").strip() if isinstance(form.get(k), str) else ""
    published = get("published") or None
    if published:
        try:
            dates.normalize(published)
        except dates.BadDate as e:
            raise HTTPException(422, f"published: {e}") from None
    accept_above = None
    if get("accept_above"):
        try:
            accept_above = float(get("accept_above"))
        except ValueError:
            raise HTTPException(422, "accept above: give a number between 0 and 1") from None
        if not 0 <= accept_above <= 1:
            raise HTTPException(422, "accept above: give a number between 0 and 1")
    hints = Hints(get("title") or None, get("publisher") or None, published, get("url") or None,
                  get("kind") or None)
    ingester, reviewer = request.app.state.ingester, reviewer_of(request)
    count = 0
    for line in get("urls").splitlines():
        url = line.strip()
        if not url:
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            raise HTTPException(422, f"not an http(s) URL: {url}")
        ingester.submit(url, url, Hints(**{**hints.__dict__, "url": None}), accept_above=accept_above,
                        reviewer=reviewer)
        count += 1
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        name = re.sub(r"[^\w.\- ]+", "_", Path(upload.filename.replace("\\", "/")).name).strip() or "upload"
        folder = Path(tempfile.mkdtemp(prefix="stationwatch-upload-"))
        path = folder / name
        size = 0
        with path.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    break
                out.write(chunk)
        if size > MAX_UPLOAD:
            path.unlink(missing_ok=True)
            folder.rmdir()
            raise HTTPException(413, f"{name} is over the {MAX_UPLOAD // 2**20} MB limit")
        ingester.submit(name, str(path), hints, accept_above=accept_above, reviewer=reviewer, cleanup=folder)
        count += 1
    if not count:
        raise HTTPException(422, "give at least one file or URL")
    return RedirectResponse("/add", status_code=303)


# -- search ----------------------------------------------------------------------------

@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, w: WhenDep, q: str = ""):
    q = q.strip()[:200]
    snap = views_of(request).snapshot()
    hits = search_documents(request, snap, q) if q else []
    return render(request, "search.html", when=w, snap=snap, title=f"Search: {q}" if q else "Search", q=q,
                  hits=hits, claims=views.search_claims(snap, q, 100) if q else [])


# -- API docs, offline -----------------------------------------------------------------

@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    return HTMLResponse(env.get_template("docs.html").render(request=request, ok=not assets.missing()))
