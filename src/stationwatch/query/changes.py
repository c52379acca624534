"""Where the record disagrees with itself (conflicts), and what it learned between two dates (diff)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .. import dates
from ..model import canonical_json
from ..store import Store
from . import ANY_GRADE, Grades, accepted, claim_start, in_effect, reported, station_states, tally

STANCE_PREDICATES = ("network.", "response.", "cooperation.", "incident.", "station.activity", "station.staffing")


def _in_country(claim_or_figure: dict, country: str | None) -> bool:
    if not country:
        return True
    return any((claim_or_figure.get(part) or {}).get("country") == country
               for part in ("subject", "object", "scope"))


def count_conflicts(claims: list[dict], as_of: dt.date, country: str | None) -> list[dict]:
    """Speakers whose figures in effect for the same count and scope differ."""
    current, _ = reported(claims, as_of)
    by_scope: dict[tuple, list[dict]] = defaultdict(list)
    for f in current:
        if _in_country(f, country):
            by_scope[(f["predicate"], canonical_json(f["scope"]))].append(f)
    out = []
    for (predicate, _), figures in sorted(by_scope.items()):
        if len({f["value"] for f in figures}) > 1:
            out.append({"kind": "different counts", "predicate": predicate, "scope": figures[0]["scope"],
                        "sides": [{"said_by": f["said_by"], "value": f["value"], "qualifier": f["qualifier"],
                                   "claim_ids": f["claim_ids"]} for f in figures]})
    return out


def status_conflicts(claims: list[dict], as_of: dt.date, country: str | None,
                     judgements: list[dict] | None = None) -> list[dict]:
    """Stations said to be closed, and said to operate after that date by another source."""
    out = []
    for st in station_states(claims, as_of, judgements):
        s = st.station
        if country and s.country != country or not st.closed_by:
            continue
        closed_on = min(claim_start(c) for c in st.closed_by)
        # Only a claim dated after the closure says the station operated then: an undated
        # claim published later may just describe the past.
        later = [c for c in s.claims if c["predicate"] != "station.closed" and c["valid"]["from"]
                 and claim_start(c) > closed_on and in_effect(c, as_of)]
        if later:
            out.append({"kind": "closed vs operating", "station": s.id, "label": s.label,
                        "sides": [{"says": "closed", "claim_ids": [c["id"] for c in st.closed_by]},
                                  {"says": "operating", "claim_ids": [c["id"] for c in later]}]})
    return out


def stance_conflicts(claims: list[dict], as_of: dt.date, country: str | None,
                     judgements: list[dict] | None = None) -> list[dict]:
    """The same statement asserted by some and denied by others."""
    out = []
    for st in station_states(claims, as_of, judgements):
        if st.denied_by and (not country or st.station.country == country):
            asserted = [c for c in st.station.claims if c["stance"] == "asserts"]
            out.append({"kind": "asserted and denied", "station": st.station.id, "label": st.station.label,
                        "sides": [{"says": "asserts", "claim_ids": [c["id"] for c in asserted]},
                                  {"says": "denies", "claim_ids": [c["id"] for c in st.denied_by]}]})
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in claims:
        if c["predicate"].startswith(STANCE_PREDICATES) and claim_start(c) <= as_of and _in_country(c, country):
            key = (c["predicate"], canonical_json(c["subject"]), canonical_json(c["object"]), canonical_json(c["value"]))
            groups[key][c["stance"]].append(c)
    for (predicate, *_), stances in sorted(groups.items()):
        if stances.get("asserts") and stances.get("denies"):
            out.append({"kind": "asserted and denied", "predicate": predicate,
                        "sides": [{"says": s, "claim_ids": [c["id"] for c in stances[s]]}
                                  for s in ("asserts", "denies")]})
    return out


def conflicts(store: Store, *, country: str | None = None, as_of: dt.date | None = None,
              known_at: dt.date | None = None, grades: Grades = ANY_GRADE) -> dict:
    as_of = as_of or dt.date.today()
    country = country.upper() if country else None
    claims = accepted(store, known_at, grades)
    judged = store.judgements()
    found = (count_conflicts(claims, as_of, country) + status_conflicts(claims, as_of, country, judged)
             + stance_conflicts(claims, as_of, country, judged))
    by_id = {c["id"]: c for c in claims}
    for conflict in found:
        for side in conflict["sides"]:
            side["claims"] = [by_id[i] for i in side["claim_ids"]]
    return {"as_of": as_of.isoformat(), "known_at": known_at.isoformat() if known_at else None,
            "country": country, "conflicts": found}


def diff(store: Store, since: dt.date, until: dt.date, grades: Grades = ANY_GRADE) -> dict:
    """What the public record learned between two dates: each side is the record as known
    on its date about the situation on that date."""
    before = tally(store, as_of=since, known_at=since, grades=grades)
    after = tally(store, as_of=until, known_at=until, grades=grades)
    stations_before = {s["id"]: s for s in before["documented"]["station_list"]}
    stations_after = {s["id"]: s for s in after["documented"]["station_list"]}
    closed_before = {s["id"] for s in before["documented"]["closed"]}
    key = lambda f: (f["said_by"], f["predicate"], canonical_json(f["scope"]))
    figures_before = {key(f): f for f in before["reported"]}
    changed, new_figures = [], []
    for f in after["reported"]:
        old = figures_before.get(key(f))
        if old is None:
            new_figures.append(f)
        elif (old["value"], old["qualifier"]) != (f["value"], f["qualifier"]):
            changed.append({"said_by": f["said_by"], "predicate": f["predicate"], "scope": f["scope"],
                            "from": old["value"], "to": f["value"], "qualifier": f["qualifier"],
                            "claim_ids": f["claim_ids"], "previous_claim_ids": old["claim_ids"]})
    claims = accepted(store, until, grades)
    responses = [c for c in claims if c["predicate"].startswith(("response.", "cooperation."))
                 and since < dates.start_of(c["source"]["published"]) <= until]
    return {"since": since.isoformat(), "until": until.isoformat(),
            "new_stations": [s for i, s in stations_after.items() if i not in stations_before],
            "closures": [s for s in after["documented"]["closed"] if s["id"] not in closed_before],
            "changed_counts": changed, "new_counts": new_figures, "new_responses": responses,
            "documented": {"before": before["documented"]["stations"], "after": after["documented"]["stations"]},
            "new_denials": [i for i in after["contested_network"] if i not in before["contested_network"]]}

