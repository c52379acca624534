"""The briefing: a publishable report of the record as of a date, as HTML or PDF.

Every figure in it carries a note marker `[n]`; note n lists, source by source (title,
publisher, date, URL, document SHA-256), the ids of the claims behind the figure, so a
reader can check each number with `stationwatch explain --claim ID`. Claims about or by
people are always left out (`export.public`): the report is made to be published.

Charts are SVG drawn by matplotlib (`charts`); the PDF is WeasyPrint's rendering of the
same HTML.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import dates, geo
from ..model import country_name, source_id
from ..query import claim_start, speaker
from ..query.export_views import (Snapshot, country_rows, denials, response_timeline, snapshot, sources,
                                  station_rows)
from ..store import Store
from . import ExportError, charts, write_atomic

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUALIFIER = {"at_least": "at least", "more_than": "more than", "about": "about", "at_most": "at most"}


def long_date(value: str | dt.date | None) -> str:
    """`2022-12-31` -> `31 December 2022`; partial dates stay partial (`December 2022`)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        value = value.isoformat()
    y, m, d = dates.parse_partial(value)
    if d:
        return f"{d} {dt.date(y, m, 1):%B} {y}"
    if m:
        return f"{dt.date(y, m, 1):%B} {y}"
    return str(y)


def figure_text(f: dict) -> str:
    q = QUALIFIER.get(f.get("qualifier"))
    return f"{q} {f['value']}" if q else str(f["value"])


@dataclass
class Note:
    number: int
    text: str
    claim_ids: list[str]
    sources: list[dict] = field(default_factory=list)  # each with its claim ids


class Notes:
    """Numbered notes in order of first use; the same claims for the same statement share one."""

    def __init__(self, snap: Snapshot, source_numbers: dict[str, int]):
        self.snap = snap
        self.source_numbers = source_numbers
        self.notes: list[Note] = []
        self._by_key: dict[tuple, Note] = {}

    def cite(self, text: str, claims: list[dict]) -> int:
        ids = []
        for c in claims:
            if c["id"] not in ids:
                ids.append(c["id"])
        if not ids:
            raise ValueError(f"a figure without claims: {text}")
        key = (text, tuple(sorted(ids)))
        if key in self._by_key:
            return self._by_key[key].number
        note = Note(len(self.notes) + 1, text, ids)
        for src in sources(claims):
            src = dict(src, number=self.source_numbers.get(src["id"]))
            note.sources.append(src)
        self.notes.append(note)
        self._by_key[key] = note
        return note.number


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def build(store: Store, *, as_of: dt.date, known_at: dt.date | None = None) -> dict:
    """Everything the template shows, with the note numbers already assigned in reading order;
    read from one version of the store (`Store.pinned`)."""
    with store.pinned():
        return _context(store, as_of, known_at)


