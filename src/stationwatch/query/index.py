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
import os
import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, fields
from itertools import chain

from .. import dates, stations
from ..model import canonical_json
from . import StationState  # the package is loaded first, and it loads this module only when called

RELEVANT = ("station.", "count.", "network.")
EVENTS = ("response.", "cooperation.")  # kept too (slim), for the web app's timelines
_FAR = dt.date.max


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

    def state(self, as_of: dt.date) -> StationState:
        """The station's state on `as_of`: present, closed, disputed."""
        closures = [c for b, c in self.closures if b <= as_of]
        return StationState(self.station, self.present_evidence(as_of) and not closures, closures,
                            [d for b, d in self.denials if b <= as_of])


class TallyIndex:
    """The figures' claims of one store version, arranged for any as-of date. Built from the
    claims in store order (`claims`, `events`, `others`) with every held claim's order key
    (`keys`), so that `updated` can put a changed claim in its place and rebuild only the
    parts it touches."""

    def __init__(self, claims: list[dict], keys: dict[str, tuple], judgements: list[dict] | None,
                 others: dict[str, list] | None = None, events: list[dict] | None = None):
        self.claims, self.events, self.others, self.keys = claims, events or [], others or {}, keys
        self.judgements = judgements
        self.start, self.end = {}, {}
        for c in claims:
            self._hold_dates(c)
        self.station_claims: dict[str | None, list[dict]] = defaultdict(list)
        for c in claims:
            if c["predicate"].startswith("station."):
                self.station_claims[stations.place_of(c)[0]].append(c)
        found: dict[str, list] = defaultdict(list)
        for s in stations.group([c for c in claims if c["predicate"].startswith("station.")], judgements):
            found[s.country].append(_Station.of(s))
        # a person may merge stations of two countries; then no country's stations can be
        # regrouped alone, and every change rebuilds
        self.linked = any(stations.place_of(c)[0] != cc for cc, ss in found.items() for s in ss for c in s.claims)
        self.parts = {cc: self._station_part(ss, self.station_claims.get(cc, ())) for cc, ss in found.items()}
        self.network = [(self.start[c["id"]], c) for c in claims if stations.is_network_denial(c)]
        entries: dict[tuple, list] = defaultdict(list)
        for c in claims:
            if _reported(c):
                entries[_group_key(c)].append(self._entry(c))
        self.groups = {g: _group(g, es) for g, es in entries.items()}
        self._arrange()

    def _arrange(self) -> None:
        """What is derived from the parts, and the memos, empty."""
        self.stations = [s for cc in sorted(self.parts) for s in self.parts[cc][0]]
        self.by_station: list[_StationIndex] = [si for cc in sorted(self.parts) for si in self.parts[cc][1]]
        self._by_id = {si.station.id: si for si in self.by_station}
        self._ids_memo: dict[tuple, list[str]] = {}
        self._json_memo: dict[tuple, dict] = {}
        self._network_starts = sorted(b for b, _ in self.network)
        self._network_memo: dict[int, list[str]] = {}
        self._answers = Answers(2048)
        self._claims_by_id: dict[str, dict] | None = None

    def _hold_dates(self, c: dict) -> None:
        """When the claim starts to hold, and when it ends (None: open)."""
        from . import claim_start
        self.start[c["id"]], self.end[c["id"]] = claim_start(c), dates.end_of(c["valid"]["to"])

    def _entry(self, c: dict) -> tuple:
        return (self.keys[c["id"]], self.start[c["id"]], self.end[c["id"]] or _FAR, c)

    def _station_part(self, found: list[stations.Station], claims) -> tuple[list, list]:
        """One country's stations and their indexes: evidence by date, closures, denials."""
        denied: dict[str, list] = defaultdict(list)
        for d in claims:
            if d["stance"] == "denies" and stations.is_station_claim(d):
                for s in stations.stations_denied_by(d, found):
                    denied[s.id].append((self.start[d["id"]], d))
        out = []
        for s in found:
            ev = sorted(((self.start[c["id"]], self.end[c["id"]] or _FAR) for c in s.claims
                         if c["predicate"] != "station.closed"), key=lambda x: x[0])
            running, max_end = dt.date.min, []
            for _, e in ev:
                running = max(running, e)
                max_end.append(running)
            closures = [(self.start[c["id"]], c) for c in s.claims if c["predicate"] == "station.closed"]
            out.append(_StationIndex(s, [b for b, _ in ev], max_end, closures, denied[s.id]))
        return found, out

    # -- a new version from this one -------------------------------------------------------

    def updated(self, fresh: list[tuple[tuple, dict]], touched: set[str]) -> "TallyIndex | None":
        """This index with the claims `touched` as they are now. `fresh` are those of them that
        it reads now (accepted, known by its date, of its grades), slim claims with their order
        keys. Only what they touch is made again: the stations of their countries, their
        reported figures, the network denials, their countries' other claims. None when that
        cannot be done (stations merged across countries): build afresh."""
        if self.linked:
            return None
        new = object.__new__(TallyIndex)
        keys = dict(self.keys)
        for i in touched:
            keys.pop(i, None)
        relevant, events, others = _sort_out(fresh, keys)
        held = sorted(self.keys[i] for i in touched if i in self.keys)
        new.keys, new.judgements, new.linked = keys, self.judgements, False
        new.claims, dropped = _merged(self.claims, _claim_id, self.keys, keys, held, relevant)
        new.events, _ = _merged(self.events, _claim_id, self.keys, keys, held, events)
        new.start, new.end = dict(self.start), dict(self.end)
        for c in dropped:
            del new.start[c["id"]], new.end[c["id"]]
        for _, c in relevant:
            new._hold_dates(c)
        changed = dropped + [c for _, c in relevant]
        new.station_claims, new.parts = dict(self.station_claims), dict(self.parts)
        for cc in {stations.place_of(c)[0] for c in changed if c["predicate"].startswith("station.")}:
            new._regroup(cc, self, held, [(k, c) for k, c in relevant if c["predicate"].startswith("station.")
                                          and stations.place_of(c)[0] == cc])
        new.network, _ = _merged(self.network, lambda x: x[1]["id"], self.keys, keys, held,
                                 [(k, (new.start[c["id"]], c)) for k, c in relevant if stations.is_network_denial(c)])
        new.groups = dict(self.groups)
        for g in {_group_key(c) for c in changed if _reported(c)}:
            figures = self.groups[g][2] if g in self.groups else []
            kept = [x for f in figures for x in f.claims if x[3]["id"] not in touched]
            entries = sorted(kept + [new._entry(c) for _, c in relevant if _reported(c) and _group_key(c) == g],
                             key=lambda x: x[0])
            if entries:
                new.groups[g] = _group(g, entries)
            else:
                new.groups.pop(g, None)
        new.others = {}
        for cc in set(self.others) | set(others):
            lst, _ = _merged(self.others.get(cc, []), lambda x: x[1], self.keys, keys, held, others.get(cc, []))
            if lst:
                new.others[cc] = lst
        new._arrange()
        # an order key's fourth part is the claim's predicate
        new._answers = self._answers.carried({k[3] for k in held} | {k[3] for k, _ in fresh})
        return new

    def _regroup(self, cc: str | None, old: "TallyIndex", held: list[tuple], added: list[tuple]) -> None:
        claims, _ = _merged(old.station_claims.get(cc, []), _claim_id, old.keys, self.keys, held, added)
        if claims:
            self.station_claims[cc] = claims
        else:
            self.station_claims.pop(cc, None)
        self.parts.pop(cc, None)
        if cc is not None and claims:
            found = [_Station.of(s) for s in stations.group(claims, self.judgements)]
            if found:
                self.parts[cc] = self._station_part(found, claims)

    def memo(self, key: tuple, compute, reads: tuple[str, ...] | None = None):
        """An answer made from this index alone (web views), kept as long as the index; one
        that reads only the claims whose predicates start with `reads` is also kept by the
        index updated from this one when no such claim changed."""
        return self._answers.get(key, lambda: _long_lived(compute()), reads)

    # -- per as-of date --------------------------------------------------------------------

    def state(self, station_id: str, as_of: dt.date):
        """One station's state, by id; None if no station has it."""
        si = self._by_id.get(station_id)
        return None if si is None else si.state(as_of)

    def states(self, as_of: dt.date, country: str | None = None) -> list:
        return [si.state(as_of) for si in self.by_station if not country or si.station.country == country]

    def reported(self, as_of: dt.date, history: bool = True) -> tuple[list[dict], list[dict]]:
        """`query.reported`: the figures in effect, and (with `history`) those superseded."""
        current, superseded = [], []
        for who, predicate, figures, opening in self.groups.values():
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

    def claim(self, claim_id: str) -> dict | None:
        """The slim claim with this id, if the index holds it (by id, made on first use)."""
        if self._claims_by_id is None:
            self._claims_by_id = {c["id"]: c for c in chain(self.claims, self.events)}
        return self._claims_by_id.get(claim_id)

    def holds(self, claim_id: str) -> bool:
        """Does any figure, explanation or timeline of this index read the claim?"""
        return claim_id in self.keys


