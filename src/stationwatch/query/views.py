"""Read-side views for the web app: one store version as a reader sees it.

Every page asks the same questions: the tally, the station states, a station, a country,
the review queue, a source. The figures come from the per-version index of `query.index`
(the CLI's figures by construction: `query.tally` answers them); everything else is a
query of the store that returns what the page prints, one page of it where lists grow with
the record (the review queue, search, a source's claims). Nothing here holds every claim:
memory follows the stations and counts the index keeps, not the size of the store.

A `Snapshot` is one **store version** (the head of the evidence ledger, which every write
extends) with each answer memoized by its arguments. A write, from this process or any
other, moves the ledger head, and the next request makes a fresh snapshot: a review
decision shows in the figures at once. The public (protected) view reads the store through
`export.public.PublicReader`: public claims only, registered names redacted.
"""
from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import dates, geo, stations
from ..export.public import NO_NAMES, PublicReader, Redactor
from ..model import canonical_json, country_name
from ..store import Store, claim_country
from . import ANY_GRADE, claim_start, full_claims, in_effect, speaker, tally
from .index import EVENTS, RELEVANT, Answers, indexed, version_of

RESPONSE_PREFIXES = EVENTS  # government responses and cooperation: the timelines' events


def today() -> dt.date:
    return dt.date.today()


# -- snapshots ---------------------------------------------------------------------------

class Snapshot:
    """One version of the store as one kind of reader sees it, with memoized answers.

    `reader` is the store itself, or for the public view a `PublicReader` over it, which
    yields only what the public view may show (accepted claims about institutions,
    registered names redacted); a public snapshot never reads claims any other way."""

    def __init__(self, version: object, reader, store: Store, *, public: bool = False,
                 redactor: Redactor = NO_NAMES):
        self.version = version
        self.reader = reader
        self.store = store
        self.public = public
        self.redactor = redactor
        self._answers = Answers(4096)

    def memo(self, key: tuple, compute: Callable[[], object]):
        return self._answers.get(key, compute)

    def claim(self, claim_id: str) -> dict | None:
        """One claim by its full id (None if this reader may not see it)."""
        def compute():
            found = self.reader.find_claims(ids=[claim_id])
            return found[0] if found else None
        return self.memo(("claim", claim_id), compute)

    def count(self, **filters) -> int:
        return self.memo(("count", tuple(sorted(filters.items()))), lambda: self.reader.count_claims(**filters))


class Views:
    """The snapshots of one store; with `public`, of its public view (`export.public`)."""

    def __init__(self, store: Store, *, public: bool = False):
        self.store = store
        self.public = public
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        version = version_of(self.store)
        snap = self._snap
        if snap is not None and snap.version == version:
            return snap
        with self._lock:
            if self._snap is None or self._snap.version != version:
                if self.public:
                    reader = PublicReader(self.store)
                    self._snap = Snapshot(version, reader, self.store, public=True, redactor=reader.redactor)
                else:
                    self._snap = Snapshot(version, self.store, self.store)
            return self._snap


# -- figures -----------------------------------------------------------------------------

def _index(snap: Snapshot, known_at: dt.date | None):
    return indexed(snap.reader, known_at, ANY_GRADE)


# what the memoized answers read, by predicate prefix (see `figures`)
STATION_CLAIMS = ("station.",)
FIGURES = RELEVANT
EVENT_DATES = ("count.", "station.opened", "station.closed") + RESPONSE_PREFIXES


def figures(snap: Snapshot, known_at: dt.date | None, key: tuple, compute: Callable[[], object],
            reads: tuple[str, ...] | None = None):
    """An answer made only from the index's claims, memoized on the index: it outlives the
    snapshot when the index is carried over a write that leaves its claims alone, and, if
    it says which claims it `reads` (predicate prefixes), an update of the index that
    changes none of them."""
    return _index(snap, known_at).memo(key, compute, reads)


def cached_tally(snap: Snapshot, as_of: dt.date, known_at: dt.date | None, history: bool = False) -> dict:
    return figures(snap, known_at, ("tally", as_of, known_at, history),
                   lambda: tally(snap.reader, as_of=as_of, known_at=known_at, history=history), FIGURES)


