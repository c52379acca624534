"""GeoJSON export: a FeatureCollection with one Point per documented station.

Stations are located by locality, never by address: a point is the centre of the city the
claims name (`location_precision: "city"`), or the country's capital where the gazetteer
does not know the locality (`"capital"`: approximate, drawn there only so that the station
appears on a map). A station whose country is unknown to the gazetteer has a null
geometry. Coordinates are [longitude, latitude] (RFC 7946).
"""
from __future__ import annotations

import json

from .. import geo
from ..query.export_views import Snapshot, station_rows

PROPERTIES = ("id", "label", "country", "country_name", "locality", "operator", "status", "contested",
              "first_reported", "last_reported", "opened", "closed", "claim_count", "claim_ids",
              "location_precision", "location_place")


def feature(row: dict) -> dict:
    loc = geo.locate(row["country"], row["locality"])
    props = {k: row.get(k) for k in PROPERTIES if k in row}
    props["location_precision"] = loc.precision if loc else None
    props["location_place"] = loc.place if loc else None
    geometry = {"type": "Point", "coordinates": [loc.lon, loc.lat]} if loc else None
    return {"type": "Feature", "id": row["id"], "geometry": geometry,
            "properties": {k: props.get(k) for k in PROPERTIES}}


def feature_collection(snap: Snapshot) -> dict:
    features = [feature(row) for row in station_rows(snap)]
    return {"type": "FeatureCollection",
            "stationwatch": {**snap.header(), "stations": len(features),
                             "operating": sum(1 for f in features if f["properties"]["status"] == "operating")},
            "features": features}


def render(collection: dict) -> str:
    """A feature collection (`feature_collection`) as the text of a GeoJSON file."""
    return json.dumps(collection, ensure_ascii=False, indent=1) + "\n"
