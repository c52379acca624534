"""claims import / list / export / review: validation, all-or-nothing, round trip."""
from __future__ import annotations

import json

import pytest

from conftest import SEED, SEED_PUBLISHED, new_db_url, seed_claims, seed_text, write_jsonl
from stationwatch.store import Store

SOURCE = ["--title", "T", "--publisher", "P", "--published", "2022-11-01"]


def good_claim(**over) -> dict:
    claim = {"predicate": "response.investigation", "subject": {"type": "government", "country": "CA"},
             "said_by": {"name": "RCMP", "country": "CA"}}
    claim.update(over)
    return claim


def store_counts(db: str) -> dict:
    return Store(db).counts()


def test_import_then_list(tmp_path, cli, db):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim(), good_claim(subject={"type": "government", "country": "NL"})])
    code, out, _ = cli("claims", "import", str(f), *SOURCE)
    assert code == 0 and "2 claims imported (candidate)" in out
    rows = Store(db).claims()
    assert {r["subject"]["country"] for r in rows} == {"CA", "NL"}
    assert all(r["status"] == "candidate" for r in rows)
    code, out, _ = cli("claims", "list", "--country", "NL", "--format", "jsonl")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [c["subject"]["country"] for c in listed] == ["NL"]


def test_same_claim_twice_is_one_claim(tmp_path, cli, db):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim(), good_claim()])
    assert cli("claims", "import", str(f), *SOURCE)[0] == 0
    code, out, _ = cli("claims", "import", str(f), *SOURCE)
    assert code == 0 and "0 claims imported" in out and "1 already present" in out
    assert store_counts(db)["claims_candidate"] == 1


BAD_LINES = {
    "malformed JSON": ('{"predicate": "response.protest",', "not a JSON object"),
    "unknown predicate": ({"predicate": "station.haunted"}, "unknown predicate 'station.haunted'"),
    "bad country code": (good_claim(subject={"type": "government", "country": "Germany"}),
                         "subject.country 'Germany' is not an ISO 3166-1 alpha-2 code"),
    "lower-case country": (good_claim(subject={"type": "government", "country": "de"}), "alpha-2"),
    "bad scope country": ({"predicate": "count.stations", "value": 3, "scope": {"country": "XX"}}, "scope.country"),
    "count not integer": ({"predicate": "count.stations", "value": "eleven"}, "non-negative integer"),
    "bad stance": (good_claim(stance="maybe"), "stance 'maybe'"),
    "bad date": (good_claim(valid={"from": "15/12/2022"}), "not a date"),
    "impossible date": (good_claim(valid={"from": "2022-02-30"}), "not a calendar date"),
    "closure without date": ({"predicate": "station.closed", "subject": {"country": "IE", "locality": "Dublin"}},
                             "needs valid.from"),
    "activity outside vocabulary": ({"predicate": "station.activity", "value": "karaoke"}, "is not one of"),
    "excerpt without document": (good_claim(excerpt={"start": 0, "end": 5, "text": "hello"}), "no document"),
    "not an object": ('[1, 2]', "must be a JSON object"),
    "tampered id": (dict(good_claim(), id="0" * 32), "does not match the claim's content"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_line_names_line_and_changes_nothing(tmp_path, cli, db, case):
    bad, message = BAD_LINES[case]
    first = write_jsonl(tmp_path / "first.jsonl", [good_claim()])
    assert cli("claims", "import", str(first), *SOURCE)[0] == 0
    before = store_counts(db)
    f = write_jsonl(tmp_path / "bad.jsonl", [good_claim(subject={"type": "government", "country": "FR"}),
                                            good_claim(subject={"type": "government", "country": "ES"}), bad])
    code, out, err = cli("claims", "import", str(f), *SOURCE)
    assert code == 1
    assert f"{f}:3: " in err and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert store_counts(db) == before  # the two good lines before it were not written either


def test_excerpt_must_be_document_text(tmp_path, cli, db):
    doc = seed_text()
    claims = seed_claims(doc)
    honest = claims[0]
    forged = dict(claims[4], excerpt=dict(claims[4]["excerpt"], text="Italy hosts 12 Chinese police stations."))
    f = write_jsonl(tmp_path / "c.jsonl", [honest, forged])
    code, _, err = cli("claims", "import", str(f), "--document", str(SEED), "--publisher", "TNA",
                       "--published", SEED_PUBLISHED)
    assert code == 1 and f"{f}:2: excerpt.text is not the document's text" in err
    assert store_counts(db).get("claims_candidate", 0) == 0 and store_counts(db)["documents"] == 0


def test_excerpt_past_end_of_document(tmp_path, cli):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim(excerpt={"start": 10, "end": 10 ** 7, "text": None})])
    code, _, err = cli("claims", "import", str(f), "--document", str(SEED), *SOURCE)
    assert code == 1 and "runs past the document's end" in err


