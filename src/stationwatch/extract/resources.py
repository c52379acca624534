"""The project's data tables (src/stationwatch/data), loaded once."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TABLES = ("lexicon", "grammar", "bureaus", "regions", "demonyms", "organizations", "place_stoplist")
LANGUAGES = ("en", "zh", "it", "de", "fr", "es", "nl", "pt", "ja", "ko")


@lru_cache(maxsize=None)
def table(name: str) -> dict:
    with open(DATA_DIR / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def tables_digest() -> str:
    """Changes whenever a data table changes, so compiled caches are rebuilt."""
    h = hashlib.sha256()
    for name in TABLES:
        h.update((DATA_DIR / f"{name}.json").read_bytes())
    return h.hexdigest()[:16]


def per_language(section: dict, lang: str | None) -> list:
    """Entries of a {lang: [...]} table that apply to a document in `lang`.

    English entries apply everywhere (English names and phrases turn up in every
    language); an unknown language gets every entry.
    """
    if lang is None:
        return [x for k, v in section.items() if not k.startswith("_") for x in v]
    out = list(section.get(lang, []))
    if lang != "en":
        out += section.get("en", [])
    return out
