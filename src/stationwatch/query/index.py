"""The tally's claims, precomputed once per store version: figures at any date in milliseconds.

`query.tally`, `station_list` and `explain_country` over a `Store` come here. What they
need of the accepted claims does not depend on the as-of date: the stations (entity
resolution over every station claim), which claims belong to each, which denials dispute
them, and the reported figures grouped by speaker, predicate and scope. That is built once
per (store version, knowledge date, grades), streamed from the store, and kept in memory;
the as-of date then only selects: which evidence is in effect (bisection over each
station's sorted evidence), which closures and denials have started, which figures hold.
The store version is the head of the evidence ledger, which every write moves, so a
figure never lags a write. Only the station, count and network claims are held, in slim
form (no excerpts); explain and the station list fetch the full claims they print by id.

The answers are the answers of the plain functions in `query` (they share `documented`,
`_figure` and the assembly code); tests/test_query_index.py checks that on every as-of date
that matters.
"""
from __future__ import annotations

import bisect
import gc
import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, fields
from itertools import chain

from .. import dates, stations
from ..model import canonical_json

RELEVANT = ("station.", "count.", "network.")
EVENTS = ("response.", "cooperation.")  # kept too (slim), for the web app's timelines
_SOURCE_KEEP = ("title", "publisher", "url", "published")
_FAR = dt.date.max


def slim(c: dict) -> dict:
    """What the figures read of a claim (no excerpt, review or provenance detail)."""
    return {"id": c["id"], "predicate": c["predicate"], "subject": c["subject"], "object": c["object"],
            "value": c["value"], "scope": c["scope"], "qualifier": c["qualifier"], "stance": c["stance"],
            "said_by": c["said_by"], "valid": c["valid"],
            "source": {k: c["source"].get(k) for k in _SOURCE_KEEP}}


class _Station(stations.Station):
    """A station whose claims no longer change: its claim ids are listed once, not per call."""

    @classmethod
    def of(cls, s: stations.Station) -> "_Station":
        frozen = cls(**{f.name: getattr(s, f.name) for f in fields(stations.Station)})
        frozen._ids = [c["id"] for c in s.claims if "id" in c]
        return frozen

    @property
    def claim_ids(self) -> list[str]:
        return self._ids


@dataclass
class _StationIndex:
    station: stations.Station
    starts: list[dt.date]  # evidence (not closures), sorted by start
    max_end: list[dt.date]  # running maximum of the evidence's ends (open ends: _FAR)
    closures: list[tuple[dt.date, dict]]  # in the station's claim order
    denials: list[tuple[dt.date, dict]]  # denials that dispute this station, in claim order

    def present_evidence(self, as_of: dt.date) -> bool:
        k = bisect.bisect_right(self.starts, as_of)
        return k > 0 and self.max_end[k - 1] >= as_of


