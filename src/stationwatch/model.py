"""The claim model of ../shared/spec/claims.md: vocabulary, validation and identity.

A claim arrives as a dict in the interchange format. `validate_claim` checks it and
returns a normalized copy; `claim_id` is the content hash that makes importing the same
claim twice yield one claim.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from . import dates


class InvalidClaim(ValueError):
    """A claim that breaks the spec; the message says which field and why."""


@dataclass(frozen=True)
class Predicate:
    name: str
    subject: str
    about: str  # what the object / value / scope carries, for `--help` and docs
    values: frozenset[str] | None = None  # the closed set of `value`, where there is one
    counts: bool = False  # value is a non-negative integer


_ACTIVITIES = frozenset({"administrative_services", "surveillance", "persuasion_to_return",
                         "forced_return", "legal_advice"})
_STAFFING = frozenset({"volunteers", "paid_staff", "police_officers"})

_VOCABULARY = [
    Predicate("station.location", "station", "object: place {country, locality}"),
    Predicate("station.operator", "station", "object: authority {name, seat}"),
    Predicate("station.opened", "station", "valid.from is the opening date"),
    Predicate("station.closed", "station", "valid.from is the closing date"),
    Predicate("station.activity", "station", "value: what the station does", _ACTIVITIES),
    Predicate("station.staffing", "station", "value: who staffs it", _STAFFING),
    Predicate("count.stations", "network", "value: integer; scope {country?, operator?}", counts=True),
    Predicate("count.stations_added", "network", "value: integer new since an earlier count", counts=True),
    Predicate("count.countries", "network", "value: integer", counts=True),
    Predicate("count.countries_added", "network", "value: integer of countries new since an earlier count",
              counts=True),
    Predicate("count.operators", "network", "value: integer (police jurisdictions)", counts=True),
    Predicate("count.staff", "network", "value: integer; scope {country?, stations?}", counts=True),
    Predicate("count.persuaded_returns", "network",
              "value: integer of people said to have been 'persuaded' to return", counts=True),
    Predicate("incident.forced_return", "incident", "object: place the person was taken from"),
    Predicate("incident.persuasion", "incident", "object: place"),
    Predicate("incident.surveillance", "incident", "object: place"),
    Predicate("incident.detention", "incident", "object: place"),
    Predicate("incident.assault", "incident", "object: place"),
    Predicate("incident.intimidation", "incident", "object: place"),
    Predicate("incident.abduction", "incident", "object: place"),
    Predicate("incident.rendition", "incident", "object: place"),
    Predicate("response.investigation", "government", "the host government investigates"),
    Predicate("response.acknowledgement", "government", "the host government confirms stations exist"),
    Predicate("response.protest", "government", "a diplomatic protest or note"),
    Predicate("response.closure_order", "government", "ordered or obtained a closure"),
    Predicate("response.arrest", "government", "arrests or charges"),
    Predicate("response.no_action", "government", "a source says the government has not acted"),
    Predicate("cooperation.agreement", "government", "bilateral policing/security agreement with the PRC"),
    Predicate("cooperation.joint_policing", "government", "joint patrols or policing with PRC police"),
    Predicate("network.policing_abroad", "network", "the PRC runs undeclared policing abroad (stance)"),
]
PREDICATES: dict[str, Predicate] = {p.name: p for p in _VOCABULARY}

STANCES = ("asserts", "denies")
QUALIFIERS = ("at_least", "more_than", "about", "at_most")
REVIEW_STATUSES = ("candidate", "accepted", "rejected")
# Admiralty grading: how reliable a source is (A best, F cannot be judged) and how
# credible one claim is (1 confirmed by others ... 6 cannot be judged).
RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
               4: "doubtful", 5: "improbable", 6: "truth cannot be judged"}


def check_reliability(grade: object) -> str | None:
    if grade is None:
        return None
    if not isinstance(grade, str) or grade.upper() not in RELIABILITY:
        raise InvalidClaim(f"source reliability {grade!r} is not one of A-F")
    return grade.upper()


def check_credibility(grade: object) -> int | None:
    if grade is None:
        return None
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in CREDIBILITY:
        raise InvalidClaim(f"credibility {grade!r} is not an integer 1-6")
    return grade
PERSON = "person"  # the entity and speaker type the public view leaves out
ENTITY_TYPES = frozenset({"station", "network", "place", "authority", "government", "incident",
                          "organization", PERSON})
# Codes in wide use that ISO has not (yet) assigned.
_EXTRA_COUNTRIES = {"XK": "Kosovo"}


@dataclass
class SourceHints:
    """What a user says about a source; the document's own metadata fills the gaps."""
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    kind: str | None = None


def is_country(code: object) -> bool:
    return isinstance(code, str) and (code in _EXTRA_COUNTRIES or (
        len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None))


@lru_cache(maxsize=1024)
def country_name(code: str | None) -> str:
    if not code:
        return ""
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or (c.name if c else code)


def _compact(d: dict | None) -> dict:
    """Drop null members so `{"country": null}` and `{}` are the same scope."""
    return {k: v for k, v in sorted((d or {}).items()) if v is not None and v != {}}


def _check_countries(where: str, d: dict | None) -> None:
    if d is None:
        return
    if not isinstance(d, dict):
        raise InvalidClaim(f"{where} must be an object, got {type(d).__name__}")
    cc = d.get("country")
    if cc is not None and not is_country(cc):
        raise InvalidClaim(f"{where}.country {cc!r} is not an ISO 3166-1 alpha-2 code")


def _check_entity(where: str, d: dict | None) -> None:
    _check_countries(where, d)
    if d and d.get("type") is not None and not (isinstance(d["type"], str) and d["type"] in ENTITY_TYPES):
        raise InvalidClaim(f"{where}.type {d['type']!r} is not one of {', '.join(sorted(ENTITY_TYPES))}")


