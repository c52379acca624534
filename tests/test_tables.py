"""import-table: CSV, JSON and XLSX rows through YAML mappings; errors name the row and column."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from stationwatch.store import Store

REPO = Path(__file__).resolve().parents[1]
SOURCE = ["--publisher", "Tracker", "--published", "2023-06-30"]


def test_station_list_csv_rows_become_claims_with_row_excerpts(tmp_path, cli, db):
    f = tmp_path / "stations.csv"
    f.write_text("country,city,operator,status,closure_date,source_url\n"
                 "Italy,Milano,Wenzhou,operating,,https://example.org/a\n"
                 "\"Ireland\",\"Dublin\",Fuzhou,closed,26 October 2022,https://example.org/b\n", encoding="utf-8")
    code, out, err = cli("import-table", str(f), "--mapping", "station-list", *SOURCE, "--accept")
    assert code == 0, err
    assert "2 rows, 5 claims imported" in out
    store = Store(db)
    text = f.read_text(encoding="utf-8")
    claims = store.claims()
    for c in claims:
        assert text[c["excerpt"]["start"]:c["excerpt"]["end"]] == c["excerpt"]["text"]
    closed = [c for c in claims if c["predicate"] == "station.closed"]
    assert [(c["subject"]["country"], c["valid"]["from"]) for c in closed] == [("IE", "2022-10-26")]
    assert closed[0]["excerpt"]["text"].startswith('"Ireland","Dublin"')
    op = [c for c in claims if c["predicate"] == "station.operator" and c["subject"]["country"] == "IT"]
    assert op[0]["object"] == {"type": "authority", "name": "Wenzhou Public Security Bureau", "seat": "Wenzhou"}
    assert all(c["source"]["publisher"] == "Tracker" and c["source"]["kind"] == "dataset" for c in claims)
    # the same table again adds nothing
    code, out, _ = cli("import-table", str(f), "--mapping", "station-list", *SOURCE, "--accept")
    assert code == 0 and "0 claims imported" in out and "5 already present" in out
    assert len(Store(db).claims()) == 5


def test_mapping_error_names_row_and_column_and_writes_nothing(tmp_path, cli, db):
    f = tmp_path / "stations.csv"
    f.write_text("country,city,operator,status,closure_date,source_url\n"
                 "Italy,Rome,,operating,,u\nAtlantis,Poseidonia,,operating,,u\n", encoding="utf-8")
    code, _, err = cli("import-table", str(f), "--mapping", "station-list", *SOURCE)
    assert code == 1 and f"{f} row 2, column 'country': 'Atlantis' is not a country name or ISO code" in err
    assert Store(db).counts().get("claims_candidate", 0) == 0 and Store(db).counts()["documents"] == 0


def test_missing_column_is_named(tmp_path, cli):
    f = tmp_path / "stations.csv"
    f.write_text("nation,city\nItaly,Rome\n", encoding="utf-8")
    code, _, err = cli("import-table", str(f), "--mapping", "station-list", *SOURCE)
    assert code == 1 and "columns 'closure_date', 'country', 'operator', 'source_url' are not in" in err


def test_bad_date_and_unknown_action_are_named(tmp_path, cli):
    f = tmp_path / "responses.csv"
    f.write_text("country,date,action,source_url\nNL,2022-11-01,closure order,u\nDE,sometime,protest,u\n")
    code, _, err = cli("import-table", str(f), "--mapping", "response-list", *SOURCE)
    assert code == 1 and "row 2, column 'date': 'sometime' is not a date" in err
    f.write_text("country,date,action,source_url\nNL,2022-11-01,shrugged,u\n")
    code, _, err = cli("import-table", str(f), "--mapping", "response-list", *SOURCE)
    assert code == 1 and "row 1, column 'action': 'shrugged' is not one of" in err


def test_json_records_at_a_path_with_custom_mapping(tmp_path, cli, db):
    f = tmp_path / "data.json"
    f.write_text(json.dumps({"meta": {}, "data": {"responses": [
        {"land": "Deutschland", "wann": "Dezember 2022", "was": "protest"},
        {"land": "Nederland", "wann": "1 november 2022", "was": "closure order"}]}}), encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "read: {format: json, records: $.data.responses}\n"
        "said_by: {name: Tracker team}\n"
        "claims:\n"
        "  - predicate: '{was|map:a}'\n"
        "    subject: {type: government, country: '{land|country}'}\n"
        "    valid: {from: '{wann|date}'}\n"
        "maps:\n  a: {protest: response.protest, closure order: response.closure_order}\n", encoding="utf-8")
    code, _, err = cli("import-table", str(f), "--mapping", str(mapping), *SOURCE)
    assert code == 0, err
    got = sorted((c["predicate"], c["subject"]["country"], c["valid"]["from"], c["said_by"]["name"])
                 for c in Store(db).claims())
    assert got == [("response.closure_order", "NL", "2022-11-01", "Tracker team"),
                   ("response.protest", "DE", "2022-12", "Tracker team")]
    doc = Store(db).documents()[0]
    text = Store(db).document(doc["id"])["text"]
    for c in Store(db).claims():
        assert json.loads(c["excerpt"]["text"]) and text[c["excerpt"]["start"]:c["excerpt"]["end"]] == c["excerpt"]["text"]


def test_xlsx_sheet(tmp_path, cli, db):
    import datetime as dt
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["country", "date", "action", "source_url"])
    sheet.append(["Czechia", dt.datetime(2022, 12, 8), "closure", "https://example.org/cz"])
    sheet.append(["United States", "2023-04-17", "arrests", "https://example.org/us"])
    f = tmp_path / "responses.xlsx"
    book.save(f)
    code, _, err = cli("import-table", str(f), "--mapping", "response-list", *SOURCE)
    assert code == 0, err
    got = sorted((c["predicate"], c["subject"]["country"], c["valid"]["from"]) for c in Store(db).claims())
    assert got == [("response.arrest", "US", "2023-04-17"), ("response.closure_order", "CZ", "2022-12-08")]


@pytest.mark.parametrize("table,mapping", [("stations.csv", "station-list"), ("responses.csv", "response-list")])
def test_shipped_example_tables_import(cli, table, mapping):
    code, out, err = cli("import-table", str(REPO / "examples" / "tables" / table), "--mapping", mapping,
                         "--publisher", "stationwatch examples", "--published", "2023-06-30")
    assert code == 0, err
    assert "0 claims" not in out