class TallyIndex:
    def __init__(self, claims: list[dict], judgements: list[dict] | None, others: dict[str, list] | None = None,
                 events: list[dict] | None = None):
        from . import claim_start
        start = {c["id"]: claim_start(c) for c in claims}
        end = {c["id"]: dates.end_of(c["valid"]["to"]) for c in claims}
        self.start = start
        self.claims, self.events = claims, events or []
        station_claims = [c for c in claims if c["predicate"].startswith("station.")]
        self.stations = [_Station.of(s) for s in stations.group(station_claims, judgements)]
        denied: dict[str, list] = defaultdict(list)
        for d in station_claims:
            if d["stance"] == "denies" and stations.is_station_claim(d):
                for s in stations.stations_denied_by(d, self.stations):
                    denied[s.id].append((start[d["id"]], d))
        self.by_station: list[_StationIndex] = []
        for s in self.stations:
            ev = sorted(((start[c["id"]], end[c["id"]] or _FAR) for c in s.claims
                         if c["predicate"] != "station.closed"), key=lambda x: x[0])
            running, max_end = dt.date.min, []
            for _, e in ev:
                running = max(running, e)
                max_end.append(running)
            closures = [(start[c["id"]], c) for c in s.claims if c["predicate"] == "station.closed"]
            self.by_station.append(_StationIndex(s, [b for b, _ in ev], max_end, closures, denied[s.id]))
        self.network = [(start[c["id"]], c) for c in claims if c["stance"] == "denies"
                        and (c["predicate"] == "network.policing_abroad"
                             or (c["predicate"].startswith("station.") and not stations.is_station_claim(c)))]
        # reported figures: (speaker, predicate, scope) -> (value, qualifier) -> claims, in claim order
        from . import speaker
        groups: dict[tuple, dict[tuple, list]] = defaultdict(lambda: defaultdict(list))
        for i, c in enumerate(claims):
            if c["predicate"].startswith("count.") and c["stance"] == "asserts":
                key = (speaker(c), c["predicate"], canonical_json(c["scope"] or {}))
                v = c["value"]
                v = v if v is None or isinstance(v, (bool, int, float, str)) else canonical_json(v)
                groups[key][(v, c["qualifier"])].append((i, start[c["id"]], end[c["id"]] or _FAR, c))
        self.groups = []
        for (who, predicate, _), figs in groups.items():
            figures = [_Figure(who, predicate, f) for f in figs.values()]
            opening = None
            if all(f.open for f in figures):
                ordered = sorted(figures, key=lambda f: f.starts[0])
                opening = ([f.starts[0] for f in ordered], ordered)
            self.groups.append((who, predicate, figures, opening))
        self.others = others or {}
        self._ids_memo: dict[tuple, list[str]] = {}
        self._json_memo: dict[tuple, dict] = {}
        self._network_starts = sorted(b for b, _ in self.network)
        self._network_memo: dict[int, list[str]] = {}
        self._answers = Answers(2048)

    def memo(self, key: tuple, compute):
        """An answer made from this index alone (web views), kept as long as the index."""
        return self._answers.get(key, compute)

    # -- per as-of date --------------------------------------------------------------------

    def state(self, station_id: str, as_of: dt.date):
        """One station's state, by id; None if no station has it."""
        if not hasattr(self, "_by_id"):
            self._by_id = {si.station.id: si for si in self.by_station}
        si = self._by_id.get(station_id)
        if si is None:
            return None
        from . import StationState
        closures = [c for b, c in si.closures if b <= as_of]
        return StationState(si.station, si.present_evidence(as_of) and not closures, closures,
                            [d for b, d in si.denials if b <= as_of])

    def states(self, as_of: dt.date, country: str | None = None) -> list:
        from . import StationState
        out = []
        for si in self.by_station:
            if country and si.station.country != country:
                continue
            closures = [c for b, c in si.closures if b <= as_of]
            present = si.present_evidence(as_of) and not closures
            out.append(StationState(si.station, present, closures, [d for b, d in si.denials if b <= as_of]))
        return out

    def reported(self, as_of: dt.date, history: bool = True) -> tuple[list[dict], list[dict]]:
        """`query.reported`: the figures in effect, and (with `history`) those superseded."""
        current, superseded = [], []
        for who, predicate, figures, opening in self.groups:
            if opening is not None and not history:
                # every figure's claims are open-ended: a figure holds from its earliest claim
                # on, and the figures in effect are those that started last
                starts, ordered = opening
                k = bisect.bisect_right(starts, as_of)
                if k == 0:
                    continue
                latest = starts[k - 1]
                j = bisect.bisect_left(starts, latest)
                live = sorted((f.at(as_of) for f in ordered[j:k]), key=lambda x: x[0])
                current += [(order, figure) for _, _, (figure, order) in live]
                continue
            live = [x for x in (f.at(as_of) for f in figures) if x is not None]
            if not live:
                continue
            live.sort(key=lambda x: x[0])  # as the plain function meets them: first claim first
            dated = sorted(live, key=lambda x: x[1])
            latest = dated[-1][1]
            for _, first, (figure, order) in dated:
                (current if first == latest else superseded).append((order, figure))
        # the plain function sorts by the same key, stably, from the same order
        return ([dict(f) for _, f in sorted(current, key=lambda x: x[0])],
                [dict(f) for _, f in sorted(superseded, key=lambda x: x[0])])

    def documented(self, states: list) -> dict:
        """`query.documented`, with each country's claim ids listed once per set of present
        stations rather than once per call."""
        present = [st for st in states if st.present]
        by_country: dict[str, int] = defaultdict(int)
        by_operator: dict[str, int] = defaultdict(int)
        in_country: dict[str, list] = defaultdict(list)
        for st in present:
            by_country[st.station.country] += 1
            by_operator[st.station.operator or "unknown"] += 1
            in_country[st.station.country].append(st.station)
        ids_by_country = {}
        for cc in sorted(in_country):
            key = tuple(id(s) for s in in_country[cc])
            ids = self._ids_memo.get(key)
            if ids is None:
                if len(self._ids_memo) > 20_000:
                    self._ids_memo.clear()
                ids = self._ids_memo[key] = list(dict.fromkeys(chain.from_iterable(
                    s.claim_ids for s in in_country[cc])))
            ids_by_country[cc] = list(ids)
        return {"stations": len(present), "countries": len(by_country),
                "by_country": dict(sorted(by_country.items())),
                "by_operator": dict(sorted(by_operator.items())),
                "claim_ids_by_country": ids_by_country,
                "station_list": [self._json(st) for st in present],
                "closed": [self._json(st) for st in states if st.closed_by],
                "contested": [st.station.id for st in present if st.denied_by]}

    def _json(self, st) -> dict:
        """`st.as_json()`, made once per station and state. The closures and denials in force
        are those started by the as-of date, so their number tells which they are."""
        key = (id(st.station), st.present, len(st.closed_by), len(st.denied_by))
        made = self._json_memo.get(key)
        if made is None:
            if len(self._json_memo) > 50_000:
                self._json_memo.clear()
            made = self._json_memo[key] = st.as_json()
        return dict(made)

    def network_denials(self, as_of: dt.date) -> list[dict]:
        return [c for b, c in self.network if b <= as_of]

    def network_ids(self, as_of: dt.date) -> list[str]:
        """The ids of `network_denials(as_of)`, made once per number of denials started."""
        k = bisect.bisect_right(self._network_starts, as_of)
        ids = self._network_memo.get(k)
        if ids is None:
            ids = self._network_memo[k] = [c["id"] for b, c in self.network if b <= as_of]
        return list(ids)

    def other_ids(self, country: str, as_of: dt.date) -> list[str]:
        return [cid for b, cid in self.others.get(country, ()) if b <= as_of]

    def accepted(self, prefixes: tuple[str, ...]) -> list[dict]:
        """The index's slim claims (station, count, network, response and cooperation claims)
        whose predicate starts with one of `prefixes`, in store order within each kind."""
        return [c for c in chain(self.claims, self.events) if c["predicate"].startswith(prefixes)]

    def holds(self, claim_id: str) -> bool:
        """Does any figure or explanation of this index read the claim?"""
        if not hasattr(self, "_other_ids"):
            self._other_ids = {cid for pairs in self.others.values() for _, cid in pairs}
        return claim_id in self.start or claim_id in self._other_ids


