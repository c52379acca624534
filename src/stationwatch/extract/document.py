"""A document read once: its matches, sentences and clauses.

`Doc` runs the prefilter (gazetteer.prefilter: a small automaton over the text merely
lower-cased) over the whole text; its hits are exact for every key that can make a
sentence worth reading or decide what the document is about (keywords, government
nouns, named speakers, China, PRC bureaus, page furniture). Only the sentences those
hits pick are folded and scanned with the full automaton (places and every keyword),
so a document costs little beyond its relevant sentences, however long it is. A
sentence's matches become mentions (language, capitalization and nesting checked) only
when the match flags say a rule or the speaker tracking will read them. `View` is one
sentence, with numbers, dates and clause boundaries computed only when a rule asks for
them.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial

from . import dates as dates_mod
from . import numbers as numbers_mod
from . import resources
from .gazetteer import (F_ACTOR, F_ADVERT, F_CHINA, F_COUNTRY, F_CREDIT, F_FURNITURE, F_GOV, F_NETWORK,
                        F_PLACE, F_SPEECH, F_STATION, F_TRIGGER, F_WEAK, TRIGGERS, WINDOW_ONLY, Place,
                        names_china, prefilter_hits, prefold, raw_matches, spans)
from .normalize import _NON_WORD, CJK, fold
from .segment import _BLANK_LINES, FurnitureCounter, LocalSegmenter, Sentence, sentences, word_count

# A sentence whose matches carry none of these bits is skipped unread.
F_READ = F_TRIGGER | F_SPEECH | F_PLACE | F_WEAK | F_ACTOR | F_GOV
_SENTENCE_PUNCT = re.compile(r"[.;!?。；！？\n]")


@lru_cache(maxsize=1)
def _running_words() -> re.Pattern:
    """Words for running or opening something, in every language we read."""
    cats = resources.table("lexicon")["categories"]
    words = {w.strip("*").lower() for cat in ("open", "operate") for lang, ws in cats[cat].items()
             if not lang.startswith("_") for w in ws}
    latin = sorted((w for w in words if not CJK.search(w)), key=len, reverse=True)
    cjk = sorted((w for w in words if CJK.search(w)), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in latin) + r")|" + "|".join(map(re.escape, cjk)), re.I)


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    kind: str  # place, kw, gov, org, demonym, bureau
    cat: str = ""  # keyword category, government type, organization kind
    country: str | None = None
    place: Place | None = None
    name: str | None = None  # organization name, bureau seat

    @property
    def locality(self) -> str | None:
        return self.place.locality if self.place else None


def _lang_ok(entry_lang: str, doc_lang: str | None) -> bool:
    return doc_lang is None or entry_lang in (doc_lang, "en", "xx")


def _no_furniture(start: int, end: int) -> tuple[int, int]:
    return 0, 0


def _furniture_words(hits: list[tuple[int, int, int]], starts: list[int], start: int, end: int) -> tuple[int, int]:
    adverts = credits = 0
    i = bisect.bisect_left(starts, start)
    for s, e, f in hits[i:]:
        if s >= end:
            break
        if e <= end:
            adverts += bool(f & F_ADVERT)
            credits += bool(f & F_CREDIT)
    return adverts, credits


class Doc:
    """A document as the rules read it.

    The prefilter's exact hits over the whole text decide what the document is about
    (China, stations, page furniture) and which sentences to read; only those sentences
    are folded and scanned with the full automaton (places, every keyword), once each.
    """

    def __init__(self, text: str, lang: str | None, published: str | None, detect=None) -> None:
        """`detect`, when given, is asked for the language only if the text names China at
        all (most of what is ingested does not, and is then done with here)."""
        self.text = text
        self.lang = lang
        self.published = published
        self._pre, self._cjk = prefold(text)
        self._countries_named: set[str] | None = None
        self._cache: dict[int, list[Mention]] = {}
        self._scans: dict[int, tuple[str, list]] = {}  # sentence start -> (folded, raw matches)
        self._sent_flags: dict[int, int] = {}  # sentence start -> its matches' flags
        self._to_read: list[Sentence] | None = None
        # Most of what is ingested never names China: one look for it, and done.
        if not names_china(self._pre, self._cjk):
            self._hits = None  # computed only if a tool asks (Doc.sentences)
            self._doc_flags = 0
            self.about_china = self.network_link = self.station_topic = False
            return
        hits_ = prefilter_hits(self._pre, self._cjk)
        blank = [(m.start(), m.end()) for m in _BLANK_LINES.finditer(text)] if "\n" in text else []
        self._block_starts = [0] + [b for _, b in blank]
        self._block_ends = [a for a, _ in blank] + [len(text)]
        doc_flags = 0
        for _, _, f in hits_:
            doc_flags |= f
        # Speech verbs and government nouns matter in the paragraphs with a keyword, a
        # named speaker or a bureau, and in the two before each: only there are they sought.
        if doc_flags & F_CHINA:
            wanted = F_TRIGGER | F_ACTOR | (F_WEAK if doc_flags & F_STATION else 0)
            blocks = {self._block_of(s) for s, _, f in hits_ if f & wanted}
            near = sorted(blocks | {b - 1 for b in blocks} | {b - 2 for b in blocks})
            extra = []
            spans: list[list[int]] = []
            for b in near:
                if b < 0:
                    continue
                if spans and spans[-1][2] == b - 1:
                    spans[-1][1:] = [self._block_ends[b], b]  # neighbouring paragraphs in one pass
                else:
                    spans.append([self._block_starts[b], self._block_ends[b], b])
            for a, z, _ in spans:
                extra += prefilter_hits(self._pre, self._cjk, True, a, z)
            if extra:
                hits_ = sorted(hits_ + extra)
                for _, _, f in extra:
                    doc_flags |= f
        self._hits = hits_
        self._hit_starts = [h[0] for h in hits_]
        self._doc_flags = doc_flags
        if detect is not None and doc_flags & F_CHINA:
            self.lang = lang = detect(text)
        # A text that never names China, a Chinese body or a PRC bureau is not about this
        # network, whatever police stations it mentions (a brawl at a station in Leeds).
        self.about_china = bool(doc_flags & F_CHINA)
        # Its police stations are the network's only when the text ties one to China:
        # a word only the network has, a PRC bureau, or China named next to a station
        # word ('Chinese police stations', 'stazioni di polizia cinesi'). A Chinese
        # restaurant near a police station in Lille ties nothing.
        self.network_link = bool(doc_flags & F_NETWORK) or \
            (self.about_china and bool(doc_flags & F_STATION) and self._china_next_to_station())
        self.station_topic = bool(doc_flags & F_STATION) and self.network_link

    @cached_property
    def segmenter(self) -> LocalSegmenter:
        return LocalSegmenter(self.text, self.lang, self._furniture_counter(), bool(self._flags() & F_FURNITURE))

    def _flags(self) -> int:
        if self._hits is None:  # a text without China, asked about its furniture by a tool
            self._hits = prefilter_hits(self._pre, self._cjk)
            self._hit_starts = [h[0] for h in self._hits]
            for _, _, f in self._hits:
                self._doc_flags |= f
        return self._doc_flags

    def _block_of(self, pos: int) -> int:
        return bisect.bisect_right(self._block_starts, pos) - 1

    def _china_next_to_station(self) -> bool:
        """In one sentence, a station word and China: qualifying it ('Chinese police
        stations', 'comisarías chinas'), running or opening it ('China has set up 48 police
        stations'), or speaking of it as a state ('Beijing', 'the Chinese embassy')."""
        stations = [(a, b) for a, b, f in self._hits if f & F_STATION]
        china = [(a, b, f) for a, b, f in self._hits if f & F_CHINA]
        govs = [(a, b) for a, b, f in self._hits if f & F_GOV]
        text = self.text
        for a, b in stations:
            for c, d, f in china:
                lo, hi = (d, a) if d <= a else (b, c) if b <= c else (a, a)
                gap = text[lo:hi]
                if hi - lo > 400 or _SENTENCE_PUNCT.search(gap):
                    continue
                words = word_count(gap)
                if words <= 2 or f & F_ACTOR:
                    return True
                if words <= 8 and _running_words().search(gap):
                    return True
                if any((y <= c and word_count(text[y:c]) <= 3 or d <= x and word_count(text[d:x]) <= 3)
                       and not _SENTENCE_PUNCT.search(text[min(y, d):max(x, c)]) for x, y in govs):
                    return True  # 'the Chinese embassy', 'ambasciata cinese', '中国驻爱尔兰大使馆'
        return False

    @cached_property
    def sentences(self) -> list[Sentence]:
        """Every sentence (for tests and tools; extraction reads only `sentences_to_read`)."""
        return sentences(self.text, self.lang, self._furniture_counter())

    @cached_property
    def folded(self) -> str:
        """The whole text folded (for tests and tools; the rules fold what they read)."""
        return fold(self.text)

    def sentences_to_read(self) -> list[Sentence]:
        """The sentences a rule or the speaker tracking will read, in text order.

        Those with a rule's keyword; those naming a speaker (later sentences may say
        'the NGO'); and, in paragraphs where a rule fires or the paragraph before, those
        with a speech verb or a government noun (whose speaker or government the rule's
        sentence may continue).
        """
        if self._to_read is not None:
            return self._to_read
        if not self.about_china:
            self._to_read = []
            return []
        triggers = F_TRIGGER | (F_WEAK if self.station_topic else 0)
        read = self._sentences_with(triggers | F_ACTOR)
        paras = {s.para for s in read if self.flags(s) & triggers}
        if paras:
            near = paras | {p - 1 for p in paras} | {p - 2 for p in paras}
            extra = [s for s in self._sentences_with(F_SPEECH | F_GOV) if s.para in near]
            merged = {s.start: s for s in read + extra}
            read = [merged[k] for k in sorted(merged)]
        self._to_read = read
        return read

    def _sentences_with(self, wanted: int) -> list[Sentence]:
        """The sentences holding a match with one of the `wanted` flags, in text order."""
        out: list[Sentence] = []
        seen: set[int] = set()
        last: Sentence | None = None
        for pos, _, flags in self._hits:
            if not flags & wanted:
                continue
            if last is not None and last.start <= pos < last.end:
                continue
            sent = self.segmenter.sentence_at(pos)
            if sent is None or sent.start in seen:
                continue
            seen.add(sent.start)
            out.append(sent)
            last = sent
        out.sort(key=lambda s: s.start)
        return out

    # -- matches ----------------------------------------------------------------------
    def _scan(self, sent: Sentence) -> tuple[str, list]:
        """The sentence folded and the full automaton's matches in it (end indices in the
        sentence padded, as `raw_matches` gives them; `spans` places them in the text)."""
        got = self._scans.get(sent.start)
        if got is None:
            folded = _NON_WORD.sub(" ", self._pre[sent.start:sent.end])  # the prefold, punctuation folded
            got = self._scans[sent.start] = folded, list(raw_matches(folded))
        return got

    def _furniture_counter(self) -> FurnitureCounter:
        """Advert and credit words in a span of the text (exact: the prefilter's hits).

        It holds the hits, not the Doc: the segmenter keeps it, and a Doc it pointed back
        to would live on in a reference cycle until the garbage collector came by."""
        if not self._flags() & F_FURNITURE:
            return _no_furniture
        return partial(_furniture_words, self._hits, self._hit_starts)

    def flags(self, sent: Sentence) -> int:
        """The union of the sentence's match flags (cached: asked several times a sentence)."""
        f = self._sent_flags.get(sent.start)
        if f is None:
            f = 0
            for _, v in self._scan(sent)[1]:
                if v is not None:
                    f |= v[4]
            self._sent_flags[sent.start] = f
        return f

    @property
    def countries_named(self) -> set[str]:
        """Countries the sentences read name outright (or by their capital, or by a town
        that is nowhere else), to choose among same-named places."""
        if self._countries_named is None:
            named = set()
            for sent in self.sentences_to_read():
                for _, v in self._scan(sent)[1]:
                    if v is None or not v[4] & (F_COUNTRY | F_PLACE):
                        continue
                    for p in v[3]:
                        if p[0] == "demonym":
                            named.add(p[1])
                        elif p[0] == "place":
                            named.update(c.country for c in p[2] if c.locality is None)
                            first = p[2][0]
                            if first.capital or all(c.country == first.country or
                                                    c.population * 5 <= first.population for c in p[2][1:]):
                                # 'Madrid says ... Valencia', 'Valencia y Sevilla': Spain's Valencia
                                named.add(first.country)
            self._countries_named = named
        return self._countries_named

    # -- mentions ---------------------------------------------------------------------
    def mentions(self, sent: Sentence) -> list[Mention]:
        """The sentence's mentions (cached), or [] when its matches concern no rule."""
        got = self._cache.get(sent.index)
        if got is not None:
            return got
        folded, raw = self._scan(sent)
        out: list[Mention] = []
        if raw and self.flags(sent) & F_READ:
            lang, holes = self.lang, sent.holes
            for start, end, payloads, _ in spans(folded, raw, lang, self.text, sent.start):
                if start >= sent.start and end <= sent.end and not (holes and sent.in_hole(start)):
                    _add_mentions(out, start, end, payloads, lang)
            for m in out:
                if m.kind == "place":
                    self._resolve_place(m)
            if self.lang == "zh":
                out = _within_chinese_words(folded, sent, out)  # simplified: jieba knows 伦敦, not 倫敦
            split = _split_keywords(self.lang)
            if split is not None:
                out = _with_split_keywords(self.text, sent, out, split)
        self._cache[sent.index] = out
        return out

    def _resolve_place(self, m: Mention) -> None:
        """Among same-named places pick one in a country the document names, else the largest."""
        cands = m.name
        m.name = None
        best = cands[0]
        if len(cands) > 1 and best.country not in self.countries_named:
            for c in cands[1:]:
                # Valencia, Spain over Valencia, Venezuela in a text about Spain; but
                # not Paris, Texas over Paris because someone says 'American'.
                if c.country in self.countries_named and c.population * 5 >= best.population:
                    best = c
                    break
        m.place, m.country = best, best.country

def _add_mentions(out: list[Mention], start: int, end: int, payloads: tuple, lang: str | None) -> None:
    """Every keyword reading of a span, plus its best entity reading.

    A span can be two keywords at once ('dismissed' is a denial and a speech verb);
    as an entity it is one thing: an organization over a bureau over a place over a
    demonym (`spans` has already dropped the readings whose capitals the text lacks).
    """
    kws, gov, entity = _readings(payloads, lang)
    for cat in kws:
        out.append(Mention(start, end, "kw", cat))
    if gov is not None:
        out.append(Mention(start, end, "gov", gov))
    if entity is None:
        return
    kind, p = entity
    if kind == "org":
        out.append(Mention(start, end, "org", p[3], p[2], None, p[1]))
    elif kind == "bureau":
        out.append(Mention(start, end, "bureau", "", None, None, p[1]))
    elif kind == "place":
        # the candidates stand in `name` until Doc._resolve_place picks one
        out.append(Mention(start, end, "place", "", p[2][0].country, p[2][0], p[2]))
    else:
        out.append(Mention(start, end, "demonym", "", p[1]))


_READINGS: dict[tuple[int, str | None], tuple] = {}
_RANK = {"org": 0, "bureau": 1, "place": 2, "demonym": 3}


def _readings(payloads: tuple, lang: str | None) -> tuple:
    """(keyword categories, government type, best entity reading or None) of a match's
    payloads in a language; the automaton hands out the same tuples, so this is cached."""
    key = (id(payloads), lang)
    got = _READINGS.get(key)
    if got is not None and got[0] is payloads:
        return got[1]
    kws: list[str] = []
    gov = None
    entities = []
    for i, p in enumerate(payloads):
        kind = p[0]
        if kind == "kw":
            if p[1] not in WINDOW_ONLY and _lang_ok(p[2], lang) and p[1] not in kws:
                kws.append(p[1])
        elif kind == "gov":
            if _lang_ok(p[2], lang) and gov is None:
                gov = p[1]
        elif kind in _RANK:
            entities.append((_RANK[kind], i, kind, p))
    entity = min(entities)[2:] if entities else None
    value = (tuple(kws), gov, entity)
    if len(_READINGS) > 200_000:
        _READINGS.clear()  # merged payloads are new tuples each time: keep the cache bounded
    _READINGS[key] = (payloads, value)
    return value


@lru_cache(maxsize=16)
def _split_keywords(lang: str | None) -> tuple[re.Pattern, dict[str, list[tuple[str, re.Pattern]]]] | None:
    """German and Dutch separable verbs ('wies die Vorwürfe zurück'): a pattern for their
    first parts, and for each first part its categories and the pattern of its last part."""
    table = resources.table("grammar")["split_keywords"].get(lang or "")
    if not table:
        return None
    by_first: dict[str, list[tuple[str, re.Pattern]]] = {}
    for cat, first, last in table:
        by_first.setdefault(first, []).append((cat, re.compile(rf"(?<!\w){re.escape(last)}(?!\w)", re.I)))
    firsts = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in sorted(by_first, key=len, reverse=True))
                        + r")(?!\w)", re.I)
    return firsts, by_first


