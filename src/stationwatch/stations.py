"""Which claims are about the same station: the identity rule.

A documented station is known by its country, its locality and, when known, the bureau
that runs it. Localities are compared as *places*, not strings: Milano, Mailand, 米兰 and
a typo such as "Milna" are all Milan (see resolve/places.py), and "Paris 13e" or "Prato,
Tuscany" are Paris and Prato. A second operator in the same locality is a second station
(Milan: one run from Wenzhou, one from Qingtian). A claim that names no operator attaches
to every station at its locality (or makes one, if the locality has none yet). A claim
that names a country but no locality makes a station only where that country has no
located station. A station.opened dated after a station.closed of the same place and
operator starts a new station (its id carries the era: "#2").

The resolver (resolve/resolver.py) does the work: canonical places, blocking, scored pairs
with reasons, and clusters that respect recorded judgements (same, different, unsure), so
a person can merge two stations or split them again. `group` stays the entry point the
rest of the code calls. A station's id depends only on its key, entity_id("station",
[country, folded canonical locality, folded operator]), so it is stable.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .model import entity_id

STATION_PREDICATES = ("station.location", "station.operator", "station.opened", "station.closed",
                      "station.activity", "station.staffing")


def fold(name: str | None) -> str | None:
    """Case- and accent-insensitive form of a name (São Paulo = Sao Paulo)."""
    if not name:
        return None
    if name.isascii():
        return " ".join(name.casefold().split())
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@lru_cache(maxsize=1 << 16)
def station_id(country: str | None, locality: str | None, operator: str | None, era: int = 0) -> str:
    """The id of the station with this key (era 0 is the first station of that key)."""
    return entity_id("station", [country, fold(locality), fold(operator)] + ([era + 1] if era else []))


@dataclass
class Station:
    country: str
    locality: str | None
    operator: str | None
    claims: list[dict] = field(default_factory=list)
    era: int = 0  # a later station of the same key (closed, then a new one opened)
    city: str | None = None  # the city a district locality is in (Croydon: London)
    names: list[str] = field(default_factory=list)  # locality strings the claims used
    record_ids: list[str] = field(default_factory=list)  # resolver records merged into it

    @property
    def id(self) -> str:
        return station_id(self.country, self.locality, self.operator, self.era)

    @property
    def label(self) -> str:
        where = self.locality or "(locality unknown)"
        return f"{where}, {self.country}" + (f" ({self.operator})" if self.operator else "") + \
            (f" #{self.era + 1}" if self.era else "")

    @property
    def claim_ids(self) -> list[str]:
        return [c["id"] for c in self.claims if "id" in c]

    def at(self, country: str | None, locality: str | None) -> bool:
        """Whether a claim about (country, locality) is about this station's place: the same
        canonical place, or its city when the station is in a named district of it."""
        if country != self.country:
            return False
        if locality is None:
            return True
        from .resolve.places import canonical
        place = canonical(country, locality)
        if place.locality is None:
            return True
        return place.key == fold(self.locality) or (place.district is None and place.block == fold(self.city))


def place_of(claim: dict) -> tuple[str | None, str | None]:
    """(country, locality) of the station a station.* claim is about."""
    subject, obj = claim.get("subject") or {}, claim.get("object") or {}
    if claim["predicate"] == "station.location":
        return obj.get("country") or subject.get("country"), obj.get("locality") or subject.get("locality")
    return subject.get("country"), subject.get("locality")


def operator_of(claim: dict) -> str | None:
    """The bureau a claim ties the station to, if it names one."""
    if claim["predicate"] == "station.operator":
        obj = claim.get("object") or {}
        return obj.get("seat") or obj.get("name")
    return (claim.get("subject") or {}).get("operator")


def is_station_claim(claim: dict) -> bool:
    return claim["predicate"] in STATION_PREDICATES and place_of(claim)[0] is not None


def is_network_denial(claim: dict) -> bool:
    """A denial about the network as a whole, not about one station (the PRC says it runs no
    policing abroad, or denies stations without naming where)."""
    return claim["stance"] == "denies" and (claim["predicate"] == "network.policing_abroad" or (
        claim["predicate"].startswith("station.") and not is_station_claim(claim)))


def _when(claim: dict):
    """The date a station claim is about: an opening or closure its valid.from; any other
    its valid.from, else its source's publication."""
    from . import dates
    valid = (claim.get("valid") or {}).get("from")
    if not valid and claim["predicate"] not in ("station.opened", "station.closed"):
        valid = (claim.get("source") or {}).get("published")
    try:
        return dates.start_of(valid) if valid else None
    except Exception:
        return None


def claim_mentions(claims: list[dict]) -> tuple[list[dict], list]:
    """The asserting station claims among `claims`, and one resolver mention for each (its
    id is the claim's index in the first list)."""
    from .resolve.resolver import Mention
    relevant = [c for c in claims if c.get("stance", "asserts") == "asserts" and is_station_claim(c)]
    kinds = {"station.opened": "opened", "station.closed": "closed"}
    mentions = []
    for i, c in enumerate(relevant):
        country, locality = place_of(c)
        mentions.append(Mention(str(i), country, locality, operator_of(c), _when(c), kinds.get(c["predicate"], "seen")))
    return relevant, mentions


def group(claims: list[dict], judgements: list[dict] | None = None) -> list[Station]:
    """Stations documented by the asserting station.* claims among `claims`; `judgements`
    (Store.judgements()) merge or split them as people decided."""
    from .resolve.resolver import resolve
    relevant, mentions = claim_mentions(claims)
    resolution = resolve(mentions, judgements or ())
    out = []
    for cluster in resolution.clusters:
        indices = sorted({int(m.id) for r in cluster.records + cluster.attached for m in r.mentions})
        names = [n for r in cluster.records for n in r.names]
        out.append(Station(cluster.country, cluster.locality, cluster.operator, [relevant[i] for i in indices],
                           era=cluster.era, city=cluster.city, names=list(dict.fromkeys(names)),
                           record_ids=[r.id for r in cluster.records]))
    located = {s.country for s in out}
    unlocated: dict[str, Station] = {}
    for m in resolution.skipped:
        if m.country not in located:
            unlocated.setdefault(m.country, Station(m.country, None, None)).claims.append(relevant[int(m.id)])
    out += unlocated.values()
    return sorted(out, key=lambda s: (s.country, fold(s.locality) or "", fold(s.operator) or "", s.era))


def stations_denied_by(claim: dict, stations: list[Station]) -> list[Station]:
    """The stations a `denies` claim about a station disputes (all at its place)."""
    from .resolve.operators import canonical_operator
    country, locality = place_of(claim)
    op = fold(canonical_operator(operator_of(claim)))
    return [s for s in stations if s.at(country, locality) and (op is None or fold(s.operator) == op)]
