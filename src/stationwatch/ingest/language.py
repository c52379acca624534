"""Language of a text as an ISO 639-1 code, via lingua."""
from __future__ import annotations

import functools
import re

# The languages the station documents come in; restricting lingua to them keeps
# it fast and stops rare look-alike languages from winning on short texts.
_LANGUAGES = ("ENGLISH", "CHINESE", "ITALIAN", "GERMAN", "FRENCH", "SPANISH",
              "DUTCH", "PORTUGUESE", "JAPANESE", "KOREAN", "RUSSIAN")
_SAMPLE_CHARS = 3000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_MIN_LETTERS = 12
_MIN_CJK = 4


@functools.cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in _LANGUAGES)).build()


def _sample(text: str) -> str:
    """Start, middle and end, so a long English preface does not decide alone."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    third = _SAMPLE_CHARS // 3
    middle = len(text) // 2
    return " ".join((text[:third], text[middle - third // 2: middle + third // 2], text[-third:]))


def _too_little_to_judge(sample: str) -> bool:
    if len(_CJK.findall(sample)) >= _MIN_CJK:
        return False
    return sum(ch.isalpha() for ch in sample) < _MIN_LETTERS


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's main language, None if there is too little text."""
    sample = _sample(text)
    if _too_little_to_judge(sample):
        return None
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language else None
