"""Language of a document's text as an ISO 639-1 code: the extractor's detector (script,
then common words, lingua only for what stays close), so a document is read in the
language it is labelled with; None when there is too little text to judge."""
from __future__ import annotations

import re

from ..extract.language import detect

_SAMPLE_CHARS = 3000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_MIN_LETTERS = 12
_MIN_CJK = 4


def _too_little_to_judge(sample: str) -> bool:
    if len(_CJK.findall(sample)) >= _MIN_CJK:
        return False
    return sum(ch.isalpha() for ch in sample) < _MIN_LETTERS


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's main language, None if there is too little text."""
    if _too_little_to_judge(text[:_SAMPLE_CHARS]):
        return None
    return detect(text)