def judgements(snap: Snapshot) -> list:
    """People's same/different decisions about stations (Store.judgements), once per version."""
    return snap.memo(("judgements",), snap.reader.judgements)


def states(snap: Snapshot, as_of: dt.date, known_at: dt.date | None):
    """The station states `query.tally` computes for the same dates: stations merged and
    split by the judgements, as the CLI's. Their claims are the index's slim ones (no
    excerpts); pages that print claims fetch them (`full_claims`)."""
    return figures(snap, known_at, ("states", as_of, known_at), lambda: _index(snap, known_at).states(as_of),
                   STATION_CLAIMS)


def accepted_of(snap: Snapshot, known_at: dt.date | None, prefixes: tuple[str, ...]) -> list[dict]:
    """The accepted claims whose predicate starts with one of `prefixes`, known by known_at,
    in the index's slim form (no excerpts: pages that print them fetch them, `full_claims`).
    Only what the index keeps: station, count, network, response and cooperation claims."""
    return figures(snap, known_at, ("accepted", known_at, prefixes), lambda: _index(snap, known_at).accepted(prefixes),
                   prefixes)


def headline(snap: Snapshot, as_of: dt.date, known_at: dt.date | None) -> dict:
    """The few figures every page header and the review queue show."""
    t = cached_tally(snap, as_of, known_at)
    doc = t["documented"]
    global_counts = [f for f in t["reported"] if f["predicate"] == "count.stations" and not f["scope"]]
    top = max(global_counts, key=lambda f: (f["value"], f["published"]), default=None)
    return {"documented": doc["stations"], "countries": doc["countries"],
            "closed": len(doc["closed"]), "contested": len(doc["contested"]),
            "reported_max": top, "candidates": snap.count(status="candidate")}


def _station_point(st, present: bool) -> dict | None:
    s = st.station
    loc = geo.locate(s.country, s.locality)
    if loc is None:
        return None
    return {"id": s.id, "label": s.label, "country": s.country, "locality": s.locality,
            "operator": s.operator, "status": "present" if present else "closed",
            "contested": bool(st.denied_by), "claims": len(s.claims), **loc.as_json()}


def markers(snap: Snapshot, as_of: dt.date, known_at: dt.date | None, country: str | None = None) -> dict:
    """Map points: one per documented station (present on as_of), and one per closed one."""
    def compute():
        points, unplaced = [], []
        for st in states(snap, as_of, known_at):
            if country and st.station.country != country:
                continue
            if not (st.present or st.closed_by):
                continue
            p = _station_point(st, st.present)
            (points.append(p) if p else unplaced.append(st.station.label))
        geo.spread(points)
        return {"points": points, "unplaced": unplaced}
    return figures(snap, known_at, ("markers", as_of, known_at, country), compute, STATION_CLAIMS)


def country_rows(snap: Snapshot, as_of: dt.date, known_at: dt.date | None) -> list[dict]:
    """One row per country with stations, a reported count, or a government response."""
    def compute():
        t = cached_tally(snap, as_of, known_at)
        sts = states(snap, as_of, known_at)
        rows: dict[str, dict] = {}

        def row(cc: str) -> dict:
            return rows.setdefault(cc, {"country": cc, "name": country_name(cc), "documented": 0,
                                        "closed": 0, "contested": 0, "reported": [], "responses": []})
        for st in sts:
            if st.present:
                r = row(st.station.country)
                r["documented"] += 1
                r["contested"] += bool(st.denied_by)
            elif st.closed_by:
                row(st.station.country)["closed"] += 1
        for f in t["reported"]:
            cc = (f["scope"] or {}).get("country")
            if cc and f["predicate"] == "count.stations":
                row(cc)["reported"].append(f)
        for e in responses(snap, as_of, known_at):
            if e["country"]:
                r = row(e["country"])
                if e["predicate"] not in r["responses"]:
                    r["responses"].append(e["predicate"])
        return sorted(rows.values(), key=lambda r: (-r["documented"], r["name"]))
    return figures(snap, known_at, ("country_rows", as_of, known_at), compute, FIGURES + RESPONSE_PREFIXES)


