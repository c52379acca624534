"""From a document's plain text to sentences, leaving page furniture out.

Furniture (bylines, photo credits, subscription adverts, short label lines, lines
repeated through the page) is recognized by its shape and vocabulary, never by its
exact words. A sentence cut in two by furniture ("... the Italian government is
<byline> among the very few ...") is joined back, with the furniture recorded as a
hole that no rule reads.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from . import resources
from .normalize import CJK

_TERMINAL = re.compile(r"[.!?。！？…][\"'”’»)\]」』）*_]*\s*$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d.,]*", re.UNICODE)
_DATELINE = re.compile(
    r"\s*(?:[A-ZÀ-Ý][A-ZÀ-Ý .'’-]{2,40}\s*(?:\([^)]{1,30}\))?"
    r"|[A-ZÀ-Ý][a-zà-ÿ]+(?: [A-ZÀ-Ý][a-zà-ÿ]+)?\s*\([^)]{1,30}\))\s*[—–-]{1,2}\s+(?=\S)")
_SLASH_CREDIT = re.compile(r"\b\w+/\w+(?:/\w+)*\b.*(?:images?|photo|foto|stock|press|archive)", re.I)
_LATIN_BREAK = re.compile(r"([.!?…]+)([\"'”’»)\]*_]*)(\s+)(?=[\"'“‘«(\[*_]*[^\s])")
_CJK_BREAK = re.compile(r"[。！？]+[」』”’）)\]]*")
_PREV_WORD = re.compile(r"([\w.]+)$")
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")
SHORT_LINE = 200  # characters: longer lines are article text unless their vocabulary says otherwise

# (adverts, credits) found by the automaton in a span of the text
FurnitureCounter = Callable[[int, int], tuple[int, int]]


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    para: int
    holes: tuple[tuple[int, int], ...] = ()
    index: int = 0

    def in_hole(self, pos: int) -> bool:
        for a, b in self.holes:
            if a <= pos < b:
                return True
        return False


@dataclass(slots=True)
class _Line:
    start: int
    end: int  # stripped content span
    text: str
    block: int
    furniture: bool = False
    advert: bool = False


def word_count(text: str) -> float:
    """Words between spaces, plus half a word per CJK character (a Chinese word is about two)."""
    n = len(text.split())
    if text.isascii():
        return n
    return n + len(CJK.findall(text)) / 2


@lru_cache(maxsize=1)
def _byline_re() -> re.Pattern:
    starts = resources.table("grammar")["furniture"]["byline_start"]
    alternation = "|".join(re.escape(w) for w in sorted(starts, key=len, reverse=True))
    return re.compile(rf"^\W*(?:{alternation})(?:\s|$)", re.I)


@lru_cache(maxsize=1)
def _plain_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    f = resources.table("grammar")["furniture"]
    return tuple(w.lower() for w in f["advert_words"]), tuple(w.lower() for w in f["credit_words"])


def _count_words(text: str) -> tuple[int, int]:
    """Advert and credit vocabulary in a line, when no automaton counted it for us."""
    low = text.lower()
    adverts, credits = _plain_words()
    return sum(1 for w in adverts if w in low), sum(1 for w in credits if w in low)


def is_furniture(line: str, repeated: bool = False, adverts: int | None = None,
                 credits: int | None = None) -> bool:
    """A line that belongs to the page rather than the article."""
    text = line.strip()
    if not text:
        return False
    if adverts is None or credits is None:
        adverts, credits = _count_words(text)
    n = len(text)
    ends_sentence = bool(_TERMINAL.search(text[-6:]))
    if adverts >= 2 or (adverts == 1 and n <= SHORT_LINE):
        return True
    if n > SHORT_LINE:
        return False
    if repeated:
        return True
    words = word_count(text)
    if words <= 3 or (words <= 5 and not ends_sentence):
        return True
    if ends_sentence:
        return False
    if words <= 14 and _byline_re().match(text):
        return True
    return words <= 12 and bool(credits or _SLASH_CREDIT.search(text))


def _lines(text: str) -> list[_Line]:
    out, block, pos = [], 0, 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            block += 1
        else:
            s = pos + raw.index(stripped[0])
            out.append(_Line(s, s + len(stripped), stripped, block))
        pos += len(raw) + 1
    return out


def _mark_furniture(lines: list[_Line], counter: FurnitureCounter | None) -> None:
    keys = [" ".join(l.text.lower().split()) if len(l.text) <= SHORT_LINE else None for l in lines]
    counts = Counter(k for k in keys if k)
    for l, k in zip(lines, keys):
        adverts, credits = counter(l.start, l.end) if counter else _count_words(l.text)
        l.advert = adverts > 0
        l.furniture = is_furniture(l.text, bool(k) and counts[k] > 1, adverts, credits)
    # Copy between two advert lines (a subscription box) is part of the advert.
    advert_idx = [i for i, l in enumerate(lines) if l.furniture and l.advert]
    for a, b in zip(advert_idx, advert_idx[1:]):
        if b - a <= 6:
            for l in lines[a:b]:
                l.furniture = True


def _continues(prev: _Line, nxt: _Line) -> bool:
    """A line that picks up a sentence the previous one left open."""
    if _TERMINAL.search(prev.text[-6:]):
        return False
    return nxt.text[:1].islower()


def _units(lines: list[_Line]) -> list[tuple[int, int, int, list[tuple[int, int]]]]:
    """Runs of text that sentences are cut from: (start, end, paragraph, holes)."""
    units: list[list] = []
    pending_holes: list[tuple[int, int]] = []
    last: _Line | None = None
    for l in lines:
        if l.furniture:
            pending_holes.append((l.start, l.end))
            continue
        if last is not None and _continues(last, l) and (l.block == last.block or pending_holes):
            u = units[-1]
            u[1] = l.end
            u[3].extend(h for h in pending_holes if h[0] > u[0])
        else:
            units.append([l.start, l.end, l.block, []])
        pending_holes = []
        last = l
    return [tuple(u) for u in units]


def _is_abbreviation(before: str, abbreviations: frozenset[str]) -> bool:
    m = _PREV_WORD.search(before)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: J. Smith
    return word in abbreviations


@lru_cache(maxsize=16)
def _abbreviations(lang: str | None) -> frozenset[str]:
    table = resources.table("grammar")["abbreviations"]
    return frozenset(w.lower() for w in resources.per_language(table, lang))


def _split_unit(text: str, start: int, end: int, lang: str | None,
                holes: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Sentence spans inside one unit of text (never cut inside a hole)."""
    seg = text[start:end]
    cuts = []
    abbreviations = _abbreviations(lang)
    for m in _LATIN_BREAK.finditer(seg):
        if m.group(1) == "." and _is_abbreviation(seg[max(0, m.start() - 12):m.start()], abbreviations):
            continue
        nxt = seg[m.end():m.end() + 3].lstrip("\"'“‘«([*_")
        if nxt[:1].islower():
            continue  # "... for some time ... and are": no new sentence
        cuts.append(m.start(3))
    # The CJK pattern scans slowly; a plain search for its stops is far cheaper.
    if not seg.isascii() and ("。" in seg or "！" in seg or "？" in seg):
        cuts.extend(m.end() for m in _CJK_BREAK.finditer(seg))
    if holes:
        cuts = [c for c in cuts if not any(a <= start + c < b for a, b in holes)]
    if not cuts:
        return [_trim(seg, start, 0, len(seg))] if seg.strip() else []
    out, prev = [], 0
    for c in sorted(set(cuts)) + [len(seg)]:
        if seg[prev:c].strip():
            out.append(_trim(seg, start, prev, c))
        prev = c
    return out


