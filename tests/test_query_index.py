"""The indexed tally (query/index.py, what a Store answers with) gives exactly the answers of
the plain functions (what the exports answer with, over a list of claims), on every date that
matters; and the public view's figures are the plain answers over its public claims."""
from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from conftest import REPO
from stationwatch import query
from stationwatch.query import index, views
from stationwatch.export.public import PublicReader, public_claims, redactor_for
from stationwatch.store import Store, slim_claim

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


class ClaimList:
    """Claims in a list, read as a store reads them: what `query`'s plain functions answer from."""

    def __init__(self, claims: list[dict], judgements: list[dict]):
        self.all, self._judgements = claims, judgements

    def claims(self, *, status=None, known_at=None, min_reliability=None, max_credibility=None, **_) -> list[dict]:
        out = [c for c in self.all if status is None or c["status"] == status]
        if known_at:
            out = [c for c in out if query.dates.start_of(c["source"]["published"]) <= known_at]
        if min_reliability:
            out = [c for c in out if (c["source"].get("reliability") or "F") <= min_reliability]
        if max_credibility:
            out = [c for c in out if (c.get("credibility") or 6) <= max_credibility]
        return out

    def judgements(self) -> list[dict]:
        return self._judgements


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
    plain = ClaimList(store.claims(), store.judgements())
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


def test_public_figures_are_the_plain_answers_over_the_public_claims(store):
    """The public view's index (PublicReader selects in SQL) counts exactly what
    `export.public.public_claims` lets through, redacted."""
    store.protect("Freedom House")  # a speaker whose name is registered: its claims leave the public view
    person = {"predicate": "station.location", "subject": {"type": "station"},
              "object": {"type": "place", "country": "FR", "locality": "Lyon"},
              "said_by": {"name": "A witness", "country": None, "type": "person"},
              "source": {"title": "Interview", "published": "2023-02-01"}}
    store.import_claims(enumerate([person], 1), origin="t", accept=True)
    public = PublicReader(store)
    assert public.hidden == ("Freedom House",)
    plain = ClaimList(public_claims(store.claims(status="accepted"), redactor_for(store)), store.judgements())
    assert len(plain.all) < len(store.claims(status="accepted"))
    assert public.count_claims() == len(plain.all)
    assert [c["id"] for c in public.iter_claims()] == [c["id"] for c in plain.all]
    for as_of in (dt.date(2022, 12, 31), dt.date(2023, 6, 1), dt.date(2025, 6, 1)):
        fast = query.tally(public, as_of=as_of, history=True)
        assert fast == query.tally(plain, as_of=as_of, history=True)
        assert fast != query.tally(store, as_of=as_of, history=True)
        for cc in ("IT", "FR"):
            assert query.explain_country(public, cc, as_of=as_of) == query.explain_country(plain, cc, as_of=as_of)
    assert public.find_claims(status="candidate") == [] and public.count_claims(status="rejected") == 0


def test_writes_that_leave_the_accepted_claims_alone_keep_the_index(store):
    """Ingesting candidates and rejecting them (most writes of a large record) keep the
    index; accepting a claim, or taking back one the index reads, makes a new one."""
    as_of = dt.date(2024, 1, 1)
    before = query.tally(store, as_of=as_of, history=True)
    kept = index.indexed(store, None, query.ANY_GRADE)
    new = {"predicate": "station.location", "subject": {"type": "station"},
           "object": {"type": "place", "country": "PT", "locality": "Porto"},
           "said_by": {"name": "A newspaper", "country": None}, "confidence": 0.5,
           "source": {"title": "Report on Porto", "published": "2023-03-01"}}
    store.import_claims(enumerate([new], 1), origin="t")  # a candidate
    [candidate] = store.claims(status="candidate", country="PT", predicate="station.location")[:1]
    store.review([candidate["id"]], "rejected")
    assert index.indexed(store, None, query.ANY_GRADE) is kept
    assert query.tally(store, as_of=as_of, history=True) == before
    index.clear()  # made afresh, the index agrees
    assert query.tally(store, as_of=as_of, history=True) == before
    kept = index.indexed(store, None, query.ANY_GRADE)

    store.review([candidate["id"]], "accepted")
    assert index.indexed(store, None, query.ANY_GRADE) is not kept
    after = query.tally(store, as_of=as_of, history=True)
    assert candidate["id"] in after["documented"]["claim_ids_by_country"]["PT"]
    kept = index.indexed(store, None, query.ANY_GRADE)
    store.review([candidate["id"]], "rejected")  # a claim the index reads, taken back
    assert index.indexed(store, None, query.ANY_GRADE) is not kept
    assert query.tally(store, as_of=as_of, history=True) == before