# -- timelines ---------------------------------------------------------------------------

def event_date(claim: dict) -> str:
    """The date an event is placed at: its own valid.from, else its source's publication."""
    return claim["valid"]["from"] or claim["source"]["published"]


def _up_to(dated: tuple[list[dict], list[dt.date]], as_of: dt.date) -> list[dict]:
    """The items of a list sorted by start date (with those dates) that start by `as_of`."""
    items, starts = dated
    return items[:bisect.bisect_right(starts, as_of)]


def _dated(items: list[dict]) -> tuple[list[dict], list[dt.date]]:
    return items, [dates.start_of(i["date"]) for i in items]


# The timelines' lists are made once per index for every date, then cut at the as-of date:
# an event's claims all start on its date, so the events of any as-of date are a prefix.

def responses(snap: Snapshot, as_of: dt.date, known_at: dt.date | None, country: str | None = None) -> list[dict]:
    """Government responses and cooperation, oldest first: one event per (country, kind,
    date), with every claim that reports it."""
    def compute():
        grouped: dict[tuple, dict] = {}
        for c in accepted_of(snap, known_at, RESPONSE_PREFIXES):
            cc = (c["subject"] or {}).get("country") or claim_country(c)
            if country and cc != country:
                continue
            when = event_date(c)
            key = (cc, c["predicate"], c["stance"], when)
            e = grouped.setdefault(key, {"date": when, "dated": bool(c["valid"]["from"]), "country": cc,
                                         "name": country_name(cc), "predicate": c["predicate"],
                                         "kind": c["predicate"].split(".", 1)[1], "stance": c["stance"],
                                         "claims": []})
            e["claims"].append(c)
        return _dated(sorted(grouped.values(), key=lambda e: (dates.start_of(e["date"]), e["name"], e["predicate"])))
    return _up_to(figures(snap, known_at, ("responses", known_at, country), compute, RESPONSE_PREFIXES), as_of)


def reported_series(snap: Snapshot, as_of: dt.date, known_at: dt.date | None,
                    predicate: str = "count.stations", country: str | None = None) -> list[dict]:
    """Every figure speakers gave for `predicate` in one scope (global, or `country`), as
    points in time, current and superseded alike: the reported-count timeline."""
    def compute():
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for c in accepted_of(snap, known_at, (predicate,)):
            if c["predicate"] != predicate or c["stance"] != "asserts":
                continue
            scope = c["scope"] or {}
            if (scope.get("country") != country) or (set(scope) - {"country"}):
                continue
            groups[(speaker(c), c["value"], c["qualifier"], event_date(c))].append(c)
        points = [{"said_by": who, "value": value, "qualifier": q, "date": when,
                   "start": dates.start_of(when), "claims": cs,
                   "sources": sorted({x["source"]["publisher"] or x["source"]["title"] or "" for x in cs})}
                  for (who, value, q, when), cs in groups.items()]
        return _dated(sorted(points, key=lambda p: (p["start"], p["said_by"], p["value"])))
    return _up_to(figures(snap, known_at, ("series", known_at, predicate, country), compute, (predicate,)), as_of)


def station_events(snap: Snapshot, as_of: dt.date, known_at: dt.date | None) -> list[dict]:
    """Openings and closures of stations, oldest first."""
    def compute():
        out = []
        for c in accepted_of(snap, known_at, ("station.opened", "station.closed")):
            if c["predicate"] in ("station.opened", "station.closed"):
                cc, loc = stations.place_of(c)
                out.append({"date": event_date(c), "predicate": c["predicate"], "country": cc,
                            "locality": loc, "operator": stations.operator_of(c), "claim": c})
        return _dated(sorted(out, key=lambda e: dates.start_of(e["date"])))
    return _up_to(figures(snap, known_at, ("station_events", known_at), compute,
                          ("station.opened", "station.closed")), as_of)