def test_missing_source_is_an_error(tmp_path, cli):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim()])
    code, _, err = cli("claims", "import", str(f), "--title", "T")
    assert code == 1 and "no publication date" in err


def test_per_line_source_overrides_options(tmp_path, cli, db):
    line = dict(good_claim(), source={"publisher": "CBC", "url": "https://example.org/a", "published": "2022-12-09"})
    f = write_jsonl(tmp_path / "c.jsonl", [line, good_claim()])
    assert cli("claims", "import", str(f), *SOURCE)[0] == 0
    got = sorted((c["source"]["publisher"], c["source"]["published"]) for c in Store(db).claims())
    assert got == [("CBC", "2022-12-09"), ("P", "2022-11-01")]


def test_export_import_round_trip(tmp_path, seed_store, cli):
    code, exported, _ = cli("claims", "export", "--format", "jsonl")
    assert code == 0
    lines = exported.splitlines()
    assert len(lines) == len(seed_claims(seed_text()))
    first = json.loads(lines[0])
    assert first["source"]["document"] and first["status"] == "accepted"
    # into a fresh store: the document travels with --document, the rest with each line
    fresh = new_db_url(tmp_path, "fresh")
    f = tmp_path / "export.jsonl"
    f.write_text(exported, encoding="utf-8")
    from typer.testing import CliRunner
    from stationwatch.cli import app
    r = CliRunner().invoke(app, ["--db", fresh, "claims", "import", str(f), "--document", str(SEED)])
    assert r.exit_code == 0, r.stderr
    again = CliRunner().invoke(app, ["--db", fresh, "claims", "export"]).stdout
    strip = lambda text: [{k: v for k, v in json.loads(l).items() if k != "recorded_at"} for l in text.splitlines()]
    assert strip(again) == strip(exported)


def test_review_accept_and_reject(tmp_path, cli, db):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim(), good_claim(subject={"type": "government", "country": "NL"})])
    cli("claims", "import", str(f), *SOURCE)
    ca, nl = sorted(Store(db).claims(), key=lambda c: c["subject"]["country"])
    assert cli("review", "accept", ca["id"][:8], "--reviewer", "ana")[0] == 0
    assert cli("review", "reject", nl["id"])[0] == 0
    now = {c["subject"]["country"]: (c["status"], c["reviewer"]) for c in Store(db).claims()}
    assert now == {"CA": ("accepted", "ana"), "NL": ("rejected", None)}


def test_review_unknown_id_changes_nothing(tmp_path, cli, db):
    f = write_jsonl(tmp_path / "c.jsonl", [good_claim()])
    cli("claims", "import", str(f), *SOURCE)
    cid = Store(db).claims()[0]["id"]
    code, _, err = cli("review", "accept", cid, "ffffffffff")
    assert code == 1 and "no claim with id ffffffffff" in err
    assert Store(db).claims()[0]["status"] == "candidate"
