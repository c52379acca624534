"""Read-side views for exports and the report: one consistent snapshot of the record.

A `Snapshot` is what the record said on `known_at` about the situation on `as_of`, read
through one reader: the store, or for the public record an `export.public.PublicReader`
over it (public claims only, registered names redacted). Its stations, their states and
the reported figures come from the tally's per-version index (`query.index`), so an export
shows the figures `tally` gives; the claims themselves are read from the store when they
are needed (`in_view` streams them in store order, `claims` fetches some by id). So an
export holds the index, not every claim with its excerpt. The views below derive station
rows, the response timeline, per-country rows and the list of sources from it, each
carrying the ids of the claims behind it. Built on `stationwatch.query`; no SQL.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from .. import dates
from ..model import country_name, source_id
from ..store import Store, claim_country, slim_claim
from . import ANY_GRADE, StationState, claim_start, full_claims
from .index import TallyIndex, indexed, quiet_gc

RESPONSE_LABELS = {
    "response.investigation": "investigation",
    "response.acknowledgement": "acknowledgement",
    "response.protest": "diplomatic protest",
    "response.closure_order": "closure order",
    "response.arrest": "arrests or charges",
    "response.no_action": "no action reported",
}


@dataclass
class Snapshot:
    reader: object  # a Store, or a PublicReader over one
    as_of: dt.date
    known_at: dt.date | None
    states: list[StationState]  # every station; its claims are slim (no excerpt)
    reported: list[dict]  # figures in effect on as_of
    superseded: list[dict]
    index: TallyIndex = field(repr=False)
    public: bool = False

    def in_view(self, prefixes: tuple[str, ...] | None = None) -> Iterator[dict]:
        """The accepted claims that have started to hold by `as_of` (what the record said up
        to that day; with `prefixes`, those whose predicates start so), whole, in store
        order: read from the store each time, never held."""
        for c in self.reader.iter_claims(status="accepted", known_at=self.known_at, predicate_prefixes=prefixes):
            if claim_start(c) <= self.as_of:
                yield c

    def claims(self, ids: Iterable[str]) -> list[dict]:
        """The whole claims with these ids, in that order, read from the store."""
        ids = list(ids)
        fetched = full_claims(self.reader, ids)
        return [fetched[i] for i in ids]

    def slim(self, claim_id: str) -> dict:
        """The claim with this id, slim (`store.slim_claim`) as the index holds it: enough to
        cite it (its source, predicate, dates, speaker), not its excerpt."""
        return self.index.claim(claim_id) or slim_claim(self.claims([claim_id])[0])

    def header(self) -> dict:
        return {"as_of": self.as_of.isoformat(),
                "known_at": self.known_at.isoformat() if self.known_at else None,
                "public": self.public}


def snapshot(store: Store, *, as_of: dt.date | None = None, known_at: dt.date | None = None,
             public: bool = False) -> Snapshot:
    """The record as known on `known_at` about `as_of` (default: today); with `public`, the
    public record (`export.public`)."""
    from ..export.public import PublicReader
    as_of = as_of or dt.date.today()
    reader = PublicReader(store) if public else store
    index = indexed(reader, known_at, ANY_GRADE)  # people's same/different judgements as in `tally`
    with quiet_gc:
        states = index.states(as_of)
        current, superseded = index.reported(as_of, history=True)
    return Snapshot(reader, as_of, known_at, states, current, superseded, index, public=public)


def _first(values: Iterable[str | None]) -> str | None:
    vals = [v for v in values if v]
    return min(vals, key=dates.start_of) if vals else None


def station_rows(snap: Snapshot) -> list[dict]:
    """Stations standing or closed on `as_of`, with the in-view claims behind each.

    Same stations as `query.station_list`; `claim_ids` keeps only claims that had started
    by `as_of`, and `first_reported`/`last_reported` are their sources' publication dates.
    A row's `claims` are slim (`store.slim_claim`: no excerpt or review columns).
    """
    rows = []
    for st in snap.states:
        if not (st.present or st.closed_by):
            continue
        cs = [c for c in st.station.claims if claim_start(c) <= snap.as_of]
        published = sorted(c["source"]["published"] for c in cs)
        row = st.as_json()
        row.update(
            present=st.present, country_name=country_name(st.station.country),
            claims=cs, claim_ids=[c["id"] for c in cs], claim_count=len(cs),
            first_reported=published[0] if published else None,
            last_reported=published[-1] if published else None,
            opened=_first(c["valid"]["from"] for c in cs if c["predicate"] == "station.opened"),
            closed=_first(c["valid"]["from"] for c in st.closed_by),
            sources=sorted({source_id(c["source"]) for c in cs}),
        )
        rows.append(row)
    return rows


def response_date(claim: dict) -> tuple[str, str]:
    """(date, basis): the response's own date where the source gives one, else publication."""
    if claim["valid"]["from"]:
        return claim["valid"]["from"], "valid_from"
    return claim["source"]["published"], "published"


