"""The indexed tally (query/index.py, what a Store answers with) gives exactly the answers of
the plain functions (what the web app's snapshot answers with), on every date that matters."""
from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from conftest import REPO
from stationwatch import query
from stationwatch.query import index
from stationwatch.query.views import Snapshot
from stationwatch.store import Store

sys.path.insert(0, str(REPO / "benchmarks"))
import generate_corpus  # noqa: E402


@pytest.fixture
def store(db) -> Store:
    store = Store(db)
    examples = [json.loads(line) for line in (REPO / "examples" / "claims.jsonl").read_text().splitlines() if line]
    store.import_claims(enumerate(examples, 1), origin="examples", accept=True)
    generate_corpus.load(db, generate_corpus.documents(120, seed=3), progress_every=0)
    stations = query.station_list(store, as_of=dt.date(2024, 1, 1))
    a, b = stations[0]["id"], stations[1]["id"]
    store.judge(a, b, "same", by="test")  # people's merges count in both
    return store


def dates_that_matter(store: Store) -> list[dt.date]:
    """Every claim's start and the day after its end, and a few far dates."""
    out = {dt.date(2000, 1, 1), dt.date(2030, 1, 1)}
    for c in store.claims(status="accepted"):
        out.add(query.claim_start(c))
        end = query.dates.end_of(c["valid"]["to"])
        if end:
            out.add(end + dt.timedelta(days=1))
    return sorted(out)


def test_indexed_answers_are_the_plain_answers(store):
    plain = Snapshot(0, store.claims(), store)
    days = dates_that_matter(store)
    assert len(days) > 100
    for known_at in (None, dt.date(2022, 11, 15), dt.date(2023, 6, 30)):
        for grades in (query.ANY_GRADE, query.Grades(max_credibility=3)):
            for i, as_of in enumerate(days[::3] + [dt.date(2022, 12, 31)]):
                history = i % 2 == 0
                fast = query.tally(store, as_of=as_of, known_at=known_at, history=history, grades=grades)
                assert fast == query.tally(plain, as_of=as_of, known_at=known_at, history=history,
                                           grades=grades), as_of
    for as_of in (dt.date(2023, 1, 1), dt.date(2025, 6, 1)):
        listed = query.station_list(store, as_of=as_of)
        assert listed == query.station_list(plain, as_of=as_of)
        for st in listed[:40]:
            assert query.station_detail(store, st["id"], as_of=as_of) == query.station_detail(plain, st["id"],
                                                                                             as_of=as_of)
        assert query.station_detail(store, "sta_none", as_of=as_of) is None
        for cc in ("IT", "DE", "NL", "US"):
            assert query.explain_country(store, cc, as_of=as_of) == query.explain_country(plain, cc, as_of=as_of)
            assert query.station_list(store, country=cc, as_of=as_of) == query.station_list(plain, country=cc,
                                                                                             as_of=as_of)


def test_a_write_is_seen_at_once(store):
    before = query.tally(store, as_of=dt.date(2025, 1, 1))
    candidate = store.claims(status="candidate", predicate="station.location")[0]
    store.review([candidate["id"]], "accepted")
    after = query.tally(store, as_of=dt.date(2025, 1, 1))
    assert candidate["id"] in {i for ids in after["documented"]["claim_ids_by_country"].values() for i in ids}
    assert candidate["id"] not in {i for ids in before["documented"]["claim_ids_by_country"].values() for i in ids}
    index.clear()
    assert query.tally(store, as_of=dt.date(2025, 1, 1)) == after