_CLAUSE_END = re.compile(r"[.;:!?]")


def _with_split_keywords(text: str, sent: Sentence, mentions: list[Mention], split) -> list[Mention]:
    firsts, by_first = split
    added = []
    for m in firsts.finditer(text, sent.start, sent.end):
        stop = _CLAUSE_END.search(text, m.end(), sent.end)
        end = stop.start() if stop else sent.end
        for cat, last in by_first[m.group().lower()]:
            if last.search(text, m.end(), end) and not any(
                    x.kind == "kw" and x.cat == cat and x.start <= m.start() < x.end for x in mentions):
                added.append(Mention(m.start(), m.end(), "kw", cat))
    if not added:
        return mentions
    return sorted(mentions + added, key=lambda x: x.start)


_SHORT_HAN = re.compile(r"^[\u4e00-\u9fff]{2}$")


def _within_chinese_words(folded: str, sent: Sentence, mentions: list[Mention]) -> list[Mention]:
    """Drop two-character Chinese place names that start inside a word ('加州' in '增加州政府').

    Written Chinese has no spaces, so a short name can sit astride two words; jieba's
    segmentation of the sentence (only when such a name is found) tells us where the
    words are. A name jieba does not know splits into characters, which never objects.
    """
    short = [m for m in mentions if m.kind == "place"
             and _SHORT_HAN.match(folded[m.start - sent.start:m.end - sent.start])]
    if not short:
        return mentions
    bounds = _word_bounds(folded)
    # A name must start a word; it may end inside one ('英国内政部' is one word to jieba).
    bad = {id(m) for m in short if (m.start - sent.start) not in bounds}
    return [m for m in mentions if id(m) not in bad] if bad else mentions


