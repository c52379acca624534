"""Fold text for matching without moving any character.

Every function here returns a string of exactly the same length as its input, so an
offset found in the folded text is an offset into the original document.
"""
from __future__ import annotations

import re
from functools import lru_cache

# \w covers letters, digits, CJK ideographs, kana and hangul: everything else reads as a
# space (plain spaces are left alone, which makes the substitution twice as fast).
_NON_WORD = re.compile(r"[^\w ]|_")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e]")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
HANGUL = re.compile(r"[\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _opencc_t2s():
    import opencc
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=None)
def _char_to_simplified(ch: str) -> str:
    out = _opencc_t2s().convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese, line by line, keeping every offset.

    OpenCC converts phrases; where a phrase changes a line's length we fall back to
    converting that line one character at a time.
    """
    if not HAN.search(text):
        return text
    whole = _opencc_t2s().convert(text)
    if len(whole) == len(text):
        return whole
    lines = text.split("\n")
    out = []
    for line in lines:
        if not HAN.search(line):
            out.append(line)
            continue
        conv = _opencc_t2s().convert(line)
        if len(conv) != len(line):
            conv = "".join(_char_to_simplified(c) if HAN.match(c) else c for c in line)
        out.append(conv)
    return "\n".join(out)


def lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    low = text.replace("\u0130", "i").lower()  # İ lowers to two characters; it is the usual one
    if len(low) == len(text):
        return low
    # A few characters (İ) grow when lowered: keep those as they are.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def fold(text: str) -> str:
    """Lower case, half-width, simplified Chinese, punctuation as spaces; same length."""
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    s = lower_same_length(text)
    s = to_simplified(s)
    return _NON_WORD.sub(" ", s)


def fold_term(term: str) -> str:
    """A dictionary term folded like the text, with runs of spaces collapsed."""
    return " ".join(fold(term).split())


def is_cjk(term: str) -> bool:
    return bool(CJK.search(term))