def _claim_id(c: dict) -> str:
    return c["id"]


def _merged(items: list, ident, old_keys: dict, new_keys: dict, held: list[tuple], added: list[tuple]):
    """`items` (in their claims' store order; `ident` gives an item's claim id) without the
    items of the claims whose old order keys are `held`, and with `added` ((key, item) pairs)
    in their places; and the items taken out."""
    out, dropped = list(items), []
    for k in reversed(held):
        j = bisect.bisect_left(out, k, key=lambda x: old_keys[ident(x)])
        if j < len(out) and old_keys[ident(out[j])] == k:
            dropped.append(out.pop(j))
    for k, item in sorted(added, key=lambda x: x[0]):
        out.insert(bisect.bisect_left(out, k, key=lambda x: new_keys[ident(x)]), item)
    return out, dropped


def _sort_out(keyed_claims, keys: dict) -> tuple[list, list, dict]:
    """Slim claims (`store.slim_claim`), with their order keys, sorted into what an index
    holds: the figures' claims and the timelines' events ((key, claim) pairs), and per
    country the other claims about it ((key, (start, id)) pairs). Each held claim's key
    goes into `keys`."""
    from . import claim_start
    relevant, events, others = [], [], defaultdict(list)
    for key, c in keyed_claims:
        predicate, held = c["predicate"], False
        if predicate.startswith(RELEVANT):
            relevant.append((key, c))
            held = True
        elif predicate.startswith(EVENTS):
            events.append((key, c))
            held = True
        if not predicate.startswith(("station.", "count.")):
            # the countries it is about (`query._about_country`)
            for cc in {(c.get(p) or {}).get("country") for p in ("subject", "object", "scope")} - {None}:
                others[cc].append((key, (claim_start(c), c["id"])))
                held = True
        if held:
            keys[c["id"]] = key
    return relevant, events, others


