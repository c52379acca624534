"""Review edits keep the original; full-text search finds CJK and Latin text."""
from __future__ import annotations

import pytest

from stationwatch.store import Document, Store, StoreError

SRC = {"publisher": "P", "published": "2022-12-01"}


def add_doc(store: Store, text: str, claims=()) -> Document:
    doc = Document(original=text.encode(), text=text, name="n.txt")
    store.import_claims(enumerate(claims, 1), origin="t", source=SRC, document=doc)
    return doc


def test_edit_makes_accepted_copy_and_keeps_original(db):
    store = Store(db)
    text = "Police stations were reported in Milano and Roma."
    at = text.index("Milano")
    claim = {"predicate": "station.location", "subject": {"type": "station"},
             "object": {"type": "place", "country": "IT", "locality": "Milano"},
             "excerpt": {"start": 0, "end": len(text), "text": text}, "confidence": 0.7}
    add_doc(store, text, [claim])
    [orig] = store.claims()
    new_id = store.edit_claim(orig["id"], {"object": {"type": "place", "country": "IT", "locality": "Milan"}},
                              reviewer="ana")
    by_id = {c["id"]: c for c in store.claims()}
    assert by_id[orig["id"]]["status"] == "rejected" and by_id[orig["id"]]["superseded_by"] == new_id
    edited = by_id[new_id]
    assert edited["status"] == "accepted" and edited["edited_from"] == orig["id"]
    assert edited["object"]["locality"] == "Milan" and edited["excerpt"] == orig["excerpt"]
    assert edited["reviewer"] == "ana" and at > 0


def test_invalid_edit_changes_nothing(db):
    store = Store(db)
    add_doc(store, "x" * 40, [{"predicate": "response.protest", "subject": {"type": "government", "country": "NL"}}])
    [orig] = store.claims()
    with pytest.raises(StoreError, match="not an ISO 3166-1"):
        store.edit_claim(orig["id"], {"subject": {"type": "government", "country": "Holland"}})
    with pytest.raises(StoreError, match="cannot edit"):
        store.edit_claim(orig["id"], {"excerpt": None})
    assert store.claims() == [orig]


def test_search_finds_chinese_english_and_short_queries(db):
    store = Store(db)
    zh = add_doc(store, "福州市公安局在海外设立了警务服务站，其中一个在都柏林。")
    en = add_doc(store, "The Dutch minister ordered the closure of two police stations in Rotterdam.")
    assert [h["id"] for h in store.search("警务服务站")] == [zh.id]
    assert [h["id"] for h in store.search("都柏林")] == [zh.id]  # three characters: trigram index
    assert [h["id"] for h in store.search("警务")] == [zh.id]  # two characters: substring scan
    hit = store.search("ROTTERDAM")[0]
    assert hit["id"] == en.id and hit["match"] == "Rotterdam" and hit["before"].endswith("stations in ")
    assert store.search('" OR 1=1 --') == [] and store.search("%") == []
