"""Entity resolution of stations: canonical places, scored pairs, clusters against a gold set,
time, judgements (reversible merges), and two overlapping, disagreeing sources."""
from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path

import pytest

from stationwatch import dates
from stationwatch.query import station_states
from stationwatch.resolve.operators import canonical_operator
from stationwatch.resolve.places import canonical
from stationwatch.resolve.resolver import Mention, resolve
from stationwatch.resolve.score import score
from stationwatch.stations import group, station_id
from stationwatch.store import Store

DATA = Path(__file__).resolve().parent / "data"


# -- the gold set -------------------------------------------------------------------------

def gold_mentions() -> tuple[list[Mention], dict[str, str]]:
    mentions, gold = [], {}
    for line in (DATA / "resolution_mentions.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, country, locality, operator, kind, date = line.split("\t")
        m = Mention(str(len(mentions)), country, locality, operator or None, dates.start_of(date), kind)
        mentions.append(m)
        gold[m.id] = label
    return mentions, gold


def same_pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
    groups = defaultdict(list)
    for mention, label in labels.items():
        groups[label].append(mention)
    return {pair for members in groups.values() for pair in itertools.combinations(sorted(members), 2)}


def test_resolution_set_pairwise_f1():
    mentions, gold = gold_mentions()
    assert len(mentions) >= 300 and len(set(gold.values())) >= 50
    predicted = resolve(mentions).mention_clusters()
    truth, found = same_pairs(gold), same_pairs({m: predicted[m] for m in gold})
    tp = len(truth & found)
    precision, recall = tp / len(found), tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"\nresolution set: {len(mentions)} mentions, {len(set(gold.values()))} stations; pairwise "
          f"precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}")
    missed = sorted({gold[a] for a, b in truth - found})
    wrong = sorted({(gold[a], gold[b]) for a, b in found - truth})
    print(f"split: {missed}; merged wrongly: {wrong}")
    assert f1 >= 0.95


# -- places and operators -----------------------------------------------------------------

@pytest.mark.parametrize("country,given,locality,city", [
    ("IT", "Milano", "Milan", "Milan"), ("IT", "米兰", "Milan", "Milan"), ("IT", "Mailand", "Milan", "Milan"),
    ("IT", "Milna", "Milan", "Milan"), ("IT", "Milan (Chinatown)", "Milan", "Milan"),
    ("IT", "Prato, Tuscany", "Prato", "Prato"), ("IT", "Prato centro", "Prato", "Prato"),
    ("FR", "Paris 13e", "Paris", "Paris"), ("FR", "a Paris suburb", "Paris", "Paris"),
    ("ES", "Barcelonna", "Barcelona", "Barcelona"), ("JP", "東京", "Tokyo", "Tokyo"), ("JP", "도쿄", "Tokyo", "Tokyo"),
    ("US", "Manhattan", "New York", "New York"), ("GB", "Croydon", "Croydon", "London"),
    ("GB", "Hendon, north London", "Hendon", "London"), ("DE", "Berlin-Mitte", "Berlin", "Berlin"),
    ("VE", "Valencia", "Valencia", "Valencia"), ("IT", "Poggio a Caiano", "Poggio a Caiano", "Poggio a Caiano"),
])
def test_canonical_place(country, given, locality, city):
    place = canonical(country, given)
    assert (place.locality, place.city) == (locality, city)


def test_qualifiers_are_kept_as_detail_and_nulls_are_no_place():
    assert canonical("FR", "Paris 13e").detail == "13e"
    assert canonical("IT", "Milan (Chinatown)").detail == "Chinatown"
    assert canonical("IT", "unknown").locality is None
    assert not canonical("IT", "Poggio a Caiano").known


def test_canonical_operator():
    for name in ("Wenzhou", "温州", "温州市公安局", "Wenzhou PSB", "Wenzhou Public Security Bureau"):
        assert canonical_operator(name) == "Wenzhou"
    assert canonical_operator("青田县公安局") == "Qingtian"
    assert canonical_operator("") is None


# -- scores and reasons -------------------------------------------------------------------

def records(*mentions):
    res = resolve(list(mentions))
    return res, {m.id: res.records[[r.id for r in res.records.values() if m in r.mentions][0]] for m in mentions}