def _trim(seg: str, offset: int, a: int, b: int) -> tuple[int, int]:
    piece = seg[a:b]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return offset + a + lead, offset + b - trail


def dateline_end(text: str, start: int, end: int) -> int:
    """End of a 'SINGAPORE — ' / 'ROME (Reuters) - ' dateline opening a unit, else start."""
    m = _DATELINE.match(text, start, min(end, start + 80))
    return m.end() if m else start


def paragraph_index(blank_ends: list[int], pos: int) -> int:
    """Paragraphs are numbered by the blank lines before them."""
    import bisect
    return bisect.bisect_right(blank_ends, pos)


def sentences(text: str, lang: str | None = None, counter: FurnitureCounter | None = None) -> list[Sentence]:
    lines = _lines(text)
    _mark_furniture(lines, counter)
    blank_ends = [m.end() for m in _BLANK_LINES.finditer(text)]
    out: list[Sentence] = []
    for start, end, _, holes in _units(lines):
        para = paragraph_index(blank_ends, start)
        body = dateline_end(text, start, end)
        for s, e in _split_unit(text, body, end, lang, holes):
            own = tuple(h for h in holes if s <= h[0] < e)
            out.append(Sentence(s, e, para, own, len(out)))
    return out


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the lines taken for page furniture (for tests and debugging)."""
    lines = _lines(text)
    _mark_furniture(lines, None)
    return [(l.start, l.end) for l in lines if l.furniture]



class LocalSegmenter:
    """Sentences found on demand around a position, the same ones `sentences` would give.

    Most of a document is never read by a rule; segmenting all of it would cost more
    than everything else. This finds the line under a position, decides whether it is
    furniture, grows it into its unit (joining lines a sentence runs across, over any
    furniture in between), and splits that unit into sentences, caching each unit.
    """

    def __init__(self, text: str, lang: str | None, counter: FurnitureCounter | None,
                 has_adverts: bool = True) -> None:
        self.text = text
        self.has_adverts = has_adverts
        self.lang = lang
        self.counter = counter
        self._blank_ends = [m.end() for m in _BLANK_LINES.finditer(text)]
        self._units: dict[int, list[Sentence]] = {}
        self._by_line: dict[int, list[Sentence]] = {}  # line start -> its unit's sentences
        self._furniture: dict[int, bool] = {}
        # the line sentence_at read last: its span with the newline, its stripped span and
        # its unit's sentences (None for a blank or furniture line)
        self._last_line: tuple[int, int, int, int, list[Sentence] | None] = (0, 0, 0, 0, None)

    # -- lines ------------------------------------------------------------------------
    def _raw_line(self, pos: int) -> tuple[int, int]:
        """Span of the line holding pos, up to its newline."""
        b = self.text.find("\n", pos)
        return self.text.rfind("\n", 0, pos) + 1, len(self.text) if b < 0 else b

    def _line_at(self, pos: int) -> tuple[int, int]:
        """Stripped span of the line holding pos (empty span for a blank line)."""
        a, b = self._raw_line(pos)
        line = self.text[a:b]
        stripped = line.strip()
        if not stripped:
            return a, a
        s = a + line.index(stripped[0])
        return s, s + len(stripped)

    def _block(self, pos: int) -> int:
        return paragraph_index(self._blank_ends, pos)

    def is_furniture(self, start: int, end: int) -> bool:
        got = self._furniture.get(start)
        if got is None and end - start > SHORT_LINE and not self.has_adverts:
            got = self._furniture[start] = False  # a long line in a page without adverts is prose
        if got is None:
            line = self.text[start:end]
            repeated = len(line) <= SHORT_LINE and self.text.count(line) > 1
            adverts, credits = self.counter(start, end) if self.counter else _count_words(line)
            got = is_furniture(line, repeated, adverts, credits)
            if not got and self.has_adverts and self.counter:
                got = self._between_adverts(start)
            self._furniture[start] = got
        return got

    def _between_adverts(self, start: int) -> bool:
        """Copy inside a subscription box: advert lines around it, six lines apart at most."""
        def distance(step: int) -> int | None:
            pos = start
            for i in range(1, 7):
                line = self._next_line(pos, step)
                if line is None:
                    return None
                a, b = line
                adverts, credits = self.counter(a, b)
                if adverts and is_furniture(self.text[a:b], False, adverts, credits):
                    return i
                pos = a if step < 0 else b
            return None
        before = distance(-1)
        after = distance(1) if before is not None else None
        return before is not None and after is not None and before + after <= 6

    def _next_line(self, pos: int, step: int) -> tuple[int, int] | None:
        """The next non-blank line before (step -1) or after (step 1) the line at pos."""
        text = self.text
        if step < 0:
            cut = text.rfind("\n", 0, pos)
            while cut > 0:
                a, b = self._line_at(cut - 1)
                if b > a:
                    return a, b
                cut = text.rfind("\n", 0, cut)
            return None
        cut = text.find("\n", pos)
        while 0 <= cut < len(text) - 1:
            a, b = self._line_at(cut + 1)
            if b > a:
                return a, b
            cut = text.find("\n", cut + 1)
        return None

    # -- units and sentences --------------------------------------------------------------
    def _unit_at(self, start: int, end: int) -> tuple[int, int, list[tuple[int, int]]]:
        """Grow a line into the unit a sentence may span: (start, end, holes)."""
        holes: list[tuple[int, int]] = []
        # backwards, while this line continues one before it
        while self.text[start:start + 1].islower():
            prev = self._content_line_before(start)
            if prev is None:
                break
            (a, b), skipped = prev
            if _TERMINAL.search(self.text[max(a, b - 6):b]) or (self._block(a) != self._block(start) and not skipped):
                break
            holes = skipped + holes
            start = a
        # forwards, while the next line continues this one
        while not _TERMINAL.search(self.text[max(start, end - 6):end]):
            nxt = self._content_line_after(end)
            if nxt is None:
                break
            (a, b), skipped = nxt
            if not self.text[a:a + 1].islower() or (self._block(a) != self._block(end) and not skipped):
                break
            holes += skipped
            end = b
        return start, end, holes

    def _content_line_before(self, pos: int):
        skipped = []
        line = self._next_line(pos, -1)
        while line is not None and self.is_furniture(*line):
            skipped.insert(0, line)
            line = self._next_line(line[0], -1)
        return (line, skipped) if line is not None else None

    def _content_line_after(self, pos: int):
        skipped = []
        line = self._next_line(pos, 1)
        while line is not None and self.is_furniture(*line):
            skipped.append(line)
            line = self._next_line(line[1], 1)
        return (line, skipped) if line is not None else None

    def sentence_at(self, pos: int) -> Sentence | None:
        """The sentence holding pos, or None when pos is in furniture or blank space."""
        lo, hi, a, b, sents = self._last_line
        if not lo <= pos < hi:
            # Hits come in text order, several to a line: a line is looked at once.
            lo, hi = self._raw_line(pos)
            a, b = self._line_at(pos)
            sents = self._line_sentences(a, b)
            self._last_line = lo, hi, a, b, sents
        if sents is None or not a <= pos < b:
            return None
        for s in sents:
            if s.start <= pos < s.end:
                return s
        return None

    def _line_sentences(self, a: int, b: int) -> list[Sentence] | None:
        """The sentences of the unit the line [a, b) belongs to, or None when the line is
        blank or furniture (growing a line into its unit is done once a line)."""
        if b <= a or self.is_furniture(a, b):
            return None
        sents = self._by_line.get(a)
        if sents is None:
            sents = self._by_line[a] = self._unit_sentences(a, b)
        return sents

    def _unit_sentences(self, a: int, b: int) -> list[Sentence]:
        """The sentences of the unit the line [a, b) belongs to (cached by unit)."""
        start, end, holes = self._unit_at(a, b)
        sents = self._units.get(start)
        if sents is None:
            para = self._block(start)
            body = dateline_end(self.text, start, end)
            sents = [Sentence(s, e, para, tuple(h for h in holes if s <= h[0] < e), s)
                     for s, e in _split_unit(self.text, body, end, self.lang, holes)]
            self._units[start] = sents
        return sents

    def sentence_before(self, sent: Sentence) -> Sentence | None:
        """The sentence just before `sent` in the same paragraph, if any."""
        if sent.start == 0:
            return None
        for s in reversed(self._units.get(self._unit_start(sent), [])):
            if s.end <= sent.start:
                return s
        prev = self._content_line_before(sent.start)
        if prev is None:
            return None
        (a, b), _ = prev
        before = self.sentence_at(b - 1)
        return before if before is not None and before.para == sent.para else None

    def _unit_start(self, sent: Sentence) -> int:
        for start, sents in self._units.items():
            if sent in sents:
                return start
        return -1