class _Figure:
    """One figure (a value a speaker gave for a predicate and scope) and the claims giving it."""

    def __init__(self, who: str, predicate: str, claims: list[tuple]):
        self.who, self.predicate, self.claims = who, predicate, claims  # (index, start, end, claim)
        self.open = all(e is _FAR for _, _, e, _ in claims)
        by_start = sorted(claims, key=lambda x: x[1])
        self.starts = [b for _, b, _, _ in by_start]
        self.by_start = by_start
        self.first_index, low = [], None
        for i, _, _, _ in by_start:
            low = i if low is None else min(low, i)
            self.first_index.append(low)
        self.memo: dict[int, tuple[dict, tuple]] = {}

    def _make(self, cs: list[tuple]) -> tuple[dict, tuple]:
        from . import _figure
        f = _figure(self.who, self.predicate, [c for _, _, _, c in sorted(cs, key=lambda x: x[0])])
        return f, (f["predicate"], canonical_json(f["scope"]), f["said_by"], f["valid_from"] or "")

    def at(self, as_of: dt.date):
        """(first claim's index, earliest start, (figure, sort key)) of the claims in effect, or None."""
        if self.open:  # the claims in effect are those started: a prefix in start order
            k = bisect.bisect_right(self.starts, as_of)
            if k == 0:
                return None
            made = self.memo.get(k)
            if made is None:
                made = self.memo[k] = self._make(self.by_start[:k])
            return self.first_index[k - 1], self.starts[0], made
        cs = [x for x in self.claims if x[1] <= as_of <= x[2]]
        if not cs:
            return None
        return cs[0][0], min(x[1] for x in cs), self._make(cs)


