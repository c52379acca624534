"""Questions asked of the store: tally, explain, stations. Interfaces call these.

Time has two axes (see the spec): `as_of` selects by valid time (what held in the world on
that day), `known_at` by knowledge time (only sources published by that day).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from .. import dates, stations
from ..model import canonical_json
from ..store import Store


def claim_start(claim: dict) -> dt.date:
    """When a claim starts to hold: its valid.from, else its source's publication."""
    return dates.start_of(claim["valid"]["from"] or claim["source"]["published"])


def in_effect(claim: dict, as_of: dt.date) -> bool:
    end = dates.end_of(claim["valid"]["to"])
    return claim_start(claim) <= as_of and (end is None or as_of <= end)


def speaker(claim: dict) -> str:
    """Who says it: the named speaker, else the publication itself."""
    src = claim["source"]
    return claim["said_by"]["name"] or src["publisher"] or src["title"] or src["url"]


@dataclass
class StationState:
    station: stations.Station
    present: bool
    closed_by: list[dict]
    denied_by: list[dict]

    def as_json(self) -> dict:
        s = self.station
        return {"id": s.id, "label": s.label, "country": s.country, "locality": s.locality,
                "operator": s.operator, "status": "closed" if self.closed_by else "operating",
                "contested": bool(self.denied_by), "claim_ids": s.claim_ids,
                "closed_by": [c["id"] for c in self.closed_by],
                "denied_by": [c["id"] for c in self.denied_by]}


def _today() -> dt.date:
    return dt.date.today()


@dataclass(frozen=True)
class Grades:
    """Keep only claims from sources graded at least `min_reliability` (A best) and claims
    graded at most `max_credibility` (1 best). Ungraded counts as F and 6."""
    min_reliability: str | None = None
    max_credibility: int | None = None


ANY_GRADE = Grades()


def accepted(store: Store, known_at: dt.date | None, grades: Grades = ANY_GRADE) -> list[dict]:
    return store.claims(status="accepted", known_at=known_at, min_reliability=grades.min_reliability,
                        max_credibility=grades.max_credibility)


def station_states(claims: list[dict], as_of: dt.date, judgements: list[dict] | None = None) -> list[StationState]:
    """Every station the claims document, whether it stands on `as_of`, closed, or disputed;
    `judgements` (Store.judgements()) merge or split stations as people decided."""
    all_stations = stations.group(claims, judgements)
    denials = [c for c in claims if c["stance"] == "denies" and stations.is_station_claim(c)
               and claim_start(c) <= as_of]
    denied: dict[str, list[dict]] = defaultdict(list)
    for d in denials:
        for s in stations.stations_denied_by(d, all_stations):
            denied[s.id].append(d)
    states = []
    for s in all_stations:
        closures = [c for c in s.claims if c["predicate"] == "station.closed" and claim_start(c) <= as_of]
        evidence = [c for c in s.claims if c["predicate"] != "station.closed" and in_effect(c, as_of)]
        states.append(StationState(s, bool(evidence) and not closures, closures, denied[s.id]))
    return states


def network_denials(claims: list[dict], as_of: dt.date) -> list[dict]:
    """Denials about the network as a whole (the PRC says it runs no policing abroad, ...)."""
    return [c for c in claims if stations.is_network_denial(c) and claim_start(c) <= as_of]


def documented(states: list[StationState]) -> dict:
    present = [st for st in states if st.present]
    by_country: dict[str, int] = defaultdict(int)
    by_operator: dict[str, int] = defaultdict(int)
    ids_by_country: dict[str, dict[str, None]] = defaultdict(dict)
    for st in present:
        by_country[st.station.country] += 1
        by_operator[st.station.operator or "unknown"] += 1
        seen = ids_by_country[st.station.country]  # a dict: ordered, and O(1) to look up
        seen.update(dict.fromkeys(i for i in st.station.claim_ids if i not in seen))
    return {"stations": len(present), "countries": len(by_country),
            "by_country": dict(sorted(by_country.items())),
            "by_operator": dict(sorted(by_operator.items())),
            "claim_ids_by_country": {cc: list(ids) for cc, ids in sorted(ids_by_country.items())},
            "station_list": [st.as_json() for st in present],
            "closed": [st.as_json() for st in states if st.closed_by],
            "contested": [st.station.id for st in present if st.denied_by]}


