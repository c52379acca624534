"""CSV export: three tables with stable column names (UTF-8, comma-separated, header row).

- `stations.csv`: one row per documented station (operating or closed on `as_of`);
- `claims.csv`: one row per accepted claim in view (started to hold by `as_of`);
- `responses.csv`: one row per government-response claim, oldest first.

The column lists below are a contract: add columns at the end, never rename or reorder.
Lists inside a cell (claim ids, localities) are separated by `;`.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from .. import geo
from ..model import country_name, source_id
from ..query.export_views import Snapshot, response_timeline, station_rows
from ..store import claim_country

STATION_COLUMNS = (
    "station_id", "label", "country", "country_name", "locality", "operator", "status", "contested",
    "opened", "closed", "first_reported", "last_reported", "claim_count", "claim_ids",
    "latitude", "longitude", "location_precision")

CLAIM_COLUMNS = (
    "claim_id", "predicate", "stance", "status", "country", "subject_type", "subject_country",
    "subject_locality", "subject_operator", "object_type", "object_country", "object_locality",
    "object_name", "object_seat", "value", "qualifier", "scope_country", "scope_operator", "scope",
    "said_by", "said_by_country", "valid_from", "valid_to", "excerpt_start", "excerpt_end",
    "excerpt_text", "note", "confidence", "source_id", "source_title", "source_publisher",
    "source_published", "source_url", "source_kind", "document_sha256", "edited_from")

RESPONSE_COLUMNS = (
    "claim_id", "date", "date_basis", "country", "country_name", "response", "predicate", "stance",
    "said_by", "said_by_country", "source_title", "source_publisher", "source_published",
    "source_url", "excerpt_or_note")

TABLES = ("stations", "claims", "responses")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return value


def station_table(snap: Snapshot) -> list[dict]:
    out = []
    for row in station_rows(snap):
        loc = geo.locate(row["country"], row["locality"])
        out.append({"station_id": row["id"], **{k: row[k] for k in STATION_COLUMNS[1:14] if k in row},
                    "latitude": loc.lat if loc else None, "longitude": loc.lon if loc else None,
                    "location_precision": loc.precision if loc else None})
    return out


def claim_row(c: dict) -> dict:
    subj, obj, scope = c["subject"] or {}, c["object"] or {}, c["scope"] or {}
    ex = c.get("excerpt") or {}
    src = c["source"]
    return {
        "claim_id": c["id"], "predicate": c["predicate"], "stance": c["stance"], "status": c["status"],
        "country": claim_country(c), "subject_type": subj.get("type"), "subject_country": subj.get("country"),
        "subject_locality": subj.get("locality"), "subject_operator": subj.get("operator"),
        "object_type": obj.get("type"), "object_country": obj.get("country"),
        "object_locality": obj.get("locality"), "object_name": obj.get("name"), "object_seat": obj.get("seat"),
        "value": c["value"], "qualifier": c.get("qualifier"), "scope_country": scope.get("country"),
        "scope_operator": scope.get("operator"), "scope": scope,
        "said_by": c["said_by"]["name"], "said_by_country": c["said_by"]["country"],
        "valid_from": c["valid"]["from"], "valid_to": c["valid"]["to"],
        "excerpt_start": ex.get("start"), "excerpt_end": ex.get("end"), "excerpt_text": ex.get("text"),
        "note": c.get("note"), "confidence": c.get("confidence"), "source_id": source_id(src),
        "source_title": src.get("title"), "source_publisher": src.get("publisher"),
        "source_published": src.get("published"), "source_url": src.get("url"),
        "source_kind": src.get("kind"), "document_sha256": src.get("document"),
        "edited_from": c.get("edited_from"),
    }


def response_table(snap: Snapshot) -> list[dict]:
    out = []
    for r in response_timeline(snap):
        c = r["claim"]
        src = c["source"]
        out.append({"claim_id": c["id"], "date": r["date"], "date_basis": r["date_basis"],
                    "country": r["country"], "country_name": country_name(r["country"]),
                    "response": r["response"], "predicate": c["predicate"], "stance": c["stance"],
                    "said_by": c["said_by"]["name"], "said_by_country": c["said_by"]["country"],
                    "source_title": src.get("title"), "source_publisher": src.get("publisher"),
                    "source_published": src.get("published"), "source_url": src.get("url"),
                    "excerpt_or_note": (c.get("excerpt") or {}).get("text") or c.get("note")})
    return out


def tables(snap: Snapshot) -> dict[str, tuple[tuple[str, ...], Callable[[], Iterable[dict]]]]:
    """Every table by name: (columns, a function giving its rows). The claims table's rows are
    made as they are written, from claims streamed from the store."""
    return {"stations": (STATION_COLUMNS, lambda: station_table(snap)),
            "claims": (CLAIM_COLUMNS, lambda: (claim_row(c) for c in snap.in_view())),
            "responses": (RESPONSE_COLUMNS, lambda: response_table(snap))}


def render(columns: tuple[str, ...], rows: Iterable[dict]) -> Iterator[str]:
    """The table as CSV text: the header line, then one line per row, each as it is made."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="raise", lineterminator="\r\n")

    def taken() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writeheader()
    yield taken()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
        yield taken()