def timeline(snap: Snapshot, as_of: dt.date, known_at: dt.date | None, country: str | None = None) -> list[dict]:
    """One list, oldest first: reported counts, government responses, openings and closures."""
    def compute():
        every = dt.date.max
        items = [{"date": p["date"], "type": "count", "point": p}
                 for p in reported_series(snap, every, known_at, country=country)]
        items += [{"date": e["date"], "type": "response", "event": e} for e in responses(snap, every, known_at, country)]
        items += [{"date": e["date"], "type": "station", "event": e} for e in station_events(snap, every, known_at)
                  if country is None or e["country"] == country]
        return _dated(sorted(items, key=lambda i: dates.start_of(i["date"])))
    return _up_to(figures(snap, known_at, ("timeline", known_at, country), compute, EVENT_DATES), as_of)


# -- one station, one country ------------------------------------------------------------

GROUP_ORDER = ["station.location", "station.operator", "station.opened", "station.closed",
               "station.activity", "station.staffing"]


def station_detail(snap: Snapshot, station_id: str, as_of: dt.date, known_at: dt.date | None) -> dict | None:
    """A station's state on as_of, and every claim about it grouped by predicate."""
    def compute():
        st = _index(snap, known_at).state(station_id, as_of)
        if st is None:
            return None
        s = st.station
        ids = list(dict.fromkeys(s.claim_ids + [d["id"] for d in st.denied_by]))
        by_id = full_claims(snap.reader, ids)
        claims = [by_id[i] for i in ids if i in by_id]
        own = [by_id[i] for i in s.claim_ids if i in by_id]
        grouped: dict[str, list[dict]] = defaultdict(list)
        for c in claims:
            grouped[c["predicate"]].append(c)
        order = sorted(grouped, key=lambda p: (GROUP_ORDER.index(p) if p in GROUP_ORDER else 99, p))
        loc = geo.locate(s.country, s.locality)
        # candidates about this station's place, compared as places (Milano is Milan)
        pending = list(full_claims(snap.reader, [c["id"] for c in _station_candidates(snap, s.country)
                                          if _at_place(s, *stations.place_of(c))]).values())
        return {"id": s.id, "label": s.label, "country": s.country, "locality": s.locality,
                "operator": s.operator, "present": st.present,
                "status": "closed" if st.closed_by else ("operating" if st.present else "not yet reported"),
                "contested": bool(st.denied_by),
                "closed_by": [by_id.get(c["id"], c) for c in st.closed_by],
                "denied_by": [by_id.get(c["id"], c) for c in st.denied_by],
                "groups": [(p, grouped[p]) for p in order], "claim_count": len(claims),
                "first_reported": min((c["source"]["published"] for c in own), default=None,
                                      key=dates.start_of),
                "location": loc.as_json() if loc else None, "pending": pending,
                "in_effect": {c["id"]: in_effect(c, as_of) for c in claims}}
    return snap.memo(("station", station_id, as_of, known_at), compute)


def _station_candidates(snap: Snapshot, country: str) -> list[dict]:
    """The candidate station claims about places in a country, in brief (`Store.claim_heads`)."""
    return snap.memo(("station_candidates", country), lambda: [
        c for c in snap.reader.claim_heads(status="candidate", predicate_prefix="station.", country=country)
        if stations.is_station_claim(c)])


def network_denials(snap: Snapshot, as_of: dt.date, known_at: dt.date | None, limit: int = 20) -> tuple[int, list]:
    """(how many, the `limit` latest) denials of the network as a whole in force on as_of."""
    def compute():
        live = _index(snap, known_at).network_denials(as_of)
        latest = sorted(live, key=claim_start, reverse=True)[:limit]
        by_id = full_claims(snap.reader, [c["id"] for c in latest])
        return len(live), [by_id[c["id"]] for c in latest if c["id"] in by_id]
    return snap.memo(("network", as_of, known_at, limit), compute)


def _at_place(station: stations.Station, country: str | None, locality: str | None) -> bool:
    if locality is None or station.locality is None:
        return country == station.country and locality is None and station.locality is None
    return station.at(country, locality)