def _context(store: Store, as_of: dt.date, known_at: dt.date | None) -> dict:
    snap = snapshot(store, as_of=as_of, known_at=known_at, public=True)
    omitted = store.count_claims(status="accepted", known_at=known_at) \
        - snap.reader.count_claims(status="accepted", known_at=known_at)
    srcs = sources(snap.in_view())
    n_claims = sum(len(s["claim_ids"]) for s in srcs)  # a claim has one source
    if not n_claims:
        raise ExportError(f"no accepted claims hold by {as_of.isoformat()}"
                          + (f" in sources published by {known_at.isoformat()}" if known_at else "")
                          + ": nothing to report")
    numbers = {s["id"]: i for i, s in enumerate(srcs, 1)}
    for s in srcs:
        s["number"] = numbers[s["id"]]
    notes = Notes(snap, numbers)
    stations = station_rows(snap)
    timeline = response_timeline(snap)
    operating = [s for s in stations if s["present"]]
    closed = [s for s in stations if s["status"] == "closed"]
    op_claims = [c for s in operating for c in s["claims"]]

    headline = []
    n_countries = len({s["country"] for s in operating})
    if operating:
        note = notes.cite(f"Stations documented as operating on {long_date(as_of)}: each is a distinct station "
                          "located by the claims below (and not closed by then).", op_claims)
        headline.append({"number": str(len(operating)), "label": "stations documented",
                         "detail": f"operating in {n_countries} {'country' if n_countries == 1 else 'countries'}",
                         "note": note, "kind": "documented"})
    global_figs = [f for f in snap.reported if not f["scope"]]
    for predicate, label, noun in (("count.stations", "stations reported", "station"),
                                   ("count.countries", "countries reported", "country")):
        figs = [f for f in global_figs if f["predicate"] == predicate]
        if not figs:
            continue
        top = max(figs, key=lambda f: (f["value"], len(f["claim_ids"]), f["qualifier"] is not None))
        same = [f for f in figs if f["value"] == top["value"]]
        claims = [snap.slim(i) for f in same for i in f["claim_ids"]]
        speakers = sorted({f["said_by"] for f in same})
        note = notes.cite(f"The largest {noun} count in effect on {long_date(as_of)}: "
                          f"{figure_text(top)}, as reported by {', '.join(speakers)}.", claims)
        headline.append({"number": figure_text(top), "label": label,
                         "detail": f"{', '.join(speakers)}, {long_date(top['valid_from'] or top['published'])}",
                         "note": note, "kind": "reported"})
    if closed:
        note = notes.cite(f"Documented stations closed by {long_date(as_of)}.",
                          [c for s in closed for c in s["claims"] if c["id"] in s["closed_by"]])
        headline.append({"number": str(len(closed)), "label": "stations closed",
                         "detail": "; ".join(s["label"] for s in closed), "note": note, "kind": "documented"})
    acting = [r for r in timeline if r["predicate"] != "response.no_action" and r["stance"] == "asserts"]
    if acting:
        govs = sorted({r["country_name"] for r in acting})
        note = notes.cite(f"Host governments that responded by {long_date(as_of)} (investigation, protest, "
                          "acknowledgement, closure order or arrests).", [r["claim"] for r in acting])
        headline.append({"number": str(len(govs)), "label": "governments responded",
                         "detail": ", ".join(govs), "note": note, "kind": "documented"})
    denied = denials(snap)
    if denied:
        who = sorted({speaker(c) for c in denied})
        note = notes.cite("Denials: claims that deny the network, or a station, exists or operates.", denied)
        headline.append({"number": str(len(denied)), "label": "denials on record" if len(denied) > 1 else "denial on record",
                         "detail": "by " + ", ".join(who), "note": note, "kind": "contested"})

    # Figure 1: the map
    points, labels = [], {}
    for s in stations:
        loc = geo.locate(s["country"], s["locality"])
        if loc:
            points.append({"lat": loc.lat, "lon": loc.lon, "precision": loc.precision,
                           "closed": s["status"] == "closed", "label": s["label"]})
            labels.setdefault(s["country"], (loc.lat, loc.lon, country_name(s["country"])))
    map_svg, map_basis = charts.station_map(points, labels)
    map_note = notes.cite(f"Stations on the map: those documented as operating or closed on {long_date(as_of)}.",
                          [c for s in stations for c in s["claims"]]) if stations else None
    unlocated = [s for s in stations if not geo.locate(s["country"], s["locality"])]
    approximate = [s for s in stations if (geo.locate(s["country"], s["locality"]) or geo.Location(0, 0, "city", "")).precision != "city"]

    # the table by country, and Figure 2
    rows = country_rows(snap, stations, timeline)
    for r in rows:
        best = max(r["reported"], key=lambda f: (f["value"], len(f["claim_ids"])), default=None)
        r["reported_value"] = best["value"] if best else None
        r["reported_text"] = (f"{figure_text(best)} ({', '.join(sorted({f['said_by'] for f in r['reported'] if f['value'] == best['value']}))})"
                              if best else "")
        r["note"] = notes.cite(f"{r['country_name']}: the documented stations, reported counts and responses "
                               "in this row.", [snap.slim(i) for i in r["claim_ids"]])
    bars_svg = charts.country_bars(rows) if rows else None
    bar_claims = [snap.slim(i) for r in rows for i in r["claim_ids"]
                  if snap.slim(i)["predicate"].startswith(("station.", "count."))]
    bars_note = notes.cite("Documented and reported stations by country.", bar_claims) if bar_claims else None

    # Figure 3: reported totals over time
    totals = [f for f in snap.reported + snap.superseded if f["predicate"] == "count.stations" and not f["scope"]]
    totals_points = [{"said_by": f["said_by"], "value": f["value"], "current": f in snap.reported,
                      "date": min(claim_start(snap.slim(i)) for i in f["claim_ids"])} for f in totals]
    totals_svg = charts.reported_totals(totals_points) if totals_points else None
    totals_note = notes.cite("Global station counts reported over time, each at the date it starts to hold.",
                             [snap.slim(i) for f in totals for i in f["claim_ids"]]) if totals else None

    # Figure 4 and the response table
    timeline_svg = charts.response_timeline(timeline) if timeline else None
    timeline_note = notes.cite("Government responses, each at its own date or, where the source gives none, "
                               "the date it was reported.", [r["claim"] for r in timeline]) if timeline else None
    for r in timeline:
        c = r["claim"]
        r["said_by"] = speaker(c)
        r["source_number"] = numbers[source_id(c["source"])]
        r["text"] = (c.get("excerpt") or {}).get("text") or c.get("note") or ""

    contested = [s for s in stations if s["contested"]]
    return {
        "title": "China\u2019s overseas police service stations",
        "as_of": as_of.isoformat(), "as_of_long": long_date(as_of),
        "known_at": known_at.isoformat() if known_at else None,
        "known_at_long": long_date(known_at) if known_at else None,
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "n_claims": n_claims, "n_sources": len(srcs), "omitted": omitted,
        "headline": headline, "stations": stations, "operating": operating, "closed": closed,
        "contested": contested, "rows": rows, "timeline": timeline, "sources": srcs,
        "notes": notes.notes, "reported": snap.reported,
        "map": {"uri": _svg_uri(map_svg), "basis": map_basis, "note": map_note,
                "approximate": approximate, "unlocated": unlocated},
        "bars": {"uri": _svg_uri(bars_svg), "note": bars_note} if bars_svg else None,
        "totals": {"uri": _svg_uri(totals_svg), "note": totals_note} if totals_svg else None,
        "timeline_fig": {"uri": _svg_uri(timeline_svg), "note": timeline_note} if timeline_svg else None,
        "summary": _summary(snap, rows, operating),
    }