def test_pairs_are_scored_with_reasons():
    a = Mention("a", "IT", "Milano", None)
    w = Mention("w", "IT", "Milan", "Wenzhou")
    q = Mention("q", "IT", "米兰", "Qingtian")
    res, rec = records(a, w, q)
    vague = score(rec["a"], rec["w"])
    assert vague.score >= 0.8 and not vague.conflict
    assert [r.code for r in vague.reasons] == ["same_place", "operator_one_side"]
    ops = score(rec["w"], rec["q"])
    assert ops.conflict and ops.score <= 0.1 and "operators differ: Wenzhou, Qingtian" in [r.text for r in ops.reasons]
    # the vague record fits two stations that cannot be one: it is attached to both
    assert len(res.clusters) == 2 and all(c.attached == [rec["a"]] for c in res.clusters)


def test_two_districts_of_one_city_are_two_stations_and_the_city_fits_both():
    c = Mention("c", "GB", "Croydon", "Fuzhou")
    h = Mention("h", "GB", "Hendon", "Wenzhou")
    c2 = Mention("c2", "GB", "London Borough of Croydon", None)
    london = Mention("l", "GB", "London", None)
    res, rec = records(c, h, c2, london)
    pair = score(rec["c"], rec["h"])
    assert pair.conflict and "different districts of London: Croydon, Hendon" in [r.text for r in pair.reasons]
    by_mention = res.mention_clusters()
    assert by_mention["c"] == by_mention["c2"] != by_mention["h"]
    assert sorted(c.label for c in res.clusters) == ["Croydon, GB (Fuzhou)", "Hendon, GB (Wenzhou)"]
    assert all(rec["l"] in c.attached for c in res.clusters)


def test_same_name_in_two_countries_is_never_compared():
    res = resolve([Mention("es", "ES", "Valencia"), Mention("ve", "VE", "Valencia")])
    assert res.pairs == [] and len(res.clusters) == 2


def test_typo_of_an_unknown_place_meets_it_through_prefix_blocking():
    res = resolve([Mention("a", "IT", "Poggio a Caiano"), Mention("b", "IT", "Poggio a Caiamo")])
    assert len(res.pairs) == 1 and res.pairs[0].score >= 0.8
    assert len(res.clusters) == 1


# -- time: a station closed, and a new one opened by the same bureau -----------------------

def claim(cid, predicate, country, locality, *, op=None, valid=None, published="2024-12-01"):
    subject = {"type": "station", "country": country, "locality": locality}
    if op:
        subject["operator"] = op
    c = {"id": cid, "predicate": predicate, "subject": subject, "object": None, "stance": "asserts",
         "valid": {"from": valid, "to": None}, "source": {"published": published}}
    if predicate == "station.location":
        c["subject"] = {"type": "station", "operator": op} if op else {"type": "station"}
        c["object"] = {"type": "place", "country": country, "locality": locality}
    return c


def test_a_station_closed_then_a_new_one_opened_are_two_stations():
    claims = [claim("open1", "station.opened", "NL", "Amsterdam", op="Fuzhou", valid="2018"),
              claim("seen1", "station.location", "NL", "阿姆斯特丹", valid="2022-09", published="2022-09-12"),
              claim("shut1", "station.closed", "NL", "Amsterdam", op="Fuzhou", valid="2022-11-01"),
              claim("open2", "station.opened", "NL", "Amsterdam", op="福州", valid="2024-03-15"),
              claim("seen2", "station.location", "NL", "Amsterdam", valid="2024-06", published="2024-06-30")]
    first, second = group(claims)
    assert (first.label, sorted(first.claim_ids)) == ("Amsterdam, NL (Fuzhou)", ["open1", "seen1", "shut1"])
    assert (second.label, sorted(second.claim_ids)) == ("Amsterdam, NL (Fuzhou) #2", ["open2", "seen2"])
    assert first.id == station_id("NL", "Amsterdam", "Fuzhou") != second.id
    states = {s.station.id: s for s in station_states(claims, dates.as_day("2023-06-01"))}
    assert states[first.id].closed_by and not states[second.id].present
    states = {s.station.id: s for s in station_states(claims, dates.as_day("2024-12-31"))}
    assert states[second.id].present and not states[second.id].closed_by