def _reported(c: dict) -> bool:
    return c["predicate"].startswith("count.") and c["stance"] == "asserts"


def _group_key(c: dict) -> tuple:
    """A reported figure's group: who gives it, for which predicate and scope."""
    from . import speaker
    return (speaker(c), c["predicate"], canonical_json(c["scope"] or {}))


def _group(g: tuple, entries: list[tuple]) -> tuple:
    """A group's figures ((key, start, end, claim) entries in store order, by value given)."""
    who, predicate, _ = g
    by_value: dict[tuple, list] = defaultdict(list)
    for e in entries:
        v = e[3]["value"]
        v = v if v is None or isinstance(v, (bool, int, float, str)) else canonical_json(v)
        by_value[(v, e[3]["qualifier"])].append(e)
    figures = [_Figure(who, predicate, f) for f in by_value.values()]
    opening = None
    if all(f.open for f in figures):
        ordered = sorted(figures, key=lambda f: f.starts[0])
        opening = ([f.starts[0] for f in ordered], ordered)
    return who, predicate, figures, opening


class _Figure:
    """One figure (a value a speaker gave for a predicate and scope) and the claims giving it."""

    def __init__(self, who: str, predicate: str, claims: list[tuple]):
        self.who, self.predicate, self.claims = who, predicate, claims  # (order key, start, end, claim)
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
    across threads (two threads may both compute a missing answer; one is kept). An answer
    may say which claims it reads (`reads`: predicate prefixes), so that it can outlive a
    change to other claims (`carried`)."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[tuple, tuple[object, tuple | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute, reads: tuple[str, ...] | None = None):
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key][0]
        value = compute()
        with self._lock:
            self._kept[key] = (value, reads)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def carried(self, changed: set[str]) -> "Answers":
        """The answers that read none of the `changed` predicates, in a memo of their own."""
        out = Answers(self.size)
        with self._lock:
            out._kept.update((k, v) for k, v in self._kept.items()
                             if v[1] is not None and not any(p.startswith(v[1]) for p in changed))
        return out


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


def _long_lived(answer):
    """An answer kept as long as its index, moved out of the cyclic garbage collector's view
    like the index itself: a timeline at a million claims is some 300,000 dicts and lists,
    which every full collection would otherwise walk (half a second, every few requests).
    Cycles among the young objects are collected first, so that none is frozen with it."""
    gc.collect(1)
    gc.freeze()
    return answer


# -- the cache -----------------------------------------------------------------------------

_cache: OrderedDict[tuple, tuple[object, TallyIndex]] = OrderedDict()
_lock = threading.Lock()
CACHE_SIZE = 6
# Claims held by all kept indexes together: each knowledge date or grade filter asked for
# has an index of its own, about 2 kB a claim; past this the least recently used go (the
# one in use stays, however large). 1.5 million claims: about 3 GB.
CACHE_CLAIMS = int(os.environ.get("STATIONWATCH_INDEX_CLAIMS", "1500000"))


def version_of(store) -> tuple:
    """A store's version: the head of its evidence ledger, which every write moves."""
    head = store.ledger_head()
    return (head["seq"], head["hash"]) if head else (0, None)