def _summary(snap: Snapshot, rows: list[dict], operating: list[dict]) -> list[str]:
    """Plain sentences setting what speakers report against what is documented."""
    out = []
    for f in snap.reported:
        if f["predicate"] == "count.stations" and not f["scope"]:
            out.append(f"{f['said_by']} reports {figure_text(f)} stations worldwide "
                       f"({f['source']}, {long_date(f['published'])}); {len(operating)} are documented here.")
    for r in rows:
        for f in r["reported"]:
            out.append(f"{f['said_by']} reports {figure_text(f)} in {r['country_name']}; "
                       f"{r['documented']} {'is' if r['documented'] == 1 else 'are'} documented here.")
    seen, unique = set(), []
    for s in out:
        if s not in seen:
            seen.add(s)
            unique.append(s)
    return unique


def render_html(context: dict) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["long_date"] = long_date
    env.filters["country_name"] = country_name
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(css=css, **context)


def render_pdf(html: str) -> bytes:
    import logging

    from weasyprint import HTML
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def write_report(store: Store, output: Path | str, *, fmt: str = "pdf", as_of: dt.date,
                 known_at: dt.date | None = None) -> str:
    """Write the briefing to `output` (atomically); returns a one-line summary."""
    if fmt not in ("html", "pdf"):
        raise ExportError(f"unknown report format {fmt!r} (html or pdf)")
    output = Path(output)
    if output.is_dir() or not output.parent.exists():
        write_atomic(output, b"")  # raises the one-line error before any work is done
    context = build(store, as_of=as_of, known_at=known_at)
    html = render_html(context)
    write_atomic(output, render_pdf(html) if fmt == "pdf" else html)
    return (f"report as of {context['as_of']} written to {output} ({len(context['headline'])} headline figures, "
            f"{len(context['notes'])} notes, {context['n_claims']} claims, {context['n_sources']} sources)")