def test_the_index_keeps_the_timeline_claims_of_the_plain_store(store):
    idx = index.indexed(store, None, query.ANY_GRADE)
    for prefixes in (("response.", "cooperation."), ("count.stations",), ("station.opened", "station.closed")):
        plain = [c["id"] for c in store.claims(status="accepted") if c["predicate"].startswith(prefixes)]
        assert [c["id"] for c in idx.accepted(prefixes)] == plain and plain


def test_slim_claims_read_from_their_columns_are_the_whole_claims_made_slim(store):
    example = json.loads((REPO / "examples" / "claims.jsonl").read_text().splitlines()[0])
    store.import_claims([(1, dict(example, said_by={"name": "A witness", "type": "person"}))], origin="test",
                        accept=True)
    whole = list(store.iter_claims(keyed=True))
    slim = list(store.iter_claims(keyed=True, slim=True))
    assert [k for k, _ in slim] == [k for k, _ in whole]
    assert [c for _, c in slim] == [slim_claim(c) for _, c in whole]
    # what the comparison covers: a speaker with a type, values, scopes, known and unknown dates
    assert any("type" in c["said_by"] for _, c in slim) and any(c["value"] is not None for _, c in slim)
    assert any(c["scope"] for _, c in slim) and any(c["qualifier"] for _, c in slim)
    assert any(c["valid"]["from"] is None for _, c in slim) and any(c["valid"]["from"] for _, c in slim)
    by_source: dict[tuple, list] = {}
    for _, c in slim:
        by_source.setdefault((c["source"]["url"], c["source"]["title"]), []).append(c["source"])
    assert all(s is group[0] for group in by_source.values() for s in group)  # one dict per source
    public = PublicReader(store)
    assert list(public.iter_claims(slim=True, status="accepted")) == [
        slim_claim(c) for c in public.iter_claims(status="accepted")]


def test_the_index_gives_its_claims_by_id_slim(store):
    """What the report cites a claim by: the slim claim the index holds, for every claim it
    reads (stations, counts, network, responses, cooperation), and nothing for the others."""
    idx = index.indexed(store, None, query.ANY_GRADE)
    read = lambda c: c["status"] == "accepted" and c["predicate"].startswith(index.RELEVANT + index.EVENTS)  # noqa: E731
    held = [c for c in store.iter_claims() if read(c)]
    assert held and all(idx.claim(c["id"]) == slim_claim(c) for c in held)
    assert {c["predicate"].split(".")[0] for c in held} >= {"station", "count", "response"}
    others = [c for c in store.iter_claims() if not read(c)]
    assert others and all(idx.claim(c["id"]) is None for c in others)


INDEXES = ((None, query.ANY_GRADE), (dt.date(2023, 6, 30), query.ANY_GRADE), (None, query.Grades(max_credibility=3)))


def _answers(store, readers) -> list:
    """What the figures say through every index kept: tallies, station lists and pages,
    countries explained, timelines."""
    out = []
    for reader in readers:
        for known_at, grades in INDEXES:
            for as_of in (dt.date(2022, 10, 1), dt.date(2023, 1, 1), dt.date(2024, 6, 1), dt.date(2030, 1, 1)):
                out.append(query.tally(reader, as_of=as_of, known_at=known_at, history=True, grades=grades))
                listed = query.station_list(reader, as_of=as_of, known_at=known_at, grades=grades)
                out.append(listed)
                out += [query.station_detail(reader, st["id"], as_of=as_of, known_at=known_at, grades=grades)
                        for st in listed[::7]]
                out += [query.explain_country(reader, cc, as_of=as_of, known_at=known_at, grades=grades)
                        for cc in ("IT", "DE", "FR", "NL", "PT", "US")]
            held = index.indexed(reader, known_at, grades)
            out.append([c["id"] for c in held.accepted(("response.", "count.", "station.", "network."))])
    for public in (False, True):  # the web app's answers, memoized on the index
        snap = views.Views(store, public=public).snapshot()
        for known_at in (None, dt.date(2023, 6, 30)):
            for as_of in (dt.date(2022, 10, 1), dt.date(2023, 1, 1), dt.date(2030, 1, 1)):
                out += [views.cached_tally(snap, as_of, known_at), views.country_rows(snap, as_of, known_at),
                        views.markers(snap, as_of, known_at), views.station_register(snap, as_of, known_at),
                        views.timeline(snap, as_of, known_at), views.timeline(snap, as_of, known_at, "IT"),
                        views.reported_series(snap, as_of, known_at, country="FR")]
    return out


