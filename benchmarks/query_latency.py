"""Latency of tally, explain and a station page at 1,000,000 claims, and the memory it takes.

    .venv/bin/python benchmarks/generate_corpus.py --load sqlite:////tmp/sw1m.db          # once (100,000 docs)
    .venv/bin/python benchmarks/query_latency.py --db sqlite:////tmp/sw1m.db
    .venv/bin/python benchmarks/query_latency.py --db postgresql://postgres@127.0.0.1:5432/sw1m

Times the query layer as the CLI and the JSON API call it (`query.tally`, `explain_country`,
`station_detail` over a Store), in one process, on a store that was not written meanwhile:

* cold: the first tally of this store version, which streams the accepted claims and builds
  the per-version index (entity resolution over every station claim included);
* tally: 200 as-of dates drawn uniformly from 2016-2026 (each new to the process), as known
  today, and 40 with a knowledge date (its index built first, untimed);
* explain: 40 countries x dates, each printing every claim behind the country's figures;
* station page: 200 stations x dates, a station's state with all of its claims;
* after a write (`--writes N`, default 5 of each kind): a candidate station, count and
  response claim accepted, then the first tally; and each taken back again (the store's
  claims end as they began; its ledger records the decisions), then the first tally. The
  index is updated in place, not rebuilt.

Prints p50/p95 in milliseconds and the peak resident memory of the process (ru_maxrss).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import time


def percentiles(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"p50_ms": round(statistics.median(xs) * 1000, 1), "p95_ms": round(xs[int(len(xs) * 0.95) - 1] * 1000, 1),
            "max_ms": round(xs[-1] * 1000, 1), "n": len(xs)}


def timed(f, *args, **kw) -> float:
    t = time.perf_counter()
    f(*args, **kw)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--writes", type=int, default=5, help="candidates of each kind accepted and taken back")
    args = ap.parse_args()

    from stationwatch import query
    from stationwatch.store import Store
    rng = random.Random(args.seed)
    store = Store(args.db)
    with store.engine.connect() as conn:
        from sqlalchemy import func, select

        from stationwatch.store.schema import claims, documents
        n_claims = conn.scalar(select(func.count()).select_from(claims))
        n_accepted = conn.scalar(select(func.count()).select_from(claims).where(claims.c.status == "accepted"))
        n_docs = conn.scalar(select(func.count()).select_from(documents))
    day = lambda: dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(365 * 11))
    out = {"db": args.db.split("://")[0], "documents": n_docs, "claims": n_claims, "accepted": n_accepted}

    t = time.perf_counter()
    first = query.tally(store, as_of=dt.date(2023, 1, 1))
    out["cold_tally_s"] = round(time.perf_counter() - t, 2)
    out["stations"] = len(first["documented"]["station_list"]) + len(first["documented"]["closed"])
    out["tally"] = percentiles([timed(query.tally, store, as_of=day()) for _ in range(200)])
    known = dt.date(2023, 6, 30)
    t = time.perf_counter()
    query.tally(store, as_of=known, known_at=known)
    out["cold_tally_known_at_s"] = round(time.perf_counter() - t, 2)
    out["tally_known_at"] = percentiles([timed(query.tally, store, as_of=day(), known_at=known) for _ in range(40)])
    countries = sorted(first["documented"]["by_country"], key=lambda cc: -first["documented"]["by_country"][cc])[:20]
    out["explain"] = percentiles([timed(query.explain_country, store, rng.choice(countries), as_of=day())
                                  for _ in range(40)])
    ids = [s["id"] for s in first["documented"]["station_list"]]
    out["station_page"] = percentiles([timed(query.station_detail, store, rng.choice(ids), as_of=day())
                                       for _ in range(200)])
    for predicate in ("station.location", "count.stations", "response.investigation"):
        after = {"accepted": [], "rejected": []}
        for c in store.find_claims(status="candidate", predicate=predicate, order="confidence", limit=args.writes):
            for decision in ("accepted", "candidate"):
                store.review([c["id"]], decision, reviewer="benchmark")
                after["accepted" if decision == "accepted" else "rejected"].append(
                    timed(query.tally, store, as_of=dt.date(2023, 1, 1)))
        out[f"tally_after_accepting_{predicate}"] = percentiles(after["accepted"])
        out[f"tally_after_taking_back_{predicate}"] = percentiles(after["rejected"])
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
