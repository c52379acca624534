"""The canonical operator of a station: the seat of the public security bureau that runs it.

"Wenzhou", "温州", "温州市公安局", "Wenzhou Public Security Bureau" and "Wenzhou PSB" are
one operator, Wenzhou. Known bureaus come from data/bureaus.json (every spelling listed
there); other names lose their bureau words and are romanized with pypinyin.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..stations import fold

DATA = Path(__file__).resolve().parent.parent / "data" / "bureaus.json"
_BUREAU_WORDS = re.compile(
    r"\b(public security bureau|public security|police bureau|police department|police|psb|bureau|"
    r"municipal|county|city|district|prefecture|branch)\b", re.I)
_CJK_BUREAU = ("市公安局", "县公安局", "區公安局", "区公安局", "公安局", "公安分局", "公安", "警方", "警察局")
_CJK_ADMIN = ("市", "县", "縣", "区", "區")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _key(name: str) -> str:
    return fold(name) or ""


@lru_cache(maxsize=1)
def _known() -> dict[str, str]:
    try:
        bureaus = json.loads(DATA.read_text(encoding="utf-8"))["bureaus"]
    except (OSError, ValueError, KeyError):
        return {}
    out: dict[str, str] = {}
    for b in bureaus:
        for name in [b["seat"], b.get("name_en") or ""] + list(b.get("names") or ()):
            if name:
                out.setdefault(_key(name), b["seat"])
    return out


@lru_cache(maxsize=None)
def canonical_operator(name: str | None) -> str | None:
    """The seat of the bureau `name` refers to, or None if it names none."""
    if not name or not str(name).strip():
        return None
    name = " ".join(str(name).split())
    known = _known()
    if _key(name) in known:
        return known[_key(name)]
    if _HAN.search(name):
        core = name
        for suffix in _CJK_BUREAU:
            if core.endswith(suffix) and len(core) > len(suffix):
                core = core[: -len(suffix)]
                break
        if _key(core) in known:
            return known[_key(core)]
        for suffix in _CJK_ADMIN:
            if core.endswith(suffix) and len(core) > 2:
                core = core[:-1]
                break
        if _key(core) in known:
            return known[_key(core)]
        from pypinyin import lazy_pinyin
        return "".join(lazy_pinyin(core)).capitalize() or None
    core = " ".join(_BUREAU_WORDS.sub(" ", name).split()).strip(" ,.-")
    if not core:
        return None
    if _key(core) in known:
        return known[_key(core)]
    return core if not core.islower() else core.title()