def _station_facts(snap: Snapshot, known_at: dt.date | None) -> dict[str, tuple]:
    """Per station, what does not depend on the as-of date: (first reported, speakers)."""
    def compute():
        out = {}
        for st in states(snap, dt.date.max, known_at):
            cs = st.station.claims
            first = min((c["source"]["published"] for c in cs), key=dates.start_of, default=None)
            out[st.station.id] = (first, sorted({speaker(c) for c in cs}))
        return out
    return figures(snap, known_at, ("station_facts", known_at), compute, STATION_CLAIMS)


def station_register(snap: Snapshot, as_of: dt.date, known_at: dt.date | None) -> list[dict]:
    """Every station the accepted claims document, present or closed on as_of, with a
    row for the register page."""
    def compute():
        rows = []
        facts = _station_facts(snap, known_at)
        for st in states(snap, as_of, known_at):
            if not (st.present or st.closed_by):
                continue
            s = st.station
            first, speakers = facts[s.id]
            rows.append({"id": s.id, "label": s.label, "country": s.country, "name": country_name(s.country),
                         "locality": s.locality, "operator": s.operator,
                         "status": "closed" if st.closed_by else "operating", "contested": bool(st.denied_by),
                         "claims": len(s.claims), "speakers": speakers, "first_reported": first})
        return sorted(rows, key=lambda r: (r["name"], r["locality"] or "", r["operator"] or ""))
    return figures(snap, known_at, ("register", as_of, known_at), compute, STATION_CLAIMS)


def country_detail(snap: Snapshot, country: str, as_of: dt.date, known_at: dt.date | None) -> dict:
    """Stations in a country, reported counts by speaker, and its response timeline."""
    country = country.upper()

    def compute():
        t = cached_tally(snap, as_of, known_at, history=True)
        in_country = lambda f: (f["scope"] or {}).get("country") == country
        by_speaker: dict[str, list[dict]] = defaultdict(list)
        for f in t["reported"]:
            if in_country(f):
                by_speaker[f["said_by"]].append(dict(f, current=True))
        for f in t["history"]:
            if in_country(f):
                by_speaker[f["said_by"]].append(dict(f, current=False))
        for figs in by_speaker.values():
            figs.sort(key=lambda f: (f["predicate"], dates.start_of(f["valid_from"] or f["published"])))
        register = [r for r in station_register(snap, as_of, known_at) if r["country"] == country]
        other_ids = _index(snap, known_at).other_ids(country, as_of)
        events = responses(snap, as_of, known_at, country)
        by_id = full_claims(snap.reader, other_ids + [c["id"] for e in events for c in e["claims"]])
        others = [by_id[i] for i in other_ids if i in by_id and not by_id[i]["predicate"].startswith(RESPONSE_PREFIXES)]
        # the country page prints each response's claims whole
        events = [dict(e, claims=[by_id.get(c["id"], c) for c in e["claims"]]) for e in events]
        return {"country": country, "name": country_name(country),
                "stations": register,
                "documented": sum(1 for r in register if r["status"] == "operating"),
                "reported_by_speaker": sorted(by_speaker.items()),
                "series": reported_series(snap, as_of, known_at, country=country),
                "responses": events,
                "timeline": timeline(snap, as_of, known_at, country),
                "other_claims": others,
                "candidates": snap.count(status="candidate", country=country)}
    return snap.memo(("country", country, as_of, known_at), compute)


# -- review queue ------------------------------------------------------------------------

def review_queue(snap: Snapshot, *, order: str = "desc", predicate: str | None = None,
                 country: str | None = None, document: str | None = None,
                 offset: int = 0, limit: int | None = 50) -> tuple[int, list[dict]]:
    """(how many candidates match, one page of them): most confident first (order="asc":
    least confident first); unscored candidates come last either way."""
    filters = {"status": "candidate", "predicate": predicate or None,
               "country": country.upper() if country else None, "document": document or None}
    total = snap.count(**filters)
    page = snap.memo(("queue", order, tuple(filters.items()), offset, limit), lambda: snap.reader.find_claims(
        order="confidence_asc" if order == "asc" else "confidence", offset=offset, limit=limit, **filters))
    return total, page


