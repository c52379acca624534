"""Time phrases in a sentence, as partial ISO dates.

A fast pattern finds the candidates (month names of every language we read, years
19xx/20xx, 年月日, relative years); dateparser is called only on a month-name phrase,
with RELATIVE_BASE set to the document's publication date, and its answers are cached.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    value: str  # 2016, 2022-09, 2022-09-12
    to: str | None = None  # end of a range ("between 2016 and 2018")


# A year not glued to a number before it; the look behind comes after the first digit so
# that the regex engine can skip ahead to a 1 or a 2.
_YEAR = re.compile(r"((?:1(?<![\d.,/-]1)9[5-9]|2(?<![\d.,/-]2)0[0-4])\d)(?![\d])")
_CJK_DATE = re.compile(r"((?:19|20)\d{2})\s*[年년]\s*(?:(\d{1,2})\s*[月월]\s*(?:(\d{1,2})\s*[日일])?)?")
_ANY_DIGIT = re.compile(r"\d")
_CJK_MARK = re.compile("[年月년월]")
_CJK_MONTH_DAY = re.compile(r"(?<![\d年년])(\d{1,2})\s*[月월]\s*(?:(\d{1,2})\s*[日일])?")


@lru_cache(maxsize=1)
def _month_regex() -> tuple[re.Pattern, dict[str, str]]:
    months = resources.table("grammar")["months"]
    lang_of: dict[str, str] = {}
    for lang, names in months.items():
        for name in names:
            lang_of.setdefault(name, lang)
    alternation = "|".join(re.escape(m) for m in sorted(lang_of, key=len, reverse=True))
    pattern = re.compile(
        rf"(?:(?<![\w])(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+|of\s+)?)?"
        rf"(?<![\w])({alternation})(?![\w])\.?"
        rf"(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d]),?)?"
        rf"(?:\s+(?:de\s+|del\s+|of\s+)?((?:19|20)\d{{2}})(?![\d]))?", re.I)
    return pattern, lang_of


@lru_cache(maxsize=1)
def _relative_regex() -> tuple[re.Pattern, dict[str, int]]:
    table = resources.table("grammar")["relative_year"]
    offsets = {k.lower(): v for lang in table.values() for k, v in lang.items()}
    alternation = "|".join(re.escape(k) for k in sorted(offsets, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.I), offsets


@lru_cache(maxsize=4096)
def _dateparser(phrase: str, lang: str | None, published: str | None) -> tuple[str, str] | None:
    """(date, period) for a month-name phrase, or None."""
    from dateparser.date import DateDataParser
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if published:
        settings["RELATIVE_BASE"] = dt.datetime.fromisoformat(published)
    langs = [lang] if lang in ("en", "it", "de", "fr", "es", "nl", "pt") else None
    try:
        data = DateDataParser(languages=langs, settings=settings).get_date_data(phrase)
    except Exception:  # dateparser raises on odd input; a date we cannot read is no date
        return None
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.date().isoformat(), data.period or "day"


def _month_mention(m: re.Match, text: str, offset: int, lang: str | None,
                   published: str | None) -> DateMention | None:
    name = m.group(2)
    month_lang = _month_regex()[1].get(name.lower())
    if month_lang in ("en", "de") and not name[0].isupper():
        return None  # 'may', 'march' are verbs; English and German months are capitalized
    if len(name) <= 4 and name.lower() in ("mar", "may", "jun", "jan", "sep", "dec", "nov", "oct", "aug", "apr", "feb", "jul") \
            and not (m.group(1) or m.group(3) or m.group(4)):
        return None  # a bare abbreviation is rarely a date
    day = m.group(1) or m.group(3)
    year = m.group(4)
    if not year and not published:
        return None
    value = _month_value(name.lower(), month_lang or lang, day, year, published)
    if value is None:
        return None
    return DateMention(offset + m.start(), offset + m.end(), value)


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _relative_anchors() -> tuple[frozenset[str], tuple[str, ...]]:
    """The last word of each relative-year phrase ('year' of 'last year'), and the CJK ones."""
    _, offsets = _relative_regex()
    latin = frozenset(_LETTERS.findall(k)[-1] for k in offsets if not re.search(r"[\u3040-\ud7af]", k))
    cjk = tuple(k for k in offsets if re.search(r"[\u3040-\ud7af]", k))
    return latin, cjk


@lru_cache(maxsize=1)
def _month_numbers() -> dict[str, int]:
    table = resources.table("grammar")["month_numbers"]
    return {name: n for lang, names in table.items() if not lang.startswith("_") for name, n in names.items()}


def _month_value(name: str, lang: str | None, day: str | None, year: str | None, published: str | None) -> str | None:
    """'November 2022' -> 2022-11, '3 novembre' -> the last 3 November on or before the
    publication date, 'November' -> the last November (the reading dateparser gives with
    PREFER_DATES_FROM past, without its cost)."""
    month = _month_numbers().get(name)
    if month is None:
        parsed = _dateparser(" ".join(x for x in (day, name, year) if x), lang, published)
        if parsed is None:
            return None
        iso, period = parsed
        return iso[:4] if period == "year" else iso[:7] if (period == "month" or not day) else iso
    d = int(day) if day else None
    if year:
        y = int(year)
    else:
        pub = dt.date.fromisoformat(published)
        y = pub.year
        if month > pub.month or (d is not None and month == pub.month and d > pub.day):
            y -= 1
    if d is None:
        return f"{y:04d}-{month:02d}"
    try:
        return dt.date(y, month, d).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int, end: int, lang: str | None, published: str | None,
               letter_words: set[str] | None = None) -> list[DateMention]:
    """Dates in text[start:end] (`letter_words`: the lower-cased letter runs of that span,
    when the caller has them already)."""
    seg = text[start:end]
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    has_digit = _ANY_DIGIT.search(seg) is not None
    cjk = not seg.isascii() and _CJK_MARK.search(seg) is not None
    pattern, _ = _month_regex()
    words = set(_LETTERS.findall(seg.lower())) if letter_words is None else letter_words
    # The month and relative-year patterns are long alternations: read only when a word
    # of theirs is there (a month name, the last word of 'last year', 去年).
    for m in (pattern.finditer(seg) if not words.isdisjoint(_month_numbers()) else ()):
        d = _month_mention(m, seg, start, lang, published)
        if d:
            found.append(d)
            taken.append((m.start(), m.end()))
    for m in (_CJK_DATE.finditer(seg) if cjk and has_digit else ()):
        if not free(m.start(), m.end()):
            continue
        y, mo, d = m.group(1), m.group(2), m.group(3)
        value = y + (f"-{int(mo):02d}" if mo and 1 <= int(mo) <= 12 else "") + (f"-{int(d):02d}" if mo and d else "")
        found.append(DateMention(start + m.start(), start + m.end(), value))
        taken.append((m.start(), m.end()))
    if published:
        for m in (_CJK_MONTH_DAY.finditer(seg) if cjk and has_digit else ()):
            if free(m.start(), m.end()) and 1 <= int(m.group(1)) <= 12:
                found.append(DateMention(start + m.start(), start + m.end(),
                                         _month_before(published, int(m.group(1)))))
                taken.append((m.start(), m.end()))
        rel, offsets = _relative_regex()
        anchors, cjk_phrases = _relative_anchors()
        maybe = not words.isdisjoint(anchors) or (not seg.isascii() and any(p in seg for p in cjk_phrases))
        for m in (rel.finditer(seg) if maybe else ()):
            if free(m.start(), m.end()):
                year = int(published[:4]) + offsets[m.group().lower()]
                found.append(DateMention(start + m.start(), start + m.end(), str(year)))
                taken.append((m.start(), m.end()))
    for m in (_YEAR.finditer(seg) if has_digit else ()):
        if free(m.start(), m.end()):
            found.append(DateMention(start + m.start(), start + m.end(), m.group(1)))
    found.sort(key=lambda d: d.start)
    return _join_ranges(text, found, lang)


def _month_before(published: str, month: int) -> str:
    """'in November' said on 2022-12-15 is 2022-11; said on 2022-03-01 it is 2021-11."""
    year = int(published[:4])
    if month > int(published[5:7] or 12):
        year -= 1
    return f"{year}-{month:02d}"


@lru_cache(maxsize=16)
def _range_words(lang: str | None) -> tuple[re.Pattern, re.Pattern]:
    g = resources.table("grammar")
    opens = resources.per_language(g["range_open"], lang)
    joins = g["range_join"]
    open_re = re.compile(r"(?:^|\W)(?:" + "|".join(re.escape(w) for w in opens) + r")\s*$", re.I) if opens \
        else re.compile(r"(?!x)x")
    join_re = re.compile(r"^\s*(?:" + "|".join(re.escape(w) for w in joins) + r")\s*$", re.I)
    return open_re, join_re


def _join_ranges(text: str, found: list[DateMention], lang: str | None) -> list[DateMention]:
    """'between 2016 and 2018', 'dal 2016 al 2018', '2016年至2018年' → one mention with a `to`."""
    if len(found) < 2:
        return found
    open_re, join_re = _range_words(lang)
    out: list[DateMention] = []
    i = 0
    while i < len(found):
        a = found[i]
        if i + 1 < len(found):
            b = found[i + 1]
            between = text[a.end:b.start]
            before = text[max(0, a.start - 12):a.start]
            cjk_join = between.strip() in ("至", "到", "から", "부터", "~", "-", "–")
            if join_re.match(between) and (open_re.search(before) or cjk_join) and a.value <= b.value:
                out.append(DateMention(a.start, b.end, a.value, b.value))
                i += 2
                continue
        out.append(a)
        i += 1
    return out
