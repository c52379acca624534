"""Entity resolution for stations: mentions → records → scored pairs → clusters.

1. **Mentions** (one per station claim, or per row of a test set) get a canonical place
   (places.canonical) and operator (operators.canonical_operator).
2. **Records**: mentions with the same country, canonical place, operator and era are one
   record; its id is the station id of that key, so it is stable. Eras: a `station.opened`
   dated after a `station.closed` of the same place and operator starts a new era, i.e. a
   new station (a station closed in 2022 and one opened in 2024 by the same bureau in the
   same city are two stations; claims go to the one their date falls in). Mentions naming
   no operator are cut at every such date of their city.
3. **Blocking**: records are compared only within their block (country + canonical city);
   records whose place is unknown are also compared with records of the same country
   whose names share their first three letters, so a typo the gazetteer missed still
   meets its city. Never all pairs.
4. **Scoring** (score.score): a number with its reasons, or a conflict.
5. **Clustering** (union-find under cannot-link constraints), recomputed from scratch
   every time, so every merge is reversible:
   - "same" judgements first (a person's word overrides the scorer's conflicts);
   - then automatic links scoring at least the threshold, best first;
   - a "different" judgement is never crossed, nor (automatically) a scored conflict;
   - a vaguer record (no operator, or the city where another record names a district)
     joins the one station it fits, preferring stations at the very place it names; if it
     names no operator and fits several stations that cannot be one (Milan with no
     bureau, where Wenzhou and Qingtian both run one), it joins none and is *attached* to
     all of them, as the identity rule has always done; if it names an operator, it stays
     a station of its own and its candidate pairs wait for a person.
   "unsure" judgements are remembered (the pair is not listed again) and change nothing.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from ..stations import fold, station_id
from .operators import canonical_operator
from .places import CanonicalPlace, canonical, transliterations
from .score import PairScore, score

DEFAULT_THRESHOLD = 0.8
PREFIX = 3


@dataclass(frozen=True)
class Mention:
    """One statement that a station exists somewhere: a claim, a table row, a test case."""
    id: str
    country: str
    locality: str | None
    operator: str | None = None
    when: dt.date | None = None  # the date the mention is about (valid.from, else publication)
    kind: str = "seen"  # seen | opened | closed


@dataclass
class Record:
    """Mentions that are the same station by key: country, canonical place, operator, era."""
    id: str
    country: str
    place: CanonicalPlace
    operator: str | None
    era: int
    start: dt.date | None  # the era's bounds: [start, end)
    end: dt.date | None
    mentions: list[Mention] = field(default_factory=list)

    @property
    def specificity(self) -> int:
        return (self.operator is not None) + (self.place.district is not None)

    @property
    def opened(self) -> list[dt.date]:
        return [m.when for m in self.mentions if m.kind == "opened" and m.when]

    @property
    def closed(self) -> list[dt.date]:
        return [m.when for m in self.mentions if m.kind == "closed" and m.when]

    @property
    def names(self) -> list[str]:
        """The locality strings the mentions used, most frequent first."""
        return [n for n, _ in Counter(m.locality for m in self.mentions if m.locality).most_common()]

    @property
    def sample_name(self) -> str:
        return (self.names or [self.place.locality or "?"])[0]

    @cached_property
    def match_names(self) -> list[str]:
        names = {fold(self.place.locality) or ""}
        for n in self.names[:5]:
            names.add(fold(n) or "")
            names.update(fold(t) or "" for t in transliterations(n))
        return sorted(n for n in names if n)

    @property
    def label(self) -> str:
        where = self.place.locality or "?"
        return f"{where}, {self.country}" + (f" ({self.operator})" if self.operator else "") + \
            (f" #{self.era + 1}" if self.era else "")

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "country": self.country, "locality": self.place.locality,
                "city": self.place.city, "district": self.place.district, "operator": self.operator,
                "era": self.era + 1, "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None, "known_place": self.place.known,
                "via": self.place.via, "names": self.names, "mentions": [m.id for m in self.mentions]}


@dataclass
class Cluster:
    """One station: records merged, and vaguer records attached (shared with other stations)."""
    id: str
    country: str
    locality: str | None
    city: str | None
    operator: str | None
    era: int
    records: list[Record]
    attached: list[Record] = field(default_factory=list)

    @property
    def mentions(self) -> list[Mention]:
        return [m for r in self.records for m in r.mentions]

    @property
    def label(self) -> str:
        where = self.locality or "?"
        return f"{where}, {self.country}" + (f" ({self.operator})" if self.operator else "") + \
            (f" #{self.era + 1}" if self.era else "")

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "country": self.country, "locality": self.locality,
                "city": self.city, "operator": self.operator, "era": self.era + 1,
                "records": [r.as_json() for r in self.records],
                "attached": [r.as_json() for r in self.attached]}


@dataclass
class Resolution:
    records: dict[str, Record]
    pairs: list[PairScore]
    clusters: list[Cluster]
    threshold: float
    skipped: list[Mention] = field(default_factory=list)  # mentions without a locality

    @cached_property
    def cluster_of_record(self) -> dict[str, str]:
        return {r.id: c.id for c in self.clusters for r in c.records}

    @cached_property
    def attached_to(self) -> dict[str, set[str]]:
        """Record id → the stations a vague record is attached to."""
        out: dict[str, set[str]] = defaultdict(set)
        for c in self.clusters:
            for r in c.attached:
                out[r.id].add(c.id)
        return dict(out)

    def mention_clusters(self) -> dict[str, str]:
        """Mention id → cluster id. A record attached to several stations is its own group."""
        out = {}
        for r in self.records.values():
            cid = self.cluster_of_record.get(r.id, "attached:" + r.id)
            for m in r.mentions:
                out[m.id] = cid
        return out


# -- building records ---------------------------------------------------------------------

def _records(mentions: Iterable[Mention]) -> tuple[dict[str, Record], list[Mention]]:
    groups: dict[tuple, list[tuple[Mention, CanonicalPlace, str | None]]] = defaultdict(list)
    skipped = []
    for m in mentions:
        place = canonical(m.country, m.locality)
        if place.locality is None:
            skipped.append(m)
            continue
        op = canonical_operator(m.operator)
        groups[(place.country, place.key, fold(op))].append((m, place, op))
    # eras: an opening after a closure of the same place and operator starts a new station
    own: dict[tuple, list[dt.date]] = {}
    by_block: dict[tuple, set[dt.date]] = defaultdict(set)
    for key, items in groups.items():
        closures = [m.when for m, _, _ in items if m.kind == "closed" and m.when]
        cuts = sorted({m.when for m, _, _ in items if m.kind == "opened" and m.when
                       and any(c < m.when for c in closures)})
        own[key] = cuts
        by_block[(key[0], items[0][1].block)].update(cuts)
    records: dict[str, Record] = {}
    for key, items in groups.items():
        place0 = _representative(items)
        cuts = own[key] if key[2] is not None else sorted(by_block[(key[0], place0.block)])
        operator = _most_common([o for _, _, o in items if o]) if key[2] else None
        by_era: dict[int, Record] = {}
        for m, place, op in items:
            era = bisect.bisect_right(cuts, m.when) if (cuts and m.when) else 0
            rec = by_era.get(era)
            if rec is None:
                rid = station_id(key[0], place0.locality, operator, era)
                rec = by_era[era] = records[rid] = Record(rid, key[0], place0, operator, era,
                                                          cuts[era - 1] if era > 0 else None,
                                                          cuts[era] if era < len(cuts) else None)
            rec.mentions.append(m)
    return records, skipped


def _representative(items) -> CanonicalPlace:
    """The place of a group of mentions with one canonical key: a known place first."""
    places = [p for _, p, _ in items]
    known = [p for p in places if p.known]
    return (known or places)[0]


def _most_common(values: list[str]) -> str | None:
    return Counter(values).most_common(1)[0][0] if values else None


# -- blocking and scoring -----------------------------------------------------------------

def candidate_pairs(records: dict[str, Record]) -> list[tuple[Record, Record]]:
    blocks: dict[tuple, list[Record]] = defaultdict(list)
    prefixes: dict[tuple, list[Record]] = defaultdict(list)
    for r in records.values():
        blocks[(r.country, r.place.block)].append(r)
        for n in r.match_names:
            if n.isascii():
                prefixes[(r.country, n[:PREFIX])].append(r)
    seen: set[tuple[str, str]] = set()
    out = []

    def add(a: Record, b: Record) -> None:
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if a.id != b.id and key not in seen:
            seen.add(key)
            out.append((a, b) if a.id < b.id else (b, a))

    for members in blocks.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                add(a, b)
    for members in prefixes.values():
        unknown = [r for r in members if not r.place.known]
        if not unknown or len(members) < 2:
            continue
        members = list({r.id: r for r in members}.values())
        for a in unknown:
            for b in members:
                if b.place.block != a.place.block:
                    add(a, b)
    return out


# -- clustering ---------------------------------------------------------------------------

class _Constrained:
    """Union-find where some pairs of sets must never be joined."""

    def __init__(self, ids: Iterable[str], named: dict[str, bool]):
        self.parent = {i: i for i in ids}
        self.named = dict(named)  # root → whether some record of the set names its operator
        self.hard: dict[str, set[str]] = defaultdict(set)  # a person said "different"
        self.soft: dict[str, set[str]] = defaultdict(set)  # the scorer found a conflict

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def forbid(self, a: str, b: str, hard: bool) -> None:
        table = self.hard if hard else self.soft
        table[a].add(b)
        table[b].add(a)

    def blocked(self, x: str, y: str, *, soft_too: bool) -> bool:
        rx, ry = self.find(x), self.find(y)
        tables = (self.hard, self.soft) if soft_too else (self.hard,)
        for table in tables:
            small, other = (rx, ry) if len(table[rx]) <= len(table[ry]) else (ry, rx)
            if any(self.find(z) == other for z in table[small]):
                return True
        return False

    def union(self, x: str, y: str) -> str:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return rx
        if rx > ry:
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.named[rx] = self.named[rx] or self.named.pop(ry, False)
        for table in (self.hard, self.soft):
            table[rx] |= table.pop(ry, set())
        return rx


def _less_specific(a: Record, b: Record) -> bool:
    """a is vaguer than b: it names no operator where b names one, or (naming the same
    operator or none) it names the city where b names a district of it."""
    if a.operator is None and b.operator is not None:
        return True
    same_op = fold(a.operator) == fold(b.operator)
    return same_op and a.place.district is None and b.place.district is not None


def _resolve_ids(judgements, records: dict[str, Record], alias: dict[str, str]) -> list[tuple[str, str, str, object]]:
    out = []
    for j in sorted(judgements, key=lambda j: (str(j.get("judged_at") or ""), j.get("id") or 0)):
        left = j["left_id"] if j["left_id"] in records else alias.get(j["left_id"])
        right = j["right_id"] if j["right_id"] in records else alias.get(j["right_id"])
        if left and right and left != right:
            out.append((left, right, j["judgement"], j))
    return out


def resolve(mentions: Iterable[Mention], judgements: Iterable[dict] = (), *,
            threshold: float = DEFAULT_THRESHOLD) -> Resolution:
    records, skipped = _records(mentions)
    pairs = [score(a, b) for a, b in candidate_pairs(records)]
    judgements = list(judgements or ())
    alias: dict[str, str] = {}
    if any(j["left_id"] not in records or j["right_id"] not in records for j in judgements):
        # a judgement may name a station id that is not a record id (a station whose
        # locality and operator came from different records): its records stand for it
        for c in _cluster(records, pairs, [], threshold):
            alias.setdefault(c.id, c.records[0].id)
    judged = _resolve_ids(judgements, records, alias)
    clusters = _cluster(records, pairs, judged, threshold)
    return Resolution(records, pairs, clusters, threshold, skipped)


def _cluster(records: dict[str, Record], pairs: list[PairScore], judged, threshold: float) -> list[Cluster]:
    uf = _Constrained(records, {rid: r.operator is not None for rid, r in records.items()})
    different = set()
    for left, right, judgement, _ in judged:
        if judgement == "different":
            uf.forbid(left, right, hard=True)
            different.add((left, right) if left < right else (right, left))
    for p in pairs:
        if p.conflict:
            uf.forbid(p.left, p.right, hard=False)
    for left, right, judgement, _ in judged:
        if judgement == "same" and not uf.blocked(left, right, soft_too=False):
            uf.union(left, right)
    # automatic links, best first: peers now, generalizations after
    general: dict[str, list[str]] = defaultdict(list)  # vaguer record → records it fits
    for p in sorted(pairs, key=lambda p: (-p.score, p.left, p.right)):
        if p.conflict or p.score < threshold or (p.left, p.right) in different:
            continue
        a, b = records[p.left], records[p.right]
        if _less_specific(a, b):
            general[a.id].append(b.id)
        elif _less_specific(b, a):
            general[b.id].append(a.id)
        elif not uf.blocked(a.id, b.id, soft_too=True):
            uf.union(a.id, b.id)
    # vaguer records join the one station they fit, or attach to all they fit
    attached: dict[str, set[str]] = {}

    for rid in sorted(general, key=lambda r: (-records[r].specificity, r)):
        root = uf.find(rid)
        fits = [t for t in general[rid] if uf.find(t) != root and not uf.blocked(root, t, soft_too=True)]
        # stations at the very place it names come first: "Markham" (no bureau) is the Markham
        # station, not one of Toronto's; "London" fits Croydon and Hendon only if London has none
        here = [t for t in fits if records[t].place.key == records[rid].place.key]
        targets = {uf.find(t) for t in (here or fits)}
        if len(targets) == 1:
            uf.union(root, targets.pop())
        elif targets and not uf.named[uf.find(root)]:
            attached[rid] = targets
        # a record naming its bureau that fits several district stations of that bureau stays
        # a station of its own: `resolve pairs` lists the candidates for a person to judge
    vague: dict[str, set[str]] = defaultdict(set)  # root of a vague group → stations it fits
    for rid, targets in attached.items():
        root = uf.find(rid)
        targets = {uf.find(t) for t in targets} - {root}
        if len(targets) >= 2 and not uf.named[root]:
            vague[root] |= targets
    members: dict[str, list[Record]] = defaultdict(list)
    for rid in records:
        members[uf.find(rid)].append(records[rid])
    clusters = {root: _make_cluster(recs) for root, recs in members.items() if root not in vague}
    _unique_ids(clusters)
    for root in vague:
        for t in sorted(_stations_fitted(root, vague)):
            clusters[t].attached.extend(members[root])
    return sorted(clusters.values(), key=lambda c: (c.country, fold(c.locality) or "", fold(c.operator) or "", c.era))


def _stations_fitted(root: str, vague: dict[str, set[str]]) -> set[str]:
    """The stations a vague group attaches to: its targets, through vague targets to theirs."""
    out, todo, seen = set(), [root], {root}
    while todo:
        for t in vague[todo.pop()]:
            if t in vague:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
            else:
                out.add(t)
    return out


def _make_cluster(recs: list[Record]) -> Cluster:
    recs = sorted(recs, key=lambda r: (-r.specificity, not r.place.known, -len(r.mentions), r.era, r.id))
    key = recs[0]
    with_district = [r for r in recs if r.place.district]
    place = (with_district or recs)[0].place
    ops = Counter(r.operator for r in recs for _ in r.mentions if r.operator)
    operator = ops.most_common(1)[0][0] if ops else None
    era = key.era
    cid = station_id(key.country, place.locality, operator, era)
    return Cluster(cid, key.country, place.locality, place.city, operator, era, recs)


def _unique_ids(clusters: dict[str, Cluster]) -> None:
    """Two clusters computing the same id (a rare combination): the later takes its key record's id."""
    seen: dict[str, str] = {}
    for root in sorted(clusters, key=lambda r: (-len(clusters[r].mentions), r)):
        c = clusters[root]
        if c.id in seen:
            c.id = c.records[0].id if c.records[0].id not in seen else root
        seen[c.id] = root