def queue_facets(snap: Snapshot) -> dict:
    def compute():
        return {"predicates": list(snap.reader.count_claims(status="candidate", by="predicate").items()),
                "countries": list(snap.reader.count_claims(status="candidate", by="country").items())}
    return snap.memo(("facets",), compute)


# -- sources and documents ---------------------------------------------------------------

def _source_rows(snap: Snapshot) -> dict[str, dict]:
    return snap.memo(("sources",), lambda: {r["id"]: r for r in snap.reader.source_rows()})


def visible_documents(snap: Snapshot) -> dict[str, dict]:
    """Stored documents (without their bytes) this reader may see, by id: in the public view
    only those a public claim was read in (a document nobody reviewed is not published), with
    their names redacted."""
    def compute():
        docs = snap.store.documents()
        if not snap.public:
            return {d["id"]: d for d in docs}
        shown, red = shown_documents(snap), snap.redactor
        return {d["id"]: dict(d, name=red.redact_label(d.get("name")), title=red.redact(d.get("title")), author=None)
                for d in docs if d["id"] in shown}
    return snap.memo(("documents",), compute)


def sources(snap: Snapshot, with_documents: bool = False) -> list[dict]:
    """Every source claims were read in, newest first, with its claims counted by status;
    `with_documents`: and the visible stored documents no claim points into yet."""
    def compute():
        rows = list(_source_rows(snap).values())
        if with_documents:
            with_source = {r["document"] for r in rows if r["document"]}
            for d in visible_documents(snap).values():
                if d["id"] not in with_source:
                    rows.append({"id": None, "title": d.get("title") or d.get("name"), "publisher": None,
                                 "url": None, "published": d.get("published"), "kind": None, "document": d["id"],
                                 "claims": 0, "accepted": 0, "candidate": 0, "rejected": 0})
        return sorted(rows, key=lambda r: (dates.start_of(r["published"]) if r["published"] else dt.date.min,
                                           r["title"] or ""), reverse=True)
    return snap.memo(("source_list", with_documents), compute)


def source_by_id(snap: Snapshot, sid: str) -> dict | None:
    def compute():
        hit = next((r for r in snap.reader.source_rows(ids=[sid]) if r["id"] == sid), None)
        if hit is None and snap.public:  # a redacted source is known by the id its redacted fields give
            hit = _source_rows(snap).get(sid)
        return hit
    return snap.memo(("source", sid), compute)


def shown_documents(snap: Snapshot) -> set[str]:
    """The stored documents some claim this reader sees was read in."""
    return snap.memo(("shown_documents",), lambda: {r["document"] for r in _source_rows(snap).values()
                                                    if r["document"]})


def sources_of_document(snap: Snapshot, doc_id: str) -> list[dict]:
    """The sources (usually one) whose claims, as this reader sees them, were read in a document."""
    return list(snap.memo(("doc_sources", doc_id), lambda: snap.reader.source_rows(document=doc_id)))


def claims_of_document(snap: Snapshot, doc_id: str) -> list[dict]:
    return snap.memo(("doc_claims", doc_id), lambda: snap.reader.find_claims(document=doc_id))


def claims_of_source(snap: Snapshot, sid: str) -> list[dict]:
    row = source_by_id(snap, sid)
    if row is None:
        return []
    return snap.memo(("src_claims", sid), lambda: snap.reader.find_claims(source=row.get("store_id", row["id"])))


@dataclass
class Segment:
    text: str
    claims: list[str] = field(default_factory=list)  # ids of the claims whose excerpt covers it
    starts: list[str] = field(default_factory=list)  # ids of the claims whose excerpt starts here
    page: int | None = None  # a page starts here
    focus: bool = False  # part of the excerpt asked for
    hit: bool = False  # part of the search match asked for
    redacted: bool = False  # part of a protected name: not shown
    redaction_starts: bool = False  # the first piece of one: shown as "[person]"