def _word_bounds(sentence: str) -> set[int]:
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    bounds = {0, len(sentence)}
    for _, a, b in jieba.tokenize(sentence):
        bounds.add(a)
        bounds.add(b)
    return bounds


# Every branch opens with a plain character (the space before a dash is looked behind
# for after it), so the regex engine can skip ahead to the candidates.
_CLAUSE_PUNCT = re.compile(r"[;—–，；：]|-(?<=\s-)(?=\s)|:(?=\s)")


@lru_cache(maxsize=16)
def _clause_words(lang: str | None) -> re.Pattern:
    words = resources.per_language(resources.table("grammar")["clause_break_words"], lang)
    latin = [w for w in words if not CJK.search(w)]
    cjk = [w for w in words if CJK.search(w)]
    parts = []
    if latin:
        parts.append(r"(?:,\s*|\s)(?:" + "|".join(re.escape(w) for w in latin) + r")\b")
    if cjk:
        parts.append("|".join(re.escape(w) for w in cjk))
    return re.compile("|".join(parts), re.I)


_LETTER_RUNS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=16)
def _clause_word_sets(lang: str | None) -> tuple[frozenset[str], tuple[str, ...]]:
    """Words of the clause-break phrases (any of them must be there for one to be), and
    the CJK phrases."""
    words = resources.per_language(resources.table("grammar")["clause_break_words"], lang)
    latin = frozenset(w for phrase in words if not CJK.search(phrase) for w in _LETTER_RUNS.findall(phrase.lower()))
    return latin, tuple(w for w in words if CJK.search(w))


