"""The JSON API: the same figures as the pages, documented at /docs (OpenAPI at /openapi.json)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request
from pydantic import BaseModel, Field

from ..model import country_name, is_country
from ..query import views
from ..store import StoreError
from . import forms
from .pages import WhenDep, _claim_or_404, decide, reviewer_of, search_documents, views_of

router = APIRouter(prefix="/api")


@router.get("/tally", tags=["figures"], summary="Documented and reported figures")
def api_tally(request: Request, w: WhenDep, history: bool = False) -> dict:
    """What `stationwatch tally --format json` prints: documented stations (by country and
    operator) and the figures speakers reported, each with the ids of its claims."""
    snap = views_of(request).snapshot()
    return views.cached_tally(snap, w.as_of, w.known_at, history)


@router.get("/stations", tags=["figures"], summary="Documented stations")
def api_stations(request: Request, w: WhenDep,
                 country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2")] = None,
                 include_claims: Annotated[bool, Query(description="Embed each station's claims")] = False) -> dict:
    """Stations standing or closed on `as_of`, with status, contested flag, claim ids and
    map coordinates (the centre of the station's city; `precision: capital` where the
    gazetteer does not know the locality and the capital stands in)."""
    snap = views_of(request).snapshot()
    points = {p["id"]: p for p in views.markers(snap, w.as_of, w.known_at)["points"]}
    shown = [st for st in views.states(snap, w.as_of, w.known_at) if (st.present or st.closed_by)
             and not (country and st.station.country != country.upper())]
    by_id = views.full_claims(snap.reader, [i for st in shown for i in st.station.claim_ids]) if include_claims else {}
    out = []
    for st in shown:
        row = st.as_json()
        row["present"] = st.present
        p = points.get(st.station.id)
        row["location"] = {k: p[k] for k in ("lat", "lon", "precision", "place")} if p else None
        if include_claims:
            row["claims"] = [by_id[i] for i in st.station.claim_ids if i in by_id]
        out.append(row)
    return {"as_of": w.as_of.isoformat(), "known_at": w.known_at.isoformat() if w.known_at else None,
            "stations": out}


@router.get("/stations/{station_id}", tags=["figures"], summary="One station and its claims")
def api_station(request: Request, station_id: str, w: WhenDep) -> dict:
    snap = views_of(request).snapshot()
    st = views.station_detail(snap, station_id, w.as_of, w.known_at)
    if st is None:
        raise HTTPException(404, "no station with this id")
    return {"id": st["id"], "label": st["label"], "country": st["country"], "locality": st["locality"],
            "operator": st["operator"], "status": st["status"], "present": st["present"],
            "contested": st["contested"], "location": st["location"],
            "closed_by": [c["id"] for c in st["closed_by"]], "denied_by": [c["id"] for c in st["denied_by"]],
            "claims": {p: cs for p, cs in st["groups"]}}


@router.get("/countries/{cc}", tags=["figures"], summary="One country: stations, reported counts, responses")
def api_country(request: Request, cc: str, w: WhenDep) -> dict:
    if not is_country(cc.upper()):
        raise HTTPException(404, f"{cc} is not an ISO 3166-1 alpha-2 code")
    snap = views_of(request).snapshot()
    c = views.country_detail(snap, cc, w.as_of, w.known_at)
    return {"country": c["country"], "name": c["name"], "documented": c["documented"], "stations": c["stations"],
            "reported_by_speaker": dict(c["reported_by_speaker"]),
            "responses": [_event(e) for e in c["responses"]]}


def _event(e: dict) -> dict:
    return {**{k: v for k, v in e.items() if k != "claims"}, "claim_ids": [c["id"] for c in e["claims"]]}


@router.get("/timeline", tags=["figures"], summary="Reported counts and government responses over time")
def api_timeline(request: Request, w: WhenDep, country: str | None = None) -> dict:
    snap = views_of(request).snapshot()
    cc = country.upper() if country else None
    counts = [{k: v for k, v in p.items() if k not in ("claims", "start")} | {"claim_ids": [c["id"] for c in p["claims"]]}
              for p in views.reported_series(snap, w.as_of, w.known_at, country=cc)]
    return {"reported_counts": counts, "responses": [_event(e) for e in views.responses(snap, w.as_of, w.known_at, cc)]}


@router.get("/claims", tags=["claims"], summary="Claims, filtered")
def api_claims(request: Request,
               status: Literal["candidate", "accepted", "rejected"] | None = None,
               predicate: str | None = None,
               country: Annotated[str | None, Query(description="The country a claim is about")] = None,
               document: Annotated[str | None, Query(description="SHA-256 of a stored document")] = None,
               q: Annotated[str | None, Query(description="Text in excerpt, note, speaker or source")] = None,
               order: Annotated[Literal["stored", "confidence"], Query(
                   description="stored: as the store lists them; confidence: most confident first")] = "stored",
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    snap = views_of(request).snapshot()
    filters = {"status": status, "predicate": predicate, "country": country.upper() if country else None,
               "document": document}
    if q:  # every match is confirmed on the claim, so the total is counted by reading them
        rows = list(views.matching_claims(snap, q, **filters))
        if order == "confidence":
            rows.sort(key=lambda c: (c["confidence"] is None, -(c["confidence"] or 0)))
        return {"total": len(rows), "offset": offset, "limit": limit, "claims": rows[offset:offset + limit]}
    rows = snap.reader.find_claims(order=order if order == "confidence" else "stored", limit=limit, offset=offset,
                                   **filters)
    return {"total": snap.count(**filters), "offset": offset, "limit": limit, "claims": rows}


@router.get("/claims/{claim_id}", tags=["claims"], summary="One claim, with its edit history")
def api_claim(request: Request, claim_id: str) -> dict:
    snap = views_of(request).snapshot()
    c = _claim_or_404(snap, request, claim_id)
    return {**c, "history": [h["id"] for h in views.claim_history(snap, c["id"])]}


class Decision(BaseModel):
    decision: Literal["accepted", "rejected", "candidate"]
    reviewer: str | None = Field(None, max_length=80, description=(
        "Without accounts only: default the reviewer cookie, else 'web reviewer'. With accounts the "
        "decision is always recorded as the logged-in user."))


class Edit(BaseModel):
    fields: dict[str, str] | None = Field(None, description=(
        "Flat form fields (predicate, country, locality, operator, value, qualifier, stance, said_by_name, "
        "said_by_country, valid_from, valid_to, note); unlisted fields keep their value"))
    changes: dict | None = Field(None, description="Top-level claim fields in the interchange format, "
                                                   "as Store.edit_claim takes them")
    reviewer: str | None = Field(None, max_length=80)


def _after_write(request: Request, w) -> dict:
    snap = views_of(request).snapshot()
    return views.headline(snap, w.as_of, w.known_at) | {"reported_max": None}


@router.post("/claims/{claim_id}/review", tags=["review"], summary="Accept, reject or reset a claim")
def api_review(request: Request, claim_id: str, body: Decision, w: WhenDep) -> dict:
    """Only accepted claims count. Returns the decision and the figures after it."""
    result = decide(request, claim_id, body.decision, reviewer_of(request, body.reviewer))
    return result | {"figures": _after_write(request, w)}


@router.post("/claims/{claim_id}/edit", tags=["review"], summary="Correct a claim")
def api_edit(request: Request, claim_id: str, w: WhenDep, body: Annotated[Edit, Body()]) -> dict:
    """A correction is a new accepted claim; the original stays, rejected and marked
    superseded by it, so the extractor's reading and the reviewer's both remain."""
    snap = views_of(request).snapshot()
    c = _claim_or_404(snap, request, claim_id)
    try:
        changes = body.changes if body.changes is not None else forms.changes_from(c, {**forms.fields_of(c),
                                                                                        **(body.fields or {})})
        if not changes:
            raise forms.FormError("the edit changes nothing in the claim")
        with request.app.state.write_lock:
            new_id = request.app.state.store.edit_claim(c["id"], changes, reviewer=reviewer_of(request, body.reviewer))
    except (forms.FormError, StoreError) as e:
        raise HTTPException(422, str(e)) from None
    return {"id": new_id, "edited_from": c["id"], "status": "accepted", "figures": _after_write(request, w)}


@router.get("/review-queue", tags=["review"], summary="Candidate claims by confidence")
def api_queue(request: Request, order: Literal["desc", "asc"] = "desc", predicate: str | None = None,
              country: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    snap = views_of(request).snapshot()
    total, claims = views.review_queue(snap, order=order, predicate=predicate, country=country, limit=limit)
    return {"total": total, "claims": claims}


@router.get("/sources", tags=["sources"], summary="Sources and stored documents")
def api_sources(request: Request) -> dict:
    """Every source claims were read in (with claim counts by review status), and stored
    documents no claim points into yet (`id: null`)."""
    snap = views_of(request).snapshot()
    docs = views.visible_documents(snap)
    rows = []
    for r in views.sources(snap, with_documents=True):
        d = docs.get(r["document"]) if r["document"] else None
        rows.append(r | {"document_info": {k: d[k] for k in ("media_type", "language", "size", "name", "reader",
                                                             "published")} if d else None})
    return {"sources": rows}


@router.get("/sources/{sid}", tags=["sources"], summary="One source, with its claims")
def api_source(request: Request, sid: str) -> dict:
    snap = views_of(request).snapshot()
    src = views.source_by_id(snap, sid)
    if src is None:
        raise HTTPException(404, "no source with this id")
    return src | {"claims": views.claims_of_source(snap, sid)}


@router.get("/search", tags=["sources"], summary="Full-text search over documents (CJK included)")
def api_search(request: Request, q: Annotated[str, Query(min_length=1, max_length=200)],
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    return {"q": q, "documents": search_documents(request, views_of(request).snapshot(), q, limit=limit)}


@router.get("/jobs", tags=["sources"], summary="Ingest jobs of this server and recorded failures")
def api_jobs(request: Request) -> dict:
    jobs = request.app.state.ingester.jobs()
    return {"pending": sum(1 for j in jobs if not j.done), "jobs": [j.as_json() for j in jobs],
            "failures": [{**f, "recorded_at": f["recorded_at"].isoformat() if f.get("recorded_at") else None}
                         for f in request.app.state.store.failures()[-50:]]}


@router.get("/countries", tags=["figures"], summary="Countries with stations, counts or responses")
def api_countries(request: Request, w: WhenDep) -> dict:
    snap = views_of(request).snapshot()
    rows = views.country_rows(snap, w.as_of, w.known_at)
    return {"countries": [{"country": r["country"], "name": r["name"] or country_name(r["country"]),
                           "documented": r["documented"], "closed": r["closed"], "contested": r["contested"],
                           "reported": [{k: f[k] for k in ("value", "qualifier", "said_by", "published", "claim_ids")}
                                        for f in r["reported"]],
                           "responses": r["responses"]} for r in rows]}