def segments(text: str, claims: list[dict], *, focus: str | None = None, pages: list | None = None,
             hit: tuple[int, int] | None = None, redact: list[tuple[int, int]] | None = None) -> list[Segment]:
    """The text cut at every excerpt boundary, each piece knowing the claims that cover it.

    Overlapping excerpts (one sentence behind seven claims) are fine: a piece carries all
    of them. `focus` marks the pieces of one claim's excerpt; `hit` a search match.
    """
    spans = [(c["excerpt"]["start"], c["excerpt"]["end"], c["id"]) for c in claims
             if c.get("excerpt") and 0 <= c["excerpt"]["start"] < c["excerpt"]["end"] <= len(text)]
    cuts = {0, len(text)}
    for s, e, _ in spans:
        cuts.update((s, e))
    page_at = {}
    for start, _end, number in pages or ():
        if 0 <= start < len(text):
            cuts.add(start)
            page_at[start] = number
    if hit and 0 <= hit[0] < hit[1] <= len(text):
        cuts.update(hit)
    redact = [(s, e) for s, e in redact or () if 0 <= s < e <= len(text)]
    for s, e in redact:
        cuts.update((s, e))
    points = sorted(cuts)
    starts: dict[int, list[str]] = defaultdict(list)
    for s, _e, cid in spans:
        starts[s].append(cid)
    focus_span = next(((s, e) for s, e, cid in spans if cid == focus), None)
    # sweep: spans sorted by start; active set per piece
    by_start = sorted(spans)
    active: list[tuple[int, int, str]] = []
    out, j = [], 0
    for a, b in zip(points, points[1:]):
        while j < len(by_start) and by_start[j][0] <= a:
            active.append(by_start[j])
            j += 1
        active = [sp for sp in active if sp[1] > a]
        seg = Segment(text[a:b], [cid for _, _, cid in active], starts.get(a, []), page_at.get(a))
        seg.focus = bool(focus_span and focus_span[0] <= a and b <= focus_span[1])
        seg.hit = bool(hit and hit[0] <= a and b <= hit[1])
        span = next(((s, e) for s, e in redact if s <= a and b <= e), None)
        if span:
            seg.redacted, seg.redaction_starts = True, a == span[0]
        out.append(seg)
    return out


def claim_history(snap: Snapshot, claim_id: str) -> list[dict]:
    """The chain of edits a claim belongs to, the extractor's original first."""
    c = snap.claim(claim_id)
    if c is None:
        return []
    while c.get("edited_from") and snap.claim(c["edited_from"]):
        c = snap.claim(c["edited_from"])
    chain = [c]
    while c.get("superseded_by") and snap.claim(c["superseded_by"]) and len(chain) < 50:
        c = snap.claim(c["superseded_by"])
        chain.append(c)
    return chain


def stations_of_claim(snap: Snapshot, claim: dict, as_of: dt.date, known_at: dt.date | None) -> list[dict]:
    """The documented stations a claim is behind (or disputes)."""
    out = []
    for st in states(snap, as_of, known_at):
        if claim["id"] in st.station.claim_ids or any(d["id"] == claim["id"] for d in st.denied_by):
            out.append({"id": st.station.id, "label": st.station.label})
    return out


def _haystack(c: dict) -> str:
    return " ".join(filter(None, [
        (c.get("excerpt") or {}).get("text"), c.get("note"), c["said_by"]["name"],
        c["source"].get("title"), c["source"].get("publisher"),
        canonical_json([c["subject"], c["object"], c["scope"]]) if (c["subject"] or c["object"] or c["scope"]) else None,
    ])).casefold()


def matching_claims(snap: Snapshot, q: str, **filters):
    """Claims whose excerpt, note, speaker, source or place mentions `q` (case-insensitive),
    in stored order, streamed: the store narrows them down, each is confirmed on the claim
    as this reader sees it (a redacted name is not found)."""
    q = q.replace("\x00", "").strip()
    needle = q.casefold()
    if not needle:
        return
    for c in snap.reader.iter_claims(text=q, **filters):
        if needle in _haystack(c):
            yield c


def search_claims(snap: Snapshot, q: str, limit: int = 100) -> list[dict]:
    out = []
    for c in matching_claims(snap, q):
        out.append(c)
        if len(out) >= limit:
            break
    return out