def response_timeline(snap: Snapshot) -> list[dict]:
    """What governments did (`response.*` claims in view), oldest first."""
    rows = []
    for c in snap.in_view(("response.",)):
        when, basis = response_date(c)
        country = (c["subject"] or {}).get("country") or claim_country(c)
        rows.append({"date": when, "date_basis": basis, "country": country,
                     "country_name": country_name(country), "predicate": c["predicate"],
                     "response": RESPONSE_LABELS.get(c["predicate"], c["predicate"].split(".", 1)[1]),
                     "stance": c["stance"], "claim": c, "claim_id": c["id"]})
    rows.sort(key=lambda r: (dates.start_of(r["date"]), r["country"] or "", r["predicate"], r["claim_id"]))
    return rows


def sources(claims: Iterable[dict]) -> list[dict]:
    """The sources behind `claims`, each with its id, document hash and the claims read in it."""
    by_id: dict[str, dict] = {}
    for c in claims:
        src = c["source"]
        sid = source_id(src)
        entry = by_id.setdefault(sid, {"id": sid, **{k: src.get(k) for k in
                                                     ("title", "publisher", "url", "published", "kind")},
                                       "document": src.get("document"), "claim_ids": []})
        if c["id"] not in entry["claim_ids"]:
            entry["claim_ids"].append(c["id"])
    return sorted(by_id.values(), key=lambda s: (dates.start_of(s["published"]), s["title"] or "", s["id"]))


def reported_for_country(snap: Snapshot, country: str) -> list[dict]:
    return [f for f in snap.reported if (f["scope"] or {}).get("country") == country
            and f["predicate"] == "count.stations"]


def country_rows(snap: Snapshot, stations: list[dict] | None = None,
                 timeline: list[dict] | None = None) -> list[dict]:
    """One row per country with documented stations, a reported count or a response."""
    stations = station_rows(snap) if stations is None else stations
    timeline = response_timeline(snap) if timeline is None else timeline
    countries: set[str] = {s["country"] for s in stations}
    countries |= {f["scope"]["country"] for f in snap.reported
                  if f["predicate"] == "count.stations" and (f["scope"] or {}).get("country")}
    countries |= {r["country"] for r in timeline if r["country"]}
    rows = []
    for cc in sorted(countries, key=country_name):
        here = [s for s in stations if s["country"] == cc]
        figures = reported_for_country(snap, cc)
        responses = [r for r in timeline if r["country"] == cc]
        ids = list(dict.fromkeys([i for s in here for i in s["claim_ids"]] + [i for f in figures for i in f["claim_ids"]]
                                 + [r["claim_id"] for r in responses]))
        rows.append({"country": cc, "country_name": country_name(cc),
                     "documented": sum(1 for s in here if s["present"]),
                     "closed": sum(1 for s in here if s["status"] == "closed"),
                     "contested": sum(1 for s in here if s["contested"]),
                     "localities": sorted({s["locality"] for s in here if s["locality"]}),
                     "reported": figures,
                     "responses": sorted({r["response"] for r in responses}),
                     "claim_ids": ids})
    return rows


def denials(snap: Snapshot) -> list[dict]:
    """Claims denying the network or a station, in view on `as_of`."""
    station = [c for st in snap.states for c in st.denied_by]
    network = snap.index.network_denials(snap.as_of)
    return list({c["id"]: c for c in network + station}.values())  # each once, first place kept


def document_names(store: Store) -> dict[str, str]:
    """Stored documents' file names by their SHA-256."""
    return {d["id"]: d["name"] for d in store.documents() if d.get("name")}


def by_source(claims: Iterable[dict]) -> Iterator[tuple[str, list[dict]]]:
    """(source id, its claims) for claims that come source by source, as the store gives them
    (`Store.iter_claims`: in store order, which sorts by source), one source's held at a time."""
    return ((sid, list(cs)) for sid, cs in groupby(claims, key=lambda c: source_id(c["source"])))