class Answers:
    """Answers memoized by key, the least recently used dropped first past `size`; safe
    across threads (two threads may both compute a missing answer; one is kept)."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute):
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = compute()
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value


class _QuietGC:
    """Cyclic garbage collection paused while a figure is computed from the index.

    A tally allocates some hundred thousand short-lived lists and dicts, none in a cycle
    (reference counting frees them); left on, the collector would walk every long-lived
    object of the process many times per tally, which at a million claims is most of its
    cost at the 95th percentile. Paused and resumed by the last thread to leave."""

    def __init__(self):
        self._depth, self._lock, self._was_enabled = 0, threading.Lock(), False

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc):
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


quiet_gc = _QuietGC()


# -- the cache -----------------------------------------------------------------------------

_cache: OrderedDict[tuple, tuple[object, TallyIndex]] = OrderedDict()
_lock = threading.Lock()
CACHE_SIZE = 6


def version_of(store) -> tuple:
    """A store's version: the head of its evidence ledger, which every write moves."""
    head = store.ledger_head()
    return (head["seq"], head["hash"]) if head else (0, None)


def _build(store, known_at, grades) -> TallyIndex:
    from . import _about_country, claim_start
    relevant, others, events = [], defaultdict(list), []
    for c in store.iter_claims(status="accepted", known_at=known_at, min_reliability=grades.min_reliability,
                               max_credibility=grades.max_credibility):
        if c["predicate"].startswith(RELEVANT):
            relevant.append(slim(c))
        elif c["predicate"].startswith(EVENTS):
            events.append(slim(c))
        if not c["predicate"].startswith(("station.", "count.")):
            for cc in {(c.get(p) or {}).get("country") for p in ("subject", "object", "scope")} - {None}:
                if _about_country(c, cc):
                    others[cc].append((claim_start(c), c["id"]))
    return TallyIndex(relevant, store.judgements(), dict(others), events)


# Writes that never change which claims an index reads. An accepted claim recorded, a
# review decision about a claim the index holds or one that accepts, a people's judgement,
# anything unknown: those do. Grades matter to an index that filters by them; the register
# of names to protect, to the public view's.
_NEUTRAL = frozenset({"document.stored", "capture.stored", "source.recorded", "user.added", "user.changed",
                      "secret.created"})
CARRY_LIMIT = 10_000  # ledger entries read to decide; past that the index is rebuilt


def _changes_index(entry: dict, index: TallyIndex, *, public: bool, graded: bool) -> bool:
    event, payload = entry["event"], entry["payload"]
    if event in _NEUTRAL:
        return False
    if event in ("sensitive.added", "sensitive.removed"):
        return public
    if event in ("claim.graded", "source.graded"):
        return graded
    if event == "claim.recorded":
        return payload.get("status") == "accepted"
    if event == "claim.reviewed":
        return payload.get("status") == "accepted" or index.holds(entry["ref"])
    return True


def _carries_over(store, old: tuple, new: tuple, index: TallyIndex, key: tuple) -> bool:
    """Whether `index`, made at version `old`, is also the index at `new`: the ledger between
    them is the one the index was made on, extended by writes that leave its claims alone
    (ingesting candidates, rejecting them, accounts). Most writes of a large record are those."""
    (old_seq, old_hash), (new_seq, new_hash) = old, new
    if not old_seq or new_seq <= old_seq or new_seq - old_seq > CARRY_LIMIT:
        return False
    first = store.ledger_entry(old_seq)
    if first is None or first["hash"] != old_hash:
        return False
    entries = [e for e in store.ledger_since(old_seq, limit=new_seq - old_seq) if e["seq"] <= new_seq]
    if len(entries) != new_seq - old_seq or entries[-1]["hash"] != new_hash:
        return False
    from . import ANY_GRADE
    public, graded = bool(getattr(store, "public", False)), key[2] != ANY_GRADE
    return not any(_changes_index(e, index, public=public, graded=graded) for e in entries)


def indexed(store, known_at: dt.date | None, grades) -> TallyIndex:
    """The index of `store` at its current version, built on first use and kept; carried over
    to a new version when the writes since leave its claims as they were."""
    key = (store.url, known_at, grades)
    version = version_of(store)
    with _lock:
        hit = _cache.get(key)
        if hit and (hit[0] == version or _carries_over(store, hit[0], version, hit[1], key)):
            _cache[key] = (version, hit[1])
            _cache.move_to_end(key)
            return hit[1]
        index = _build(store, known_at, grades)
        # Hundreds of thousands of long-lived objects: keep the cyclic garbage collector from
        # walking them again and again (an index holds no reference cycles, so nothing leaks).
        gc.freeze()
        _cache[key] = (version, index)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return index


def clear() -> None:
    with _lock:
        _cache.clear()