def test_station_ids_are_stable_for_the_canonical_key():
    ids = {group([claim("x", "station.location", "IT", name, op="Wenzhou")])[0].id
           for name in ("Milan", "Milano", "米兰", "MILANO", "Milan (Chinatown)")}
    assert ids == {station_id("IT", "Milan", "Wenzhou")}


# -- judgements, from the command line ------------------------------------------------------

STATIONS_CSV = "country,city,operator,status,closure_date,source_url\n"


def import_table(cli, path: Path, *args):
    code, out, err = cli("import-table", str(path), *args, "--accept")
    assert code == 0, err
    return out


def stations(cli, *args) -> list[dict]:
    code, out, err = cli("stations", "--format", "json", "--as-of", "2023-12-31", *args)
    assert code == 0, err
    return json.loads(out)


def test_judging_same_merges_and_different_splits_again(tmp_path, cli, db):
    f = tmp_path / "tracker.csv"
    f.write_text(STATIONS_CSV + "Italy,Florence,,operating,,u\nItaly,Sesto Fiorentino,,operating,,u\n", encoding="utf-8")
    import_table(cli, f, "--mapping", "station-list", "--published", "2023-06-30")
    before = {s["label"]: s["id"] for s in stations(cli)}
    assert sorted(before) == ["Florence, IT", "Sesto Fiorentino, IT"]
    florence, sesto = before["Florence, IT"], before["Sesto Fiorentino, IT"]

    code, out, err = cli("resolve", "judge", florence, sesto[:12], "same", "--by", "analyst")
    assert code == 0, err
    assert "now merged" in out
    merged = stations(cli)
    assert len(merged) == 1 and len(merged[0]["claim_ids"]) == 2
    code, out, _ = cli("resolve", "clusters")
    assert "Florence" in out and "Sesto Fiorentino" in out and "1 stations" in out

    code, out, err = cli("resolve", "judge", sesto, florence, "different", "--by", "editor")
    assert code == 0 and "now separate" in out
    assert {s["label"]: s["id"] for s in stations(cli)} == before
    history = Store(db).judgements(latest=False)
    assert [(j["judgement"], j["judged_by"]) for j in history] == [("same", "analyst"), ("different", "editor")]
    assert Store(db).verify() == []


def test_pairs_list_reasons_and_auto_records_judgements(tmp_path, cli, db):
    f = tmp_path / "tracker.csv"
    f.write_text(STATIONS_CSV + "Ireland,Dublin,Fuzhou,operating,,u\nIreland,Dublino,,operating,,u\n"
                 "Italy,Milano,Wenzhou,operating,,u\nItaly,Milan,Qingtian,operating,,u\nItaly,米兰,,operating,,u\n",
                 encoding="utf-8")
    import_table(cli, f, "--mapping", "station-list", "--published", "2023-06-30")
    code, out, err = cli("resolve", "pairs", "--format", "json")
    assert code == 0, err
    pairs = json.loads(out)
    dublin = [p for p in pairs if p["left"]["label"].startswith("Dublin")]
    assert len(dublin) == 1 and dublin[0]["status"] == "merged" and dublin[0]["score"] >= 0.8
    assert {r["code"] for r in dublin[0]["reasons"]} == {"same_place", "operator_one_side"}
    milan = [p for p in pairs if p["left"]["label"].startswith("Milan")]
    assert sorted(p["status"] for p in milan) == ["attached", "attached"]
    code, out, _ = cli("resolve", "pairs")
    assert "same place: Dublin" in out

    code, out, err = cli("resolve", "auto", "--auto-above", "0.8")
    assert code == 0, err
    assert "1 pairs judged same by auto:0.8; 2 above 0.8 left for review" in out
    assert [(j["judgement"], j["judged_by"]) for j in Store(db).judgements()] == [("same", "auto:0.8")]
    code, out, _ = cli("resolve", "pairs", "--format", "json")
    assert not [p for p in json.loads(out) if p["left"]["label"].startswith("Dublin")]
    code, out, _ = cli("resolve", "pairs", "--all", "--format", "json")
    assert [p["judgement"]["by"] for p in json.loads(out) if p["left"]["label"].startswith("Dublin")] == ["auto:0.8"]
    code, _, err = cli("resolve", "judge", "sta_nothing_here", "sta_nor_here", "same")
    assert code == 1 and "no station or record with id" in err


