"""Which claims are about the same station: the identity rule.

A documented station is known by its country, its locality and, when known, the bureau
that runs it. A second operator in the same locality is a second station (Milan: one run
from Wenzhou, one from Qingtian). A claim that names no operator attaches to every station
at its locality (or makes one, if the locality has none yet). A claim that names a country
but no locality makes a station only where that country has no located station.

This module is deliberately small and self-contained: real entity resolution replaces it.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from .model import entity_id

STATION_PREDICATES = ("station.location", "station.operator", "station.opened", "station.closed",
                      "station.activity", "station.staffing")


def fold(name: str | None) -> str | None:
    """Case- and accent-insensitive form of a name (São Paulo = Sao Paulo)."""
    if not name:
        return None
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@dataclass
class Station:
    country: str
    locality: str | None
    operator: str | None
    claims: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return entity_id("station", [self.country, fold(self.locality), fold(self.operator)])

    @property
    def label(self) -> str:
        where = self.locality or "(locality unknown)"
        return f"{where}, {self.country}" + (f" ({self.operator})" if self.operator else "")

    @property
    def claim_ids(self) -> list[str]:
        return [c["id"] for c in self.claims if "id" in c]


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


def group(claims: list[dict]) -> list[Station]:
    """Stations documented by the asserting station.* claims among `claims`."""
    relevant = [c for c in claims if c.get("stance", "asserts") == "asserts" and is_station_claim(c)]
    operators: dict[tuple, dict[str, str]] = defaultdict(dict)  # (country, locality) -> folded op -> name
    for c in relevant:
        country, locality = place_of(c)
        op = operator_of(c)
        if locality and op:
            operators[(country, fold(locality))].setdefault(fold(op), op)

    stations: dict[tuple, Station] = {}

    def station(country, locality, op) -> Station:
        key = (country, fold(locality), fold(op))
        if key not in stations:
            stations[key] = Station(country, locality, op)
        return stations[key]

    countries_with_places = {country for c in relevant for country, loc in [place_of(c)] if loc}
    for c in relevant:
        country, locality = place_of(c)
        if not locality:
            if country not in countries_with_places:
                station(country, None, None).claims.append(c)
            continue
        op = operator_of(c)
        known_ops = operators.get((country, fold(locality)), {})
        targets = [op] if op else list(known_ops.values()) or [None]
        for target in targets:
            station(country, locality, target).claims.append(c)
    return sorted(stations.values(), key=lambda s: (s.country, fold(s.locality) or "", fold(s.operator) or ""))


def stations_denied_by(claim: dict, stations: list[Station]) -> list[Station]:
    """The stations a `denies` claim about a station disputes (all at its place)."""
    country, locality = place_of(claim)
    op = fold(operator_of(claim))
    return [s for s in stations
            if s.country == country and (locality is None or fold(s.locality) == fold(locality))
            and (op is None or fold(s.operator) == op)]
