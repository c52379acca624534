"""The review queue's edit form: a claim as flat fields, and flat fields back as changes.

A reviewer corrects what a claim says in words (place, operator, value, speaker, dates),
not its JSON. `fields_of` flattens a claim for the form; `changes_from` turns the
submitted form into the `changes` of `Store.edit_claim`, keeping every member of the
nested objects the form does not show (an authority's name, an entity's type).
"""
from __future__ import annotations

from ..model import PREDICATES

FIELDS = ("predicate", "country", "locality", "operator", "value", "qualifier", "stance",
          "said_by_name", "said_by_country", "valid_from", "valid_to", "note")


class FormError(ValueError):
    pass


def family(predicate: str) -> str:
    return predicate.split(".", 1)[0]


def fields_of(c: dict) -> dict[str, str]:
    p, subj, obj, scope = c["predicate"], c["subject"] or {}, c["object"] or {}, c["scope"] or {}
    f = {k: "" for k in FIELDS}
    f["predicate"] = p
    if p == "station.location" or family(p) == "incident":
        f["country"], f["locality"] = obj.get("country") or subj.get("country") or "", obj.get("locality") or ""
        f["operator"] = subj.get("operator") or ""
    elif p == "station.operator":
        f["country"], f["locality"] = subj.get("country") or "", subj.get("locality") or ""
        f["operator"] = obj.get("seat") or obj.get("name") or ""
    elif family(p) == "station":
        f["country"], f["locality"], f["operator"] = (subj.get("country") or "", subj.get("locality") or "",
                                                      subj.get("operator") or "")
    elif family(p) == "count":
        f["country"], f["operator"] = scope.get("country") or "", scope.get("operator") or ""
    else:
        f["country"] = subj.get("country") or obj.get("country") or ""
    f["value"] = "" if c["value"] is None else str(c["value"])
    f["qualifier"] = c.get("qualifier") or ""
    f["stance"] = c["stance"]
    f["said_by_name"] = c["said_by"]["name"] or ""
    f["said_by_country"] = c["said_by"]["country"] or ""
    f["valid_from"], f["valid_to"] = c["valid"]["from"] or "", c["valid"]["to"] or ""
    f["note"] = c.get("note") or ""
    return f


def _set(d: dict | None, **kv) -> dict | None:
    out = dict(d or {})
    for k, v in kv.items():
        if v:
            out[k] = v
        else:
            out.pop(k, None)
    return out or None


def changes_from(c: dict, form: dict[str, str]) -> dict:
    """The edit a submitted form asks for: only the top-level fields that differ."""
    get = lambda k: (form.get(k) or "").strip()
    before = fields_of(c)
    p = get("predicate") or c["predicate"]
    if p not in PREDICATES:
        raise FormError(f"unknown predicate {p!r}")
    cc, loc, op = get("country").upper() or None, get("locality") or None, get("operator") or None
    new = {"predicate": p, "subject": c["subject"], "object": c["object"], "scope": c["scope"],
           "value": c["value"], "qualifier": c.get("qualifier"), "stance": c["stance"],
           "said_by": dict(c["said_by"]), "valid": dict(c["valid"]), "note": c.get("note")}
    place_changed = any(get(k) != before[k] for k in ("country", "locality", "operator")) or p != c["predicate"]
    if place_changed:
        subj, obj, scope = c["subject"], c["object"], c["scope"]
        if p == "station.location" or family(p) == "incident":
            obj = _set(obj if family(c["predicate"]) == family(p) else None, country=cc, locality=loc)
            obj = _set(obj, type=(obj or {}).get("type") or "place")
            subj = _set(subj, operator=op) if p == "station.location" else subj
            subj = subj or {"type": "station" if family(p) == "station" else "incident"}
        elif p == "station.operator":
            subj = _set(subj, type="station", country=cc, locality=loc, operator=None)
            old = c["object"] or {}
            name = old.get("name")
            if op and name and old.get("seat") and old["seat"] in name:
                name = name.replace(old["seat"], op)
            elif op and (not name or old.get("seat") != op):
                name = f"{op} Public Security Bureau"
            obj = _set(old, type="authority", seat=op, name=name)
        elif family(p) == "station":
            subj = _set(subj, type="station", country=cc, locality=loc, operator=op)
            obj = obj if family(c["predicate"]) == "station" and c["predicate"] != "station.location" else None
        elif family(p) == "count":
            scope = _set(scope, country=cc, operator=op)
            subj = subj or {"type": "network"}
        elif family(p) in ("response", "cooperation"):
            subj = _set(subj, type="government", country=cc)
        new.update(subject=subj, object=obj, scope=scope)
    if get("value") != before["value"] or p != c["predicate"]:
        raw = get("value")
        if not raw:
            new["value"] = None
        elif PREDICATES[p].counts:
            digits = raw.replace(",", "").replace("_", "")
            if not digits.isdigit():
                raise FormError(f"{p} needs a whole number, got {raw!r}")
            new["value"] = int(digits)
        else:
            new["value"] = raw
    if get("qualifier") != before["qualifier"]:
        new["qualifier"] = get("qualifier") or None
    if get("stance") and get("stance") != before["stance"]:
        new["stance"] = get("stance")
    if (get("said_by_name"), get("said_by_country").upper()) != (before["said_by_name"], before["said_by_country"]):
        new["said_by"] = {**{k: v for k, v in c["said_by"].items() if k == "type"},  # a person stays one
                          "name": get("said_by_name") or None, "country": get("said_by_country").upper() or None}
    if (get("valid_from"), get("valid_to")) != (before["valid_from"], before["valid_to"]):
        new["valid"] = {"from": get("valid_from") or None, "to": get("valid_to") or None}
    if get("note") != before["note"]:
        new["note"] = get("note") or None
    original = {"predicate": c["predicate"], "subject": c["subject"], "object": c["object"],
                "scope": c["scope"], "value": c["value"], "qualifier": c.get("qualifier"),
                "stance": c["stance"], "said_by": c["said_by"], "valid": c["valid"], "note": c.get("note")}
    return {k: v for k, v in new.items() if v != original[k]}