def _build(store, known_at, grades) -> TallyIndex:
    keys: dict[str, tuple] = {}
    relevant, events, others = _sort_out(store.iter_claims(
        keyed=True, slim=True, status="accepted", known_at=known_at, min_reliability=grades.min_reliability,
        max_credibility=grades.max_credibility), keys)
    return TallyIndex([c for _, c in relevant], keys, store.judgements(),
                      {cc: [e for _, e in es] for cc, es in others.items()}, [c for _, c in events])


# Writes that never change which claims an index reads. A claim recorded as accepted, a
# review or grading of a claim changes at most that claim (the index is updated in place);
# a people's judgement, a source's grade, anything unknown changes more (it is rebuilt).
# Grades matter to an index that filters by them; the register of names to protect, to the
# public view's.
_NEUTRAL = frozenset({"document.stored", "capture.stored", "source.recorded", "user.added", "user.changed",
                      "secret.created"})
CARRY_LIMIT = 10_000  # ledger entries read to decide; past that the index is rebuilt
UPDATE_LIMIT = 2_000  # claims changed; past that, rebuilding is about as quick


def _touches(entry: dict, index: TallyIndex, *, public: bool, graded: bool) -> bool | None:
    """Whether a ledger entry changes the claim it names for `index` (True), leaves the index
    as it is (False), or changes more than that claim (None)."""
    event, payload = entry["event"], entry["payload"]
    if event in _NEUTRAL:
        return False
    if event in ("sensitive.added", "sensitive.removed"):
        return None if public else False
    if event == "source.graded":
        return None if graded else False
    if event == "claim.graded":
        return graded
    if event == "claim.recorded":
        return payload.get("status") == "accepted"
    if event == "claim.reviewed":
        return payload.get("status") == "accepted" or index.holds(entry["ref"])
    return None


def _touched(store, old: tuple, new: tuple, index: TallyIndex, key: tuple) -> set[str] | None:
    """The claims whose changes between versions `old` (the index's) and `new` the index must
    take in, when the ledger between them extends the one the index was made on and its
    writes change single claims only (ingesting, reviewing, grading); else None. Most writes
    of a large record change no claim the index reads: the set is then empty."""
    (old_seq, old_hash), (new_seq, new_hash) = old, new
    if not old_seq or new_seq <= old_seq or new_seq - old_seq > CARRY_LIMIT:
        return None
    first = store.ledger_entry(old_seq)
    if first is None or first["hash"] != old_hash:
        return None
    entries = [e for e in store.ledger_since(old_seq, limit=new_seq - old_seq) if e["seq"] <= new_seq]
    if len(entries) != new_seq - old_seq or entries[-1]["hash"] != new_hash:
        return None
    from . import ANY_GRADE
    public, graded = bool(getattr(store, "public", False)), key[2] != ANY_GRADE
    touched = set()
    for e in entries:
        verdict = _touches(e, index, public=public, graded=graded)
        if verdict is None:
            return None
        if verdict:
            touched.add(e["ref"])
    return touched if len(touched) <= UPDATE_LIMIT else None


def _brought_up(store, version: tuple, hit: tuple, key: tuple) -> TallyIndex | None:
    """The cached index `hit` ((version, index)) brought to `version` in place, if it can be."""
    old, index = hit
    if old == version:
        return index
    touched = _touched(store, old, version, index, key)
    if not touched:
        return None if touched is None else index
    _, known_at, grades = key
    fresh = list(store.iter_claims(ids=sorted(touched), keyed=True, slim=True, status="accepted", known_at=known_at,
                                   min_reliability=grades.min_reliability, max_credibility=grades.max_credibility))
    return index.updated(fresh, touched)


def indexed(store, known_at: dt.date | None, grades) -> TallyIndex:
    """The index of `store` at its current version: built on first use and kept; brought up
    to a new version in place when the writes since change single claims, carried over as it
    is when they change none of its claims."""
    key = (store.url, known_at, grades)
    version = version_of(store)
    with _lock:
        hit = _cache.get(key)
        index = _brought_up(store, version, hit, key) if hit else None
        if index is None:
            index = _build(store, known_at, grades)
        # Hundreds of thousands of long-lived objects: keep the cyclic garbage collector from
        # walking them again and again (an index holds no reference cycles, so nothing leaks).
        if index is not (hit and hit[1]):
            gc.freeze()
        _cache[key] = (version, index)
        _cache.move_to_end(key)
        while len(_cache) > 1 and (len(_cache) > CACHE_SIZE or
                                   sum(len(kept.keys) for _, kept in _cache.values()) > CACHE_CLAIMS):
            _cache.popitem(last=False)
        return index


def clear() -> None:
    with _lock:
        _cache.clear()