def test_an_index_brought_up_to_date_in_place_equals_one_built_afresh(store, monkeypatch):
    """Accepting, taking back, recording, grading and editing claims bring the kept indexes up
    to the new version in place, without reading the store again; after every write, in a
    chain of such updates, the answers are those of indexes built afresh."""
    builds = []
    build = index._build
    monkeypatch.setattr(index, "_build", lambda *a: builds.append(a) or build(*a))
    readers = lambda: (store, PublicReader(store))
    _answers(store, readers())
    by_country = {}
    for c in store.claims(status="candidate"):
        by_country.setdefault((c["predicate"].split(".")[0], (c["subject"] or {}).get("country")), c)
    accepted = store.claims(status="accepted")
    taken_back = [next(c for c in accepted if c["predicate"] == p) for p in
                  ("station.location", "station.closed", "count.stations", "network.policing_abroad")]
    taken_back.append(next(c for c in accepted if c["predicate"].startswith("response.")))
    new = [{"predicate": "station.closed", "subject": {"type": "station", "country": "IT", "locality": "Prato"},
            "said_by": {"name": "A newspaper", "country": None}, "valid": {"from": "2023-03-01", "to": None},
            "source": {"title": "Prato office shut", "published": "2023-03-02"}},
           {"predicate": "count.stations", "value": 4, "scope": {"country": "FR"}, "qualifier": "at_least",
            "said_by": {"name": "A newspaper", "country": None},
            "source": {"title": "Four in France", "published": "2022-12-01"}},
           {"predicate": "station.location", "subject": {"type": "station"}, "stance": "denies",
            "object": {"type": "place", "country": "NL", "locality": "Rotterdam"},
            "said_by": {"name": "Embassy", "country": "CN"},
            "source": {"title": "Embassy statement", "published": "2022-11-01"}}]
    writes = [lambda c=c: store.review([c["id"]], "accepted") for c in list(by_country.values())[:6]]
    writes += [lambda c=c: store.review([c["id"]], "rejected") for c in taken_back]
    writes += [lambda: store.import_claims(enumerate(new, 1), origin="t", accept=True),
               lambda: store.grade_claim(accepted[3]["id"], 5),
               lambda: store.grade_claim(taken_back[0]["id"], 1),
               lambda: store.review([taken_back[0]["id"]], "accepted"),
               lambda: store.edit_claim(accepted[10]["id"], {"valid": {"from": "2021-01-01", "to": "2022-12-31"}})]
    for write in writes:
        write()
        builds.clear()
        in_place = _answers(store, readers())
        assert builds == []
        kept = dict(index._cache)
        index.clear()
        assert in_place == _answers(store, readers())
        assert len(builds) == len(INDEXES) * 2
        index._cache.clear()
        index._cache.update(kept)


def test_stations_merged_across_countries_are_rebuilt_not_updated(store, monkeypatch):
    """A person may judge two stations of different countries the same; no country's
    stations can then be regrouped alone, and a change rebuilds the index."""
    listed = query.station_list(store, as_of=dt.date(2024, 1, 1))
    it = next(s for s in listed if s["country"] == "IT")
    de = next(s for s in listed if s["country"] == "DE")
    store.judge(it["id"], de["id"], "same", by="test")
    assert index.indexed(store, None, query.ANY_GRADE).linked
    builds = []
    build = index._build
    monkeypatch.setattr(index, "_build", lambda *a: builds.append(a) or build(*a))
    candidate = store.claims(status="candidate", predicate="station.location")[0]
    store.review([candidate["id"]], "accepted")
    after = query.tally(store, as_of=dt.date(2024, 1, 1), history=True)
    assert len(builds) == 1
    index.clear()
    assert query.tally(store, as_of=dt.date(2024, 1, 1), history=True) == after


def test_kept_indexes_hold_no_more_claims_than_the_budget(store, monkeypatch):
    index.clear()
    first = index.indexed(store, None, query.ANY_GRADE)
    answer = query.tally(store, as_of=dt.date(2023, 1, 1))
    monkeypatch.setattr(index, "CACHE_CLAIMS", len(first.keys) + 1)  # room for this one, not for two
    known_at = dt.date(2023, 6, 30)
    second = index.indexed(store, known_at, query.ANY_GRADE)
    assert 0 < len(second.keys) < len(first.keys)
    assert list(index._cache) == [(store.url, known_at, query.ANY_GRADE)]  # the older one let go
    assert query.tally(store, as_of=dt.date(2023, 1, 1)) == answer  # built again when asked for
    assert index.indexed(store, None, query.ANY_GRADE) is not first
    monkeypatch.setattr(index, "CACHE_CLAIMS", 0)
    assert index.indexed(store, known_at, query.ANY_GRADE) is not None and len(index._cache) == 1  # one stays