class _computed_once:
    """functools.cached_property without the lock Python 3.11 takes on each first access:
    thousands of Views are made a second, each asked for several such values, and a View
    is only ever read by the thread that made it. The value goes in the instance dict,
    which later reads find first."""

    def __init__(self, func) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


class View:
    """One sentence of a Doc, with what the rules need computed lazily."""

    def __init__(self, doc: Doc, sent: Sentence) -> None:
        self.doc = doc
        self.sent = sent
        self.memo: dict = {}  # what the rules work out about one mention, asked for again and again
        self.start, self.end = sent.start, sent.end
        self.mentions = doc.mentions(sent)
        by_cat: dict[str, list[Mention]] = {}
        for m in self.mentions:
            by_cat.setdefault(m.cat if m.kind == "kw" else "@" + m.kind, []).append(m)
        self._by_cat = by_cat

    # -- mentions -------------------------------------------------------------
    def kws(self, *cats: str) -> list[Mention]:
        if len(cats) == 1:
            return self._by_cat.get(cats[0], [])
        out = [m for c in cats for m in self._by_cat.get(c, ())]
        out.sort(key=lambda m: m.start)
        return out

    @property
    def categories(self):
        """The keyword categories of the sentence's mentions, and '@' + each entity kind."""
        return self._by_cat.keys()

    def has(self, *cats: str) -> bool:
        return any(c in self._by_cat for c in cats)

    def of_kind(self, kind: str) -> list[Mention]:
        return self._by_cat.get("@" + kind, [])

    @_computed_once
    def stations(self) -> list[Mention]:
        """Station mentions; bare 'stations'/'offices' count only in a document about stations."""
        if not self.doc.network_link:
            return []
        cats = ("station", "station_weak") if self.doc.station_topic else ("station",)
        return self.kws(*cats)

    @_computed_once
    def triggered(self) -> bool:
        cats = self._by_cat.keys()
        if "@bureau" in cats or not TRIGGERS.isdisjoint(cats):
            return True
        return self.doc.station_topic and ("station_weak" in cats or "n_country" in cats)

    # -- text -----------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.doc.text

    def folded(self, a: int, b: int) -> str:
        """text[a:b] folded (simplified Chinese, lower case, punctuation as spaces)."""
        f, _ = self.doc._scan(self.sent)
        s = self.sent.start
        if s <= a and b <= self.sent.end:
            return f[a - s:b - s]
        return fold(self.doc.text[a:b])

    def words(self, a: int, b: int) -> float:
        """word_count(text[a:b]). The gaps asked about are short and a View is asked a
        few times: splitting the gap beats indexing the sentence's tokens first."""
        if b <= a:
            return 0
        return word_count(self.doc.text[a:b])

    def distance(self, x: Mention | numbers_mod.Number, y) -> float:
        if x.end <= y.start:
            return self.words(x.end, y.start)
        if y.end <= x.start:
            return self.words(y.end, x.start)
        return 0

    # -- lazily computed ------------------------------------------------------
    @_computed_once
    def letter_words(self) -> set[str]:
        """The sentence's lower-cased letter runs: numbers, dates and clause breaks each
        first ask whether a word of theirs is there at all."""
        return set(_LETTER_RUNS.findall(self.doc.text[self.start:self.end].lower()))

    @_computed_once
    def numbers(self) -> list[numbers_mod.Number]:
        nums = numbers_mod.find_numbers(self.doc.text, self.start, self.end, self.doc.lang, self.letter_words)
        return [n for n in nums if not self.sent.in_hole(n.start)]

    @_computed_once
    def dates(self) -> list[dates_mod.DateMention]:
        found = dates_mod.find_dates(self.doc.text, self.start, self.end, self.doc.lang, self.doc.published,
                                     self.letter_words)
        # a month inside a place's name is no date: 'Rio de Janeiro', 'Mai Chau'
        places = [(m.start, m.end) for m in self.mentions if m.kind == "place"]
        return [d for d in found if not self.sent.in_hole(d.start)
                and not any(a < d.end and d.start < b for a, b in places)]

    @_computed_once
    def clause_breaks(self) -> list[int]:
        seg = self.doc.text[self.start:self.end]
        cuts = [self.start + m.start() for m in _CLAUSE_PUNCT.finditer(seg)]
        latin, cjk = _clause_word_sets(self.doc.lang)
        if not latin.isdisjoint(self.letter_words) or \
                (cjk and not seg.isascii() and any(w in seg for w in cjk)):
            cuts += [self.start + m.start() for m in _clause_words(self.doc.lang).finditer(seg)]
        return sorted(cuts)

    def clause(self, pos: int) -> tuple[int, int]:
        breaks = self.clause_breaks
        i = bisect.bisect_right(breaks, pos)
        lo = breaks[i - 1] if i > 0 else self.start
        hi = breaks[i] if i < len(breaks) else self.end
        return lo, hi

    def same_clause(self, a: int, b: int) -> bool:
        return self.clause(a) == self.clause(b)

    def excerpt(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.doc.text[self.start:self.end]}
