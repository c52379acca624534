"""The station identity rule (stations.group), on its own."""
from __future__ import annotations

from stationwatch.stations import group


def loc(cc, locality=None, cid="x"):
    return {"id": cid, "predicate": "station.location", "subject": {"type": "station"},
            "object": {"type": "place", "country": cc, "locality": locality}, "stance": "asserts"}


def operator(cc, locality, seat, cid="o"):
    return {"id": cid, "predicate": "station.operator",
            "subject": {"type": "station", "country": cc, "locality": locality},
            "object": {"type": "authority", "seat": seat}, "stance": "asserts"}


def opened(cc, locality, year, cid="d", op=None):
    subject = {"type": "station", "country": cc, "locality": locality}
    if op:
        subject["operator"] = op
    return {"id": cid, "predicate": "station.opened", "subject": subject, "valid": {"from": year},
            "stance": "asserts"}


def labels(claims):
    return [(s.country, s.locality, s.operator, sorted(s.claim_ids)) for s in group(claims)]


def test_second_operator_in_same_locality_is_second_station():
    got = labels([loc("IT", "Milan", "l1"), operator("IT", "Milan", "Wenzhou", "o1"),
                  operator("IT", "Milan", "Qingtian", "o2"), opened("IT", "Milan", "2016", "d1", op="Wenzhou")])
    assert got == [("IT", "Milan", "Qingtian", ["l1", "o2"]), ("IT", "Milan", "Wenzhou", ["d1", "l1", "o1"])]


def test_one_operator_absorbs_claims_without_operator():
    got = labels([loc("IE", "Dublin", "l1"), operator("IE", "Dublin", "Fuzhou", "o1"), opened("IE", "Dublin", "2018", "d1")])
    assert got == [("IE", "Dublin", "Fuzhou", ["d1", "l1", "o1"])]


def test_locality_names_fold_case_and_accents():
    got = labels([loc("BR", "São Paulo", "a"), loc("BR", "Sao Paulo", "b"), loc("BR", "SÃO PAULO", "c")])
    assert got == [("BR", "São Paulo", None, ["a", "b", "c"])]


def test_same_city_name_in_two_countries_is_two_stations():
    assert len(group([loc("ES", "Valencia", "a"), loc("VE", "Valencia", "b")])) == 2


def test_country_only_mention_counts_only_where_nothing_is_located():
    assert labels([loc("DE", None, "a")]) == [("DE", None, None, ["a"])]
    assert labels([loc("DE", None, "a"), loc("DE", "Berlin", "b")]) == [("DE", "Berlin", None, ["b"])]


def test_denials_and_claims_without_place_document_nothing():
    denial = dict(loc("FR", "Paris"), stance="denies")
    network = {"id": "n", "predicate": "station.activity", "subject": {"type": "network"}, "value": "surveillance",
               "stance": "asserts"}
    assert group([denial, network]) == []


def test_station_ids_are_stable_and_distinct():
    a = group([loc("IT", "Prato")])[0].id
    assert a == group([loc("IT", "prato", "other")])[0].id
    assert a != group([loc("IT", "Florence")])[0].id


def test_names_of_one_place_are_one_station():
    """Localities are compared as places (resolve/places.py): exonyms, local and Chinese names,
    typos and qualifiers of one city are one station, labelled with the English exonym."""
    got = labels([loc("IT", "Milano", "a"), loc("IT", "米兰", "b"), loc("IT", "Milna", "c"),
                  operator("IT", "Milan (Chinatown)", "Wenzhou", "o")])
    assert got == [("IT", "Milan", "Wenzhou", ["a", "b", "c", "o"])]
    assert group([loc("IT", "Milano")])[0].id == group([loc("IT", "Milan")])[0].id