def reported(claims: list[dict], as_of: dt.date) -> tuple[list[dict], list[dict]]:
    """Figures speakers gave (count.* claims): those in effect on as_of, and those superseded.

    For each (speaker, predicate, scope) the figure in effect is the one that started last;
    a figure stated by several sources is one figure with several claims.
    """
    groups: dict[tuple, dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in claims:
        if c["predicate"].startswith("count.") and c["stance"] == "asserts" and in_effect(c, as_of):
            key = (speaker(c), c["predicate"], canonical_json(c["scope"] or {}))
            groups[key][(c["value"], c["qualifier"])].append(c)
    current, history = [], []
    for (who, predicate, _), figures in groups.items():
        dated = sorted(figures.values(), key=lambda cs: min(claim_start(c) for c in cs))
        latest = min(claim_start(c) for c in dated[-1])
        for cs in dated:
            entry = _figure(who, predicate, cs)
            (current if min(claim_start(c) for c in cs) == latest else history).append(entry)
    order = lambda f: (f["predicate"], canonical_json(f["scope"]), f["said_by"], f["valid_from"] or "")
    return sorted(current, key=order), sorted(history, key=order)


def _figure(who: str, predicate: str, cs: list[dict]) -> dict:
    cs = sorted(cs, key=lambda c: c["source"]["published"])
    first = cs[0]
    return {"predicate": predicate, "value": first["value"], "qualifier": first["qualifier"],
            "scope": first["scope"] or {}, "said_by": who,
            "said_by_country": first["said_by"]["country"],
            "source": first["source"]["title"] or first["source"]["publisher"],
            "publisher": first["source"]["publisher"],
            "published": first["source"]["published"],
            "valid_from": min((c["valid"]["from"] for c in cs if c["valid"]["from"]), default=None),
            "sources": sorted({c["source"]["publisher"] or c["source"]["title"] for c in cs}),
            "claim_ids": [c["id"] for c in cs]}


def _indexed(store) -> bool:
    """A store, or a reader over one (`export.public.PublicReader`), goes through the
    per-version index (query/index.py); a plain list of claims with the read side of a store
    (what exports and tests hand in) through the plain functions above."""
    return isinstance(store, Store) or hasattr(store, "ledger_head") and hasattr(store, "iter_claims")


def tally(store: Store, *, as_of: dt.date | None = None, known_at: dt.date | None = None,
          history: bool = False, grades: Grades = ANY_GRADE) -> dict:
    as_of = as_of or _today()
    if _indexed(store):
        from .index import indexed, quiet_gc
        idx = indexed(store, known_at, grades)
        with quiet_gc:
            states, (current, superseded) = idx.states(as_of), idx.reported(as_of, history)
            contested, figures = idx.network_ids(as_of), idx.documented(states)
    else:
        claims = accepted(store, known_at, grades)
        states = station_states(claims, as_of, store.judgements())
        current, superseded = reported(claims, as_of)
        contested, figures = [c["id"] for c in network_denials(claims, as_of)], documented(states)
    out = {"as_of": as_of.isoformat(), "known_at": known_at.isoformat() if known_at else None,
           **({"grades": {"min_reliability": grades.min_reliability, "max_credibility": grades.max_credibility}}
              if grades != ANY_GRADE else {}),
           "documented": figures, "reported": current,
           "contested_network": contested}
    if history:
        out["history"] = superseded
    return out


def full_claims(store: Store, ids: list[str]) -> dict[str, dict]:
    """Claims by id, as `store` (or a reader over one) gives them."""
    from .index import quiet_gc
    wanted = list(dict.fromkeys(ids))
    with quiet_gc:
        return {c["id"]: c for c in store.iter_claims(ids=wanted)} if wanted else {}


def station_list(store: Store, *, country: str | None = None, as_of: dt.date | None = None,
                 known_at: dt.date | None = None, grades: Grades = ANY_GRADE) -> list[dict]:
    """Stations with their claims; closed ones included and marked."""
    as_of = as_of or _today()
    if _indexed(store):
        from .index import indexed
        states = indexed(store, known_at, grades).states(as_of, country.upper() if country else None)
        states = [st for st in states if st.present or st.closed_by]
        by_id = full_claims(store, [i for st in states for i in st.station.claim_ids])
    else:
        claims = accepted(store, known_at, grades)
        by_id = {c["id"]: c for c in claims}
        states = station_states(claims, as_of, store.judgements())
    out = []
    for st in states:
        if country and st.station.country != country.upper():
            continue
        if not (st.present or st.closed_by):
            continue
        row = st.as_json()
        row["claims"] = [by_id[i] for i in row["claim_ids"]]
        out.append(row)
    return out


def station_detail(store: Store, station_id: str, *, as_of: dt.date | None = None,
                   known_at: dt.date | None = None, grades: Grades = ANY_GRADE) -> dict | None:
    """One station (a station page): its state on `as_of` and its claims; None if unknown."""
    as_of = as_of or _today()
    if _indexed(store):
        from .index import indexed
        st = indexed(store, known_at, grades).state(station_id, as_of)
        if st is None:
            return None
        by_id = full_claims(store, st.station.claim_ids)
        claims = [by_id[i] for i in st.station.claim_ids]
    else:
        found = [s for s in station_states(accepted(store, known_at, grades), as_of, store.judgements())
                 if s.station.id == station_id]
        if not found:
            return None
        st, claims = found[0], found[0].station.claims
    return dict(st.as_json(), present=st.present, claims=claims)


def explain_country(store: Store, country: str, *, as_of: dt.date | None = None,
                    known_at: dt.date | None = None, grades: Grades = ANY_GRADE) -> dict:
    """The claims behind every figure about one country: stations, reported counts, responses.
    `claims` holds every claim the explanation refers to, by id."""
    as_of = as_of or _today()
    country = country.upper()
    in_country = lambda f: (f["scope"] or {}).get("country") == country
    if _indexed(store):
        from .index import indexed, quiet_gc
        idx = indexed(store, known_at, grades)
        with quiet_gc:
            states = idx.states(as_of, country)
            current, superseded = idx.reported(as_of)
        current, superseded = [f for f in current if in_country(f)], [f for f in superseded if in_country(f)]
        other_ids = idx.other_ids(country, as_of)
        by_id = full_claims(store, [i for st in states for i in st.station.claim_ids] + other_ids
                             + [i for f in current + superseded for i in f["claim_ids"]])
        others = [by_id[i] for i in other_ids]
        station_claims = lambda st: [by_id[i] for i in st.station.claim_ids]
    else:
        claims = accepted(store, known_at, grades)
        states = [st for st in station_states(claims, as_of, store.judgements()) if st.station.country == country]
        current, superseded = reported(claims, as_of)
        current, superseded = [f for f in current if in_country(f)], [f for f in superseded if in_country(f)]
        others = [c for c in claims if _about_country(c, country)
                  and not c["predicate"].startswith(("station.", "count.")) and claim_start(c) <= as_of]
        station_claims = lambda st: st.station.claims
        all_ids = {c["id"]: c for c in claims}
        by_id = {i: all_ids[i] for i in [c["id"] for st in states for c in st.station.claims]
                 + [c["id"] for c in others] + [i for f in current + superseded for i in f["claim_ids"]]}
    return {"country": country, "as_of": as_of.isoformat(),
            "known_at": known_at.isoformat() if known_at else None,
            "stations": [dict(st.as_json(), claims=station_claims(st), present=st.present) for st in states],
            "reported": current,
            "superseded": superseded,
            "other_claims": others,
            "claims": by_id}


def _about_country(claim: dict, country: str) -> bool:
    for part in ("subject", "object", "scope"):
        if (claim.get(part) or {}).get("country") == country:
            return True
    return False
