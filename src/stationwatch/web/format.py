"""How claims read on a page: labels, the place or body a claim is about, its value."""
from __future__ import annotations

from urllib.parse import urlencode, urlparse

from ..model import PREDICATES, country_name
from ..stations import operator_of, place_of

PREDICATE_LABELS = {
    "station.location": "Location",
    "station.operator": "Run by",
    "station.opened": "Opened",
    "station.closed": "Closed",
    "station.activity": "Activity",
    "station.staffing": "Staffing",
    "count.stations": "Stations counted",
    "count.stations_added": "Stations added",
    "count.countries": "Countries counted",
    "count.operators": "Police bureaus counted",
    "count.staff": "Staff counted",
    "count.persuaded_returns": "People 'persuaded' to return",
    "response.investigation": "Investigation",
    "response.acknowledgement": "Acknowledgement",
    "response.protest": "Diplomatic protest",
    "response.closure_order": "Closure order",
    "response.arrest": "Arrests or charges",
    "response.no_action": "No action",
    "cooperation.agreement": "Policing agreement with the PRC",
    "cooperation.joint_policing": "Joint policing with the PRC",
    "network.policing_abroad": "Policing abroad",
}
QUALIFIERS = {"more_than": "more than ", "at_least": "at least ", "about": "about ", "at_most": "at most "}


def predicate_label(p: str) -> str:
    if p in PREDICATE_LABELS:
        return PREDICATE_LABELS[p]
    if p.startswith("incident."):
        return "Incident: " + p.split(".", 1)[1].replace("_", " ")
    return p


def predicate_help(p: str) -> str:
    pred = PREDICATES.get(p)
    return f"{p}: {pred.about}" if pred else p


def place(country: str | None, locality: str | None = None) -> str:
    return ", ".join(x for x in (locality, country_name(country) if country else None) if x)


def about(c: dict) -> str:
    """The station, place, government or scope a claim is about, in words."""
    p = c["predicate"]
    if p.startswith("station."):
        country, locality = place_of(c)
        op = operator_of(c)
        where = place(country, locality) or "the network"
        return where + (f" (run from {op})" if op and p != "station.operator" else "")
    if p.startswith("incident."):
        o = c["object"] or {}
        return place(o.get("country"), o.get("locality"))
    if p.startswith("count."):
        return scope(c["scope"] or {})
    if p.startswith(("response.", "cooperation.")):
        cc = (c["subject"] or {}).get("country")
        return f"Government of {country_name(cc)}" if cc else "a government"
    return "the network"


def scope(s: dict) -> str:
    parts = [country_name(s["country"])] if s.get("country") else []
    if s.get("operator"):
        parts.append(f"run from {s['operator']}")
    parts += [f"{k}: {v}" for k, v in sorted(s.items()) if k not in ("country", "operator")]
    return ", ".join(parts) or "worldwide"


def figure(value, qualifier: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        value = f"{value:,}"
    return QUALIFIERS.get(qualifier or "", "") + str(value).replace("_", " ")


def value(c: dict) -> str:
    """What the claim says: the operator, the date, the figure, the activity."""
    p = c["predicate"]
    if p == "station.operator":
        o = c["object"] or {}
        return o.get("name") or o.get("seat") or ""
    if p in ("station.opened", "station.closed"):
        return c["valid"]["from"] or ""
    if p == "station.location":
        o = c["object"] or {}
        return place(o.get("country"), o.get("locality"))
    return figure(c["value"], c.get("qualifier"))


def sentence(c: dict) -> str:
    """One line: who says what about what."""
    who = c["said_by"]["name"] or source_label(c)
    verb = "denies" if c["stance"] == "denies" else "says"
    v = value(c)
    return f"{who} {verb}: {predicate_label(c['predicate'])} — {about(c)}" + (f": {v}" if v and v != about(c) else "")


def source_label(c_or_src: dict) -> str:
    src = c_or_src.get("source", c_or_src)
    return src.get("publisher") or src.get("title") or host(src.get("url")) or "(unnamed source)"


def host(url: str | None) -> str:
    return urlparse(url).hostname or "" if url else ""


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:) stays text."""
    if url and urlparse(url).scheme in ("http", "https"):
        return url
    return None


def valid_text(c: dict) -> str:
    v = c["valid"]
    if v["from"] and v["to"]:
        return f"{v['from']} to {v['to']}"
    if v["from"]:
        return f"from {v['from']}"
    if v["to"]:
        return f"until {v['to']}"
    return "from publication"


def confidence(c: dict) -> str:
    return "—" if c.get("confidence") is None else f"{c['confidence']:.2f}"


def display_name(name: str | None) -> str:
    """A document's origin as a reader wants it: the URL, or a file's own name."""
    if not name:
        return ""
    if urlparse(name).scheme in ("http", "https"):
        return name
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def with_params(path: str, **params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(clean) if clean else "")