# -- two sources that overlap and disagree --------------------------------------------------

COMMUNITY_MAPPING = """\
# A community dataset: one row per station, with the date someone last saw it operating.
name: community-list
said_by: {name: Community tracker}
claims:
  - predicate: station.location
    subject: {type: station, operator: "{bureau}"}
    object: {type: place, country: "{country|country}", locality: "{place}"}
    valid: {from: "{last_seen|date}"}
  - predicate: station.operator
    if: bureau
    subject: {type: station, country: "{country|country}", locality: "{place}"}
    object: {type: authority, name: "{bureau}", seat: "{bureau}"}
"""


def test_two_overlapping_sources_merge_and_disagree(tmp_path, cli):
    community = tmp_path / "community.csv"
    community.write_text("country,place,bureau,last_seen\n"
                         "IT,Milano,Wenzhou,2023-05\n"
                         "IT,Milano,Qingtian,2023-05\n"
                         "IT,Prato,,2023-04\n"
                         "IE,Dublin,Fuzhou,2022-06\n", encoding="utf-8")
    mapping = tmp_path / "community.yaml"
    mapping.write_text(COMMUNITY_MAPPING, encoding="utf-8")
    import_table(cli, community, "--mapping", str(mapping), "--publisher", "Community tracker",
                 "--published", "2023-06-01")
    government = tmp_path / "answers.csv"
    government.write_text(STATIONS_CSV +
                          "Italy,Milan,Wenzhou,closed,2023-03-01,https://gov.example/1\n"
                          "Italy,米兰,Qingtian,operating,,https://gov.example/2\n"
                          "Italy,Prato centro,,operating,,https://gov.example/3\n"
                          "Ireland,Baile Átha Cliath,Fuzhou,closed,2022-10-26,https://gov.example/4\n"
                          "Spain,Madrid,Qingtian,operating,,https://gov.example/5\n", encoding="utf-8")
    import_table(cli, government, "--mapping", "station-list", "--publisher", "Government answers",
                 "--published", "2023-07-01")

    rows = {s["label"]: s for s in stations(cli)}
    assert sorted(rows) == ["Dublin, IE (Fuzhou)", "Madrid, ES (Qingtian)", "Milan, IT (Qingtian)",
                            "Milan, IT (Wenzhou)", "Prato, IT"]
    publishers = lambda label: sorted({c["source"]["publisher"] for c in rows[label]["claims"]})
    for label in ("Dublin, IE (Fuzhou)", "Milan, IT (Qingtian)", "Milan, IT (Wenzhou)", "Prato, IT"):
        assert publishers(label) == ["Community tracker", "Government answers"], label
    assert rows["Milan, IT (Wenzhou)"]["status"] == "closed" and rows["Dublin, IE (Fuzhou)"]["status"] == "closed"
    assert rows["Milan, IT (Qingtian)"]["status"] == "operating"

    code, out, err = cli("conflicts", "--as-of", "2023-12-31", "--format", "json")
    assert code == 0, err
    status = [c for c in json.loads(out)["conflicts"] if c["kind"] == "closed vs operating"]
    assert [c["label"] for c in status] == ["Milan, IT (Wenzhou)"]  # seen in May 2023, closed in March
    says = {side["says"]: side["claims"] for side in status[0]["sides"]}
    assert [c["source"]["publisher"] for c in says["closed"]] == ["Government answers"]
    assert {c["object"]["locality"] for c in says["operating"]} == {"Milano"}
    code, out, _ = cli("conflicts", "--as-of", "2023-12-31")
    assert "closed vs operating" in out and "Milan, IT (Wenzhou)" in out

    code, out, err = cli("diff", "--known-at", "2023-06-15", "--to", "2023-12-31", "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert [s["label"] for s in d["new_stations"]] == ["Madrid, ES (Qingtian)"]  # no Milan/米兰 duplicates
    assert sorted(s["label"] for s in d["closures"]) == ["Dublin, IE (Fuzhou)", "Milan, IT (Wenzhou)"]
    assert d["documented"] == {"before": 4, "after": 3}
    code, out, _ = cli("diff", "--known-at", "2023-06-15", "--to", "2023-12-31")
    assert "Madrid, ES (Qingtian)" in out and "closure" in out
