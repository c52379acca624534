"""tally / explain / stations over the seed article: as-of, known-at, history, closure, contested."""
from __future__ import annotations

import json

from conftest import SEED_PUBLISHED, write_jsonl


def tally(cli, *args) -> dict:
    code, out, err = cli("tally", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


def figure(result, predicate="count.stations", **scope) -> list:
    return [f for f in result["reported"] if f["predicate"] == predicate and f["scope"] == scope]


def test_seed_article_end_of_2022(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31")
    glob = figure(t)
    assert [(f["value"], f["said_by"]) for f in glob] == [(102, "Safeguard Defenders")]
    assert glob[0]["published"] == SEED_PUBLISHED and glob[0]["claim_ids"]
    assert [(f["value"], f["said_by"]) for f in figure(t, country="IT")] == [(11, "Safeguard Defenders")]
    de = figure(t, country="DE")
    assert [(f["value"], f["said_by_country"]) for f in de] == [(2, "DE")]
    doc = t["documented"]
    assert doc["by_country"] == {"FR": 1, "IT": 8, "SE": 1}  # Milan counts twice: two operators
    assert doc["stations"] == 10 and doc["countries"] == 3
    assert all(doc["claim_ids_by_country"][cc] for cc in ("FR", "IT", "SE"))


def test_as_of_before_the_second_report(seed_store):
    t = tally(seed_store, "--as-of", "2022-10-01")
    assert [f["value"] for f in figure(t)] == [54]
    assert not [f for f in t["reported"] if f["value"] == 102]
    # the Milan stations opened in 2016 and 2018 stand before the article was written
    assert t["documented"]["by_country"] == {"IT": 2}


def test_history_shows_superseded_figure(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31", "--history")
    assert [f["value"] for f in figure(t)] == [102]
    assert [f["value"] for f in t["history"] if f["predicate"] == "count.stations" and f["scope"] == {}] == [54]
    assert "history" not in tally(seed_store, "--as-of", "2022-12-31")


def test_known_at_before_publication_hides_the_article(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31", "--known-at", "2022-12-01")
    assert t["reported"] == [] and t["documented"]["stations"] == 0 and t["contested_network"] == []
    t = tally(seed_store, "--as-of", "2022-12-31", "--known-at", SEED_PUBLISHED)
    assert [f["value"] for f in figure(t)] == [102]


def test_by_operator(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31")
    assert t["documented"]["by_operator"] == {"Qingtian": 1, "Wenzhou": 1, "unknown": 8}
    code, out, _ = seed_store("tally", "--as-of", "2022-12-31", "--by", "operator")
    assert code == 0 and "Wenzhou" in out and "Qingtian" in out


def test_network_denial_is_contested_not_dropped(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31")
    assert len(t["contested_network"]) == 1
    code, out, _ = seed_store("tally", "--as-of", "2022-12-31")
    assert "Contested" in out


def later_claims(tmp_path, cli, records, published="2023-03-01", publisher="Later News"):
    f = write_jsonl(tmp_path / f"later-{publisher}.jsonl", records)
    code, _, err = cli("claims", "import", str(f), "--publisher", publisher, "--published", published, "--accept")
    assert code == 0, err


def test_closure_removes_station_from_later_dates(tmp_path, seed_store):
    later_claims(tmp_path, seed_store, [{
        "predicate": "station.closed", "subject": {"type": "station", "country": "SE", "locality": "Stockholm"},
        "valid": {"from": "2023-02"}}])
    assert tally(seed_store, "--as-of", "2023-01-15")["documented"]["by_country"].get("SE") == 1
    after = tally(seed_store, "--as-of", "2023-02-01")["documented"]
    assert "SE" not in after["by_country"]
    assert [s["locality"] for s in after["closed"]] == ["Stockholm"]
    code, out, _ = seed_store("stations", "--country", "SE", "--as-of", "2023-03-01")
    assert code == 0 and "Stockholm, SE" in out and "closed" in out


def test_denied_station_is_contested(tmp_path, seed_store):
    later_claims(tmp_path, seed_store, [{
        "predicate": "station.location", "subject": {"type": "station"},
        "object": {"type": "place", "country": "FR", "locality": "Paris"}, "stance": "denies",
        "said_by": {"name": "Chinese embassy in France", "country": "CN"}}], published="2023-01-10")
    before = tally(seed_store, "--as-of", "2023-01-01")["documented"]
    assert before["contested"] == []
    after = tally(seed_store, "--as-of", "2023-01-20")["documented"]
    paris = [s for s in after["station_list"] if s["locality"] == "Paris"]
    assert len(paris) == 1 and paris[0]["contested"] and paris[0]["denied_by"]
    assert after["contested"] == [paris[0]["id"]] and after["by_country"]["FR"] == 1  # shown, not dropped


def test_superseding_figure_from_a_later_source(tmp_path, seed_store):
    later_claims(tmp_path, seed_store, [{"predicate": "count.stations", "value": 12, "scope": {"country": "IT"},
                                         "said_by": {"name": "Safeguard Defenders"}}], published="2023-05-01")
    assert [f["value"] for f in figure(tally(seed_store, "--as-of", "2023-06-01"), country="IT")] == [12]
    assert [f["value"] for f in figure(tally(seed_store, "--as-of", "2023-01-01"), country="IT")] == [11]
    assert [f["value"] for f in figure(tally(seed_store, "--as-of", "2023-06-01", "--known-at", "2023-01-01"),
                                       country="IT")] == [11]


def test_rejected_claims_do_not_count(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31")
    [it] = figure(t, country="IT")
    assert seed_store("review", "reject", it["claim_ids"][0])[0] == 0
    assert figure(tally(seed_store, "--as-of", "2022-12-31"), country="IT") == []


def test_explain_country_prints_excerpts_and_sources(seed_store):
    code, out, _ = seed_store("explain", "--country", "IT", "--as-of", "2022-12-31")
    assert code == 0
    assert "Safeguard Defenders posited that Italy hosts 11 Chinese police stations." in out
    assert "The Italian stations are in Rome" in out
    assert "The New American" in out and "2022-12-15" in out and "[accepted]" in out
    assert "response.no_action" in out


def test_explain_json_lists_every_figure_claim(seed_store):
    code, out, _ = seed_store("explain", "--country", "DE", "--as-of", "2022-12-31", "--format", "json")
    result = json.loads(out)
    assert [f["value"] for f in result["reported"]] == [2]
    assert {c["predicate"] for c in result["other_claims"]} == {"response.investigation", "response.protest"}


def test_explain_one_claim(seed_store):
    t = tally(seed_store, "--as-of", "2022-12-31")
    [de] = figure(t, country="DE")
    code, out, _ = seed_store("explain", "--claim", de["claim_ids"][0][:10])
    assert code == 0 and "two unofficial Chinese" in out and "German government [DE]" in out


def test_stations_lists_claims_per_station(seed_store):
    code, out, _ = seed_store("stations", "--country", "IT", "--as-of", "2022-12-31", "--format", "json")
    rows = json.loads(out)
    milan = [r for r in rows if r["locality"] == "Milan"]
    assert sorted(r["operator"] for r in milan) == ["Qingtian", "Wenzhou"]
    for r in milan:
        predicates = sorted(c["predicate"] for c in r["claims"])
        assert predicates == ["station.location", "station.opened", "station.operator"]


def test_grades_filter_tallies(seed_store, tmp_path):
    later_claims(tmp_path, seed_store, [{"predicate": "count.stations", "value": 14, "scope": {"country": "IT"},
                                         "said_by": {"name": "Il Blog"}, "credibility": 5}], published="2022-12-20")
    t = tally(seed_store, "--as-of", "2022-12-31")
    assert sorted(f["value"] for f in figure(t, country="IT")) == [11, 14]
    # the seed article is ungraded (F): a reliability filter drops it until it is graded
    assert figure(tally(seed_store, "--as-of", "2022-12-31", "--min-reliability", "B"), country="IT") == []
    code, out, _ = seed_store("sources", "--format", "json")
    tna = [s for s in json.loads(out) if s["publisher"] == "The New American"][0]
    assert seed_store("grade", "source", tna["id"][:10], "B", "--by", "ana")[0] == 0
    graded = tally(seed_store, "--as-of", "2022-12-31", "--min-reliability", "B")
    assert [f["value"] for f in figure(graded, country="IT")] == [11]
    assert graded["grades"] == {"min_reliability": "B", "max_credibility": None}
    # a claim graded improbable is dropped by a credibility filter; ungraded claims count as 6
    assert [f["value"] for f in figure(tally(seed_store, "--as-of", "2022-12-31", "--max-credibility", "5"),
                                       country="IT")] == [14]
    [sd_it] = [f for f in figure(t, country="IT") if f["value"] == 11]
    assert seed_store("grade", "claim", sd_it["claim_ids"][0], "2")[0] == 0
    assert [f["value"] for f in figure(tally(seed_store, "--as-of", "2022-12-31", "--max-credibility", "4"),
                                       country="IT")] == [11]
    assert seed_store("verify")[0] == 0  # grading went through the ledger
    code, _, err = seed_store("grade", "source", tna["id"][:10], "Z")
    assert code == 1 and "not one of A-F" in err
