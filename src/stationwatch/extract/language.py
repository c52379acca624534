"""Which language a document is in, from a sample of it.

CJK languages are told apart by script (kana is Japanese, hangul Korean, Han alone
Chinese), which is exact and free; for Latin-script text a lingua detector restricted
to the languages we read is built once and asked about a few thousand characters.
"""
from __future__ import annotations

import re
from functools import lru_cache

SAMPLE_CHARS = 3000  # for the script count
LINGUA_CHARS = 300  # lingua reads this much: it costs about a microsecond a character
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder
    langs = [Language.ENGLISH, Language.ITALIAN, Language.GERMAN, Language.FRENCH,
             Language.SPANISH, Language.DUTCH, Language.PORTUGUESE]
    return LanguageDetectorBuilder.from_languages(*langs).build()


@lru_cache(maxsize=1)
def _cyrillic_detector():
    """Russian, Ukrainian and their neighbours: named right in a document's metadata, though
    no rule reads them yet."""
    from lingua import Language, LanguageDetectorBuilder
    langs = [Language.RUSSIAN, Language.UKRAINIAN, Language.BELARUSIAN, Language.BULGARIAN,
             Language.SERBIAN, Language.MACEDONIAN, Language.KAZAKH, Language.MONGOLIAN]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """The start of the text and a piece of its middle: headlines alone mislead."""
    if len(text) <= size:
        return text
    half = size // 2
    mid = len(text) // 2
    return text[:half] + "\n" + text[mid:mid + half]


@lru_cache(maxsize=1)
def _function_words() -> dict[str, str]:
    from . import resources
    table = resources.table("grammar")["function_words"]
    return {w: lang for lang, words in table.items() if not lang.startswith("_") for w in words}


_TOKEN = re.compile(r"[^\W\d_]+")


def _vote(text: str, sure: int = 8, limit: int = 1500) -> str | None:
    """The language whose commonest words dominate the sample, when it clearly does.

    Running prose gives dozens of such words in a few hundred characters; lingua is
    left the short or mixed texts where the vote is close.
    """
    words = _function_words()
    counts: dict[str, int] = {}
    for w in text[:limit].lower().split():
        lang = words.get(w)
        if lang:
            counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.values(), reverse=True)
    best = max(counts, key=counts.get)
    second = ranked[1] if len(ranked) > 1 else 0
    return best if ranked[0] >= sure and ranked[0] >= 3 * second else None


def _body_sample(text: str, size: int = LINGUA_CHARS) -> str:
    """About `size` characters of running text: whole lines long enough to be prose."""
    picked, total = [], 0
    for line in text.split("\n"):
        if len(line) >= 60:
            picked.append(line[:size])
            total += len(picked[-1])
            if total >= size:
                break
    return "\n".join(picked) if total >= 100 else text[:size]


def detect(text: str) -> str | None:
    s = sample(text, 1000)
    if not s.isascii():
        kana, hangul, han = len(_KANA.findall(s)), len(_HANGUL.findall(s)), len(_HAN.findall(s))
        if kana or hangul or han:
            latin = len(_LATIN.findall(s))
            if hangul and hangul >= max(kana, han / 4, latin / 8):
                return "ko"
            if kana and kana >= max(han / 20, latin / 20):
                return "ja"
            if han and han >= latin / 4:
                return "zh"
        cyrillic = len(_CYRILLIC.findall(s))
        if cyrillic and cyrillic >= len(_LATIN.findall(s)):
            lang = _cyrillic_detector().detect_language_of(_body_sample(text))
            return lang.iso_code_639_1.name.lower() if lang is not None else None
    voted = _vote(s)
    if voted is None and len(text) > len(s):
        voted = _vote(sample(text, 4 * SAMPLE_CHARS), limit=4 * SAMPLE_CHARS)  # more words: still cheaper than lingua
    if voted:
        return voted
    if not _LATIN.search(s):
        return None
    lang = _detector().detect_language_of(_body_sample(text))
    return lang.iso_code_639_1.name.lower() if lang is not None else None