def validate_claim(raw: object) -> dict:
    """Check a claim against the spec and return its normalized form.

    Excerpt text is checked against a document elsewhere (the store knows the document).
    """
    if not isinstance(raw, dict):
        raise InvalidClaim(f"a claim must be a JSON object, got {type(raw).__name__}")
    predicate = raw.get("predicate")
    if predicate not in PREDICATES:
        raise InvalidClaim(f"unknown predicate {predicate!r}")
    pred = PREDICATES[predicate]
    for field in ("subject", "object"):
        _check_entity(field, raw.get(field))
    _check_countries("scope", raw.get("scope"))
    value = raw.get("value")
    if pred.counts and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise InvalidClaim(f"{predicate} needs a non-negative integer value, got {value!r}")
    if pred.values is not None and not (isinstance(value, str) and value in pred.values):
        raise InvalidClaim(f"{predicate} value {value!r} is not one of {', '.join(sorted(pred.values))}")
    stance = raw.get("stance") or "asserts"
    if not isinstance(stance, str) or stance not in STANCES:
        raise InvalidClaim(f"stance {stance!r} is not 'asserts' or 'denies'")
    qualifier = raw.get("qualifier")
    if qualifier is not None and not (isinstance(qualifier, str) and qualifier in QUALIFIERS):
        raise InvalidClaim(f"qualifier {qualifier!r} is not one of {', '.join(QUALIFIERS)}")
    said_by = raw.get("said_by") or {}
    if not isinstance(said_by, dict):
        raise InvalidClaim("said_by must be an object {name, country}")
    _check_countries("said_by", said_by)
    speaker = {"name": said_by.get("name"), "country": said_by.get("country")}
    if said_by.get("type") is not None:
        # only where given, so that the ids of claims without it do not change
        if said_by["type"] != "person":
            raise InvalidClaim(f"said_by.type {said_by['type']!r} is not 'person' (the only speaker type)")
        speaker["type"] = "person"
    valid = raw.get("valid") or {}
    if not isinstance(valid, dict):
        raise InvalidClaim("valid must be an object {from, to}")
    try:
        valid_from, valid_to = dates.normalize(valid.get("from")), dates.normalize(valid.get("to"))
    except dates.BadDate as e:
        raise InvalidClaim(f"valid: {e}") from None
    if valid_from and valid_to and dates.end_of(valid_to) < dates.start_of(valid_from):
        raise InvalidClaim(f"valid.to {valid_to} is before valid.from {valid_from}")
    if predicate in ("station.opened", "station.closed") and not valid_from:
        raise InvalidClaim(f"{predicate} needs valid.from (the date)")
    confidence = raw.get("confidence")
    if confidence is not None and not (isinstance(confidence, (int, float)) and not isinstance(confidence, bool)
                                       and 0 <= confidence <= 1):
        raise InvalidClaim(f"confidence must be a number between 0 and 1, got {confidence!r}")
    return {
        "predicate": predicate,
        "subject": _compact(raw.get("subject")) or None,
        "object": _compact(raw.get("object")) or None,
        "value": value,
        "scope": _compact(raw.get("scope")) or None,
        "qualifier": qualifier,
        "stance": stance,
        "said_by": speaker,
        "valid": {"from": valid_from, "to": valid_to},
        "excerpt": _check_excerpt_shape(raw.get("excerpt")),
        "confidence": None if confidence is None else float(confidence),  # stored as a float: 1 is 1.0
    }


def _check_excerpt_shape(excerpt: object) -> dict | None:
    if excerpt is None:
        return None
    if not isinstance(excerpt, dict):
        raise InvalidClaim("excerpt must be an object {start, end, text}")
    start, end = excerpt.get("start"), excerpt.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        raise InvalidClaim(f"excerpt span [{start!r}:{end!r}] is not 0 <= start < end")
    text = excerpt.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidClaim("excerpt.text must be a string")
    out = {"start": start, "end": end, "text": text}
    if excerpt.get("page") is not None:
        out["page"] = excerpt["page"]
    return out


def check_excerpt_against(claim: dict, text: str) -> None:
    """The excerpt must be the document's text at [start:end]."""
    ex = claim["excerpt"]
    if ex is None:
        return
    if ex["end"] > len(text):
        raise InvalidClaim(f"excerpt span [{ex['start']}:{ex['end']}] runs past the document's end ({len(text)} chars)")
    actual = text[ex["start"]:ex["end"]]
    if ex["text"] is None:
        ex["text"] = actual
    elif actual != ex["text"]:
        raise InvalidClaim(f"excerpt.text is not the document's text at [{ex['start']}:{ex['end']}]"
                           f" (document has {actual[:60]!r})")


def canonical_json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(obj: object) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()[:32]


def source_id(source: dict) -> str:
    """A source is known by its URL, else its document's hash, else title, publisher and date."""
    if source.get("url"):
        return _digest({"url": source["url"]})
    if source.get("document"):
        return _digest({"document": source["document"]})
    return _digest({k: source.get(k) for k in ("title", "publisher", "published")})


def claim_id(claim: dict, src_id: str) -> str:
    """Content hash over what makes a claim this claim (see the spec), stable across machines."""
    ex = claim.get("excerpt") or {}
    return _digest([src_id, claim["predicate"], claim["subject"], claim["object"], claim["value"],
                    claim["scope"], claim["stance"], claim["said_by"], claim["valid"],
                    [ex.get("start"), ex.get("end")]])


def entity_id(kind: str, key: object) -> str:
    return kind[:3] + "_" + _digest([kind, key])[:20]
