"""How alike two station records are, and why: a score in [0, 1] with its reasons.

Records of one block (same country and city) are scored on
- place: the same canonical place (0.9); a named district and its city (0.85); different
  districts of one city (a conflict); otherwise name similarity of the localities and of
  their variants and transliterations, and the distance between their coordinates;
- operator: the same bureau (+0.1); named on one side only (neutral); two different
  bureaus (a conflict: Milan has a Wenzhou and a Qingtian station);
- time: one record's station closed before the other's opened, or their eras do not
  overlap (a conflict: a station closed in 2022 and one opened in 2024 are two stations).

A conflict caps the score at 0.1 and forbids automatic merging of the two records; only a
person's "same" judgement overrides it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..stations import fold

if TYPE_CHECKING:
    from .resolver import Record

SAME_PLACE, DISTRICT_OF_CITY = 0.9, 0.85
SAME_OPERATOR = 0.1
CONFLICT_CAP = 0.1
NEAR_KM, FAR_KM = 10.0, 50.0


@dataclass(frozen=True)
class Reason:
    code: str  # same_place | district_of_city | districts_differ | names | distance | known_places_differ
    #            operator_same | operator_one_side | operator_differs | time_differs
    weight: float  # what it added to the score (negative: what it took away)
    text: str

    def as_json(self) -> dict:
        return {"code": self.code, "weight": round(self.weight, 3), "text": self.text}


@dataclass
class PairScore:
    left: str
    right: str
    score: float
    conflict: bool
    reasons: list[Reason] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"left": self.left, "right": self.right, "score": round(self.score, 3),
                "conflict": self.conflict, "reasons": [r.as_json() for r in self.reasons]}


def score(a: "Record", b: "Record") -> PairScore:
    reasons: list[Reason] = []
    conflict = False
    pa, pb = a.place, b.place
    # -- place
    if pa.key == pb.key:
        p = SAME_PLACE
        reasons.append(Reason("same_place", p, f"same place: {pa.locality}"))
    elif pa.block == pb.block:
        if pa.district and pb.district:
            p = 0.2
            conflict = True
            reasons.append(Reason("districts_differ", p,
                                  f"different districts of {pa.city}: {pa.district}, {pb.district}"))
        else:
            p = DISTRICT_OF_CITY
            district = pa.district or pb.district
            reasons.append(Reason("district_of_city", p, f"{district} is in {pa.city}; the other names only {pa.city}"))
    else:
        sim = name_similarity(a, b)
        km = distance_km(a, b)
        if pa.known and pb.known:
            p = 0.3 * sim
            reasons.append(Reason("known_places_differ", p, f"two different places: {pa.locality}, {pb.locality} "
                                                             f"(names {sim:.2f} alike)"))
        else:
            p = 0.9 * sim if sim >= 0.85 else 0.5 * sim
            reasons.append(Reason("names", p, f"names {sim:.2f} alike: {a.sample_name} ~ {b.sample_name}"))
        if km is not None:
            if km <= NEAR_KM:
                reasons.append(Reason("distance", 0.3, f"{km:.0f} km apart"))
                p += 0.3
            elif km > FAR_KM:
                reasons.append(Reason("distance", min(0.2, p) - p, f"{km:.0f} km apart"))
                p = min(p, 0.2)
    # -- operator
    if a.operator and b.operator:
        if fold(a.operator) == fold(b.operator):
            p += SAME_OPERATOR
            reasons.append(Reason("operator_same", SAME_OPERATOR, f"same operator: {a.operator}"))
        else:
            conflict = True
            reasons.append(Reason("operator_differs", 0.0, f"operators differ: {a.operator}, {b.operator}"))
    elif a.operator or b.operator:
        reasons.append(Reason("operator_one_side", 0.0, f"operator {a.operator or b.operator} named on one side only"))
    # -- time
    why = time_conflict(a, b)
    if why:
        conflict = True
        reasons.append(Reason("time_differs", 0.0, why))
    s = min(1.0, max(0.0, p))
    if conflict and s > CONFLICT_CAP:
        reasons.append(Reason("conflict", CONFLICT_CAP - s, "a conflict caps the score"))
        s = CONFLICT_CAP
    return PairScore(a.id, b.id, s, conflict, reasons)


def name_similarity(a: "Record", b: "Record") -> float:
    """The best similarity (0..1) between any name of one record and any of the other."""
    from rapidfuzz import fuzz
    best = 0.0
    for x in a.match_names:
        for y in b.match_names:
            best = max(best, fuzz.ratio(x, y) / 100.0)
            if best >= 1.0:
                return 1.0
    return best


def distance_km(a: "Record", b: "Record") -> float | None:
    pa, pb = _coords(a.country, a.place.locality), _coords(b.country, b.place.locality)
    if pa is None or pb is None:
        return None
    return haversine(pa, pb)


@lru_cache(maxsize=None)
def _coords(country: str, locality: str | None) -> tuple[float, float] | None:
    if not locality:
        return None
    try:
        from .. import geo
        loc = geo.locate(country, locality)
    except Exception:
        return None
    if loc is None or loc.precision != "city":
        return None
    return loc.lat, loc.lon


def haversine(p: tuple[float, float], q: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*p, *q))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def time_conflict(a: "Record", b: "Record") -> str | None:
    """Why two records cannot be one station in time, or None."""
    if a.end and b.start and a.end <= b.start:
        return f"{a.label} ends {a.end} before {b.label} starts {b.start}"
    if b.end and a.start and b.end <= a.start:
        return f"{b.label} ends {b.end} before {a.label} starts {a.start}"
    for x, y in ((a, b), (b, a)):
        if x.closed and y.opened and max(x.closed) < min(y.opened):
            return f"closed {max(x.closed)} before the other opened {min(y.opened)}"
    return None
