"""Numbers as written in news text: digits, '1,000'-style, number words, CJK numerals.

Number words are generated per language from their composition rules (tens and units,
Italian elision, German and Dutch unit-before-ten, French vingt et un / soixante-dix)
rather than listed one by one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import CJK


@dataclass(frozen=True, slots=True)
class Number:
    start: int
    end: int
    value: int
    written: str  # "digits", "words" or "cjk"


def _en() -> dict[str, int]:
    units = "one two three four five six seven eight nine".split()
    teens = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
    tens = "twenty thirty forty fifty sixty seventy eighty ninety".split()
    w = {u: i + 1 for i, u in enumerate(units)} | {t: i + 10 for i, t in enumerate(teens)}
    for i, t in enumerate(tens):
        v = (i + 2) * 10
        w[t] = v
        for j, u in enumerate(units):
            w[f"{t}-{u}"] = w[f"{t} {u}"] = v + j + 1
    below = dict(w)
    w["hundred"] = w["a hundred"] = w["one hundred"] = 100
    for k, v in below.items():
        w[f"one hundred and {k}"] = w[f"a hundred and {k}"] = w[f"one hundred {k}"] = 100 + v
    w["a dozen"] = 12
    return w


def _it() -> dict[str, int]:
    units = "uno due tre quattro cinque sei sette otto nove".split()
    teens = "dieci undici dodici tredici quattordici quindici sedici diciassette diciotto diciannove".split()
    tens = "venti trenta quaranta cinquanta sessanta settanta ottanta novanta".split()
    w = {u: i + 1 for i, u in enumerate(units)} | {t: i + 10 for i, t in enumerate(teens)}
    w["una"] = 1
    for i, t in enumerate(tens):
        v = (i + 2) * 10
        w[t] = v
        for j, u in enumerate(units):
            stem = t[:-1] if u[0] in "uo" else t
            w[stem + ("tré" if u == "tre" else u)] = v + j + 1
            w[stem + u] = v + j + 1
    below = dict(w)
    w["cento"] = 100
    for k, v in below.items():
        w[("cent" if k[0] == "o" else "cento") + k] = 100 + v
    return w


def _de() -> dict[str, int]:
    units = "eins zwei drei vier fünf sechs sieben acht neun".split()
    teens = "zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn".split()
    tens = "zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split()
    w = {u: i + 1 for i, u in enumerate(units)} | {t: i + 10 for i, t in enumerate(teens)}
    for i, t in enumerate(tens):
        v = (i + 2) * 10
        w[t] = v
        w[t.replace("ß", "ss")] = v
        for j, u in enumerate(units):
            lead = "ein" if u == "eins" else u
            w[f"{lead}und{t}"] = w[f"{lead}und{t}".replace("ß", "ss")] = v + j + 1
    below = dict(w)
    w["hundert"] = w["einhundert"] = 100
    for k, v in below.items():
        w["hundert" + k] = w["einhundert" + k] = 100 + v
    return w


def _fr() -> dict[str, int]:
    base = ("un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
            "seize dix-sept dix-huit dix-neuf").split()
    w = {b: i + 1 for i, b in enumerate(base)}
    w["une"] = 1
    for i, t in enumerate("vingt trente quarante cinquante soixante".split()):
        v = (i + 2) * 10
        w[t] = v
        w[f"{t} et un"] = w[f"{t}-et-un"] = v + 1
        for j in range(2, 10):
            w[f"{t}-{base[j - 1]}"] = v + j
    w["soixante-dix"] = 70
    w["soixante et onze"] = w["soixante-et-onze"] = 71
    for j in range(12, 20):
        w[f"soixante-{base[j - 1]}"] = 60 + j
    w["quatre-vingts"] = w["quatre-vingt"] = 80
    for j in range(1, 20):
        w[f"quatre-vingt-{base[j - 1]}"] = 80 + j
    below = dict(w)
    w["cent"] = 100
    for k, v in below.items():
        w[f"cent {k}"] = 100 + v
    return w


def _es() -> dict[str, int]:
    base = ("uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
            "dieciséis diecisiete dieciocho diecinueve veinte").split()
    w = {b: i + 1 for i, b in enumerate(base)}
    w |= {"una": 1, "dieciseis": 16}
    twenties = "veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve".split()
    w |= {t: 21 + i for i, t in enumerate(twenties)}
    w |= {"veintiún": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23, "veintiseis": 26}
    for i, t in enumerate("treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()):
        v = (i + 3) * 10
        w[t] = v
        for j in range(1, 10):
            w[f"{t} y {base[j - 1]}"] = v + j
    below = dict(w)
    w["cien"] = 100
    for k, v in below.items():
        w[f"ciento {k}"] = 100 + v
    return w


def _nl() -> dict[str, int]:
    units = "een twee drie vier vijf zes zeven acht negen".split()
    teens = "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien".split()
    tens = "twintig dertig veertig vijftig zestig zeventig tachtig negentig".split()
    w = {u: i + 1 for i, u in enumerate(units)} | {t: i + 10 for i, t in enumerate(teens)}
    w["één"] = 1
    for i, t in enumerate(tens):
        v = (i + 2) * 10
        w[t] = v
        for j, u in enumerate(units):
            joint = "ën" if u.endswith("e") else "en"
            w[f"{u}{joint}{t}"] = w[f"{u}en{t}"] = v + j + 1
    below = dict(w)
    w["honderd"] = w["eenhonderd"] = 100
    for k, v in below.items():
        w["honderd" + k] = 100 + v
    return w


def _pt() -> dict[str, int]:
    base = ("um dois três quatro cinco seis sete oito nove dez onze doze treze catorze quinze "
            "dezesseis dezessete dezoito dezenove").split()
    w = {b: i + 1 for i, b in enumerate(base)}
    w |= {"uma": 1, "duas": 2, "quatorze": 14, "dezasseis": 16, "dezassete": 17, "dezanove": 19}
    for i, t in enumerate("vinte trinta quarenta cinquenta sessenta setenta oitenta noventa".split()):
        v = (i + 2) * 10
        w[t] = v
        for j in range(1, 10):
            w[f"{t} e {base[j - 1]}"] = v + j
        w[f"{t} e duas"] = v + 2
    below = dict(w)
    w["cem"] = 100
    for k, v in below.items():
        w[f"cento e {k}"] = 100 + v
    return w


_KO_NATIVE = {"두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
              "열한": 11, "열두": 12, "열세": 13, "스무": 20}
_HANGUL = re.compile(r"[\uac00-\ud7af]")
# Each native Korean number word before a counter ('세 곳'), not inside a longer word.
_KO_NATIVE_RE = re.compile(r"(?<![\uac00-\ud7af])(" + "|".join(sorted(_KO_NATIVE, key=len, reverse=True))
                           + r")(?=\s?(?:곳|개|명|군데))")
_WORDS = {"en": _en, "it": _it, "de": _de, "fr": _fr, "es": _es, "nl": _nl, "pt": _pt}

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile("[零〇一二两兩三四五六七八九十百千万萬]+")
_DIGITS = re.compile(r"\d+(?:(?:,|\.|\u00a0|\u202f|\u2009| )\d{3}(?!\d))*(?:[.,]\d+)?")
_GROUP_SEP = re.compile(r"[,.\u00a0\u202f\u2009 ]")
_MYRIAD = re.compile(r"\s*(万|萬|만)")
_MILLION = re.compile(r"\s+(million|millions|milioni|milione|millionen|million|millones|millón|miljoen|milhões|milhão)\b", re.I)


def cn_to_int(run: str) -> int | None:
    """Value of a Chinese numeral (五十四, 一百零二, 十一, 两千, 二十三万)."""
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in ("零", "〇"):
            digit = None  # 一百零二: the zero only marks an empty place
            continue
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # 一二 is not a number
            digit = _CN_DIGITS[ch]
        elif ch in ("万", "萬"):
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + section + (digit or 0)


@lru_cache(maxsize=16)
def _number_words(lang: str | None) -> tuple[dict[str, int], dict[str, int]]:
    """Number words of a language (and English): single words, and how many words the
    longest phrase starting with each first word has ('vingt et un', 'fifty four')."""
    words: dict[str, int] = {}
    codes = list(_WORDS) if lang is None else [c for c in (lang, "en") if c in _WORDS]
    for code in codes:
        words.update(_WORDS[code]())
    # One is an article far more often than a count ('one of the stations', 'un ufficio').
    words = {k: v for k, v in words.items() if v != 1}
    longest: dict[str, int] = {}
    for phrase in words:
        parts = re.split(r"[\s-]+", phrase)
        longest[parts[0]] = max(longest.get(parts[0], 1), len(parts))
    return words, longest


_LATIN_WORD = re.compile(r"[^\W\d_]+")


def _word_numbers(seg: str, offset: int, lang: str | None, letter_words=None) -> list[Number]:
    words, longest = _number_words(lang)
    low = seg.lower()
    if longest.keys().isdisjoint(_LATIN_WORD.findall(low) if letter_words is None else letter_words):
        return []  # no word that starts a number phrase
    tokens = [(m.start(), m.end(), m.group()) for m in _LATIN_WORD.finditer(low)]
    out = []
    i = 0
    while i < len(tokens):
        a, b, w = tokens[i]
        span = longest.get(w)
        if span is None:
            i += 1
            continue
        found = None
        for k in range(min(span, len(tokens) - i), 0, -1):
            end = tokens[i + k - 1][1]
            phrase = seg[a:end].lower()
            if phrase in words and _separated(seg, a, end):
                found = (end, words[phrase], k)
                break
        if found and seg[a - 1:a] != "-" and seg[found[0]:found[0] + 1] != "-":
            out.append(Number(offset + a, offset + found[0], found[1], "words"))
            i += found[2]
        else:
            i += 1
    return out


def _separated(seg: str, a: int, b: int) -> bool:
    """A phrase of number words joined only by spaces or hyphens."""
    return all(ch.isalpha() or ch in " -" for ch in seg[a:b])


def _glued_to_word(text: str, start: int, end: int) -> bool:
    """'Covid-19', '21st', 'G20', 'three-year': a number that is part of a word."""
    before = text[start - 1:start]
    after = text[end:end + 1]
    if before and (before.isalpha() and not CJK.match(before)):
        return True
    if before == "-" and text[start - 2:start - 1].isalpha():
        return True
    if after and after.isalpha() and not CJK.match(after):
        return True
    if after == "-" and text[end + 1:end + 2].isalpha():
        return True
    return after in ("%", "％")


def _digit_value(raw: str) -> int | None:
    groups = _GROUP_SEP.split(raw)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return int("".join(groups))
    if len(groups) == 1:
        return int(raw)
    return None  # a decimal: not a count


def find_numbers(text: str, start: int, end: int, lang: str | None,
                 letter_words: set[str] | None = None) -> list[Number]:
    """Numbers in text[start:end], with spans in document offsets (`letter_words`: the
    lower-cased letter runs of that span, when the caller has them already)."""
    seg = text[start:end]
    out: list[Number] = []
    for m in _DIGITS.finditer(seg):
        a, b = start + m.start(), start + m.end()
        if _glued_to_word(text, a, b):
            continue
        value = _digit_value(m.group())
        if value is None:
            continue
        tail = _MYRIAD.match(seg, m.end()) or _MILLION.match(seg, m.end())
        if tail:
            value *= 10000 if tail.group(1) in ("万", "萬", "만") else 1_000_000
            b = start + tail.end()
        out.append(Number(a, b, value, "digits"))
    out.extend(_word_numbers(seg, start, lang, letter_words))
    if not seg.isascii() and CJK.search(seg):
        for m in _CN_RUN.finditer(seg):
            value = cn_to_int(m.group())
            if value is not None and value > 1:
                out.append(Number(start + m.start(), start + m.end(), value, "cjk"))
        if _HANGUL.search(seg):
            for m in _KO_NATIVE_RE.finditer(seg):
                out.append(Number(start + m.start(), start + m.end(), _KO_NATIVE[m.group(1)], "words"))
    out.sort(key=lambda n: (n.start, -n.end))
    return _drop_overlaps(out)


def _drop_overlaps(nums: list[Number]) -> list[Number]:
    out: list[Number] = []
    for n in nums:
        if out and n.start < out[-1].end:
            continue
        out.append(n)
    return out
