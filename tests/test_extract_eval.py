"""Precision and recall on a small multilingual set written for the extractor's tests.

tests/data/extract_eval/ holds short news-style documents (EN, ZH simplified and
traditional, IT, DE, FR, ES, NL, PT, JA, KO), written for these tests and not taken from
any article, each with its gold facts (NAME.facts.jsonl, the format of the shared
seed-article facts). Some are negative cases: a local crime story with a police station
and a Chinese restaurant in it must yield nothing. Matching is the shared scorer's
(../shared/eval/score_claims.py) made stricter: a fact that gives a count's `scope` needs
exactly that scope (country, locality, operator), and one that gives a `qualifier` needs
it too. The shared excerpt check knows English place names and number words only: a
name or number word of the document's own language (Köln, 都柏林, 'drei') is accepted as
well. An undated closure is dated by the publication date, so for it the year need not
be in the excerpt.

The blind_* documents (16, in every language we read, two of them negative) were written
in session 7 by a separate agent that was not shown the extractor or its tests, from the
spec and the public record; the extractor's errors on them led to general fixes, so they
are no longer blind. tests/data/extract_heldout/ holds a second set written the same way
(14 documents) that no fix was made against: it is measured, not asserted, so that its
figures say how the extraction does on text it was not tuned to. Keep it that way: write
a new held-out set before tuning against this one.

    .venv/bin/python tests/test_extract_eval.py [-v]                                   # the test set
    .venv/bin/python tests/test_extract_eval.py --dir tests/data/extract_heldout [-v]  # the held-out set
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from stationwatch.extract import extract_claims
from stationwatch.extract.gazetteer import scan
from stationwatch.extract.numbers import find_numbers

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "extract_eval"
SCORER = HERE.parents[1] / "shared" / "eval" / "score_claims.py"
PUBLISHED = "2022-12-01"
MIN_PRECISION = 0.9
MIN_RECALL = 0.9


def _scorer():
    spec = importlib.util.spec_from_file_location("score_claims", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scope(d: dict | None) -> dict:
    return {k: v for k, v in (d or {}).items() if v is not None}


def _matches(sc, claim: dict, fact: dict) -> bool:
    if not sc.match(claim, fact):
        return False
    if "scope" in fact and _scope(claim.get("scope")) != _scope(fact["scope"]):
        return False
    if "qualifier" in fact and claim.get("qualifier") != fact["qualifier"]:
        return False
    return True


def _honest(sc, claim: dict, doc: str) -> str | None:
    """The shared scorer's excerpt check, which knows English names and numbers only,
    with the names and number words of the document's language accepted too (Köln for
    Cologne, 都柏林 for Dublin, 'drei' for 3), read with the project's own gazetteer."""
    why = sc.honest_excerpt(claim, doc)
    ex = claim["excerpt"]
    text = doc[ex["start"]:ex["end"]]
    if why == "year not in excerpt" and (claim.get("valid") or {}).get("from") == PUBLISHED:
        return None  # 'has closed', undated: closed by the day it was published
    if why == "locality not in excerpt":
        loc = claim["object"]["locality"]
        if any(p[0] == "place" and any(c.locality == loc for c in p[2]) for h in scan(text) for p in h.payloads):
            return None
    if why == "operator seat not in excerpt":
        seat = claim["object"]["seat"]
        if any(p[0] == "bureau" and p[1] == seat for h in scan(text) for p in h.payloads):
            return None
    if why == "count value not in excerpt":
        if any(n.value == claim["value"] for n in find_numbers(text, 0, len(text), None)):
            return None
    return why


def score_document(sc, name: str, data: Path = DATA) -> dict:
    text = (data / f"{name}.txt").read_text(encoding="utf-8")
    facts = [json.loads(l) for l in (data / f"{name}.facts.jsonl").read_text(encoding="utf-8").splitlines()
             if l.strip()]
    claims = extract_claims(text, published=PUBLISHED)
    found = {f["id"]: False for f in facts}
    wrong = []
    good = 0
    for c in claims:
        why = _honest(sc, c, text)
        hits = [f for f in facts if why is None and _matches(sc, c, f)]
        for f in hits:
            found[f["id"]] = True
        if hits:
            good += 1
        else:
            wrong.append((why or "matches no fact", c))
    required = [f for f in facts if not f.get("optional")]
    missed = [f for f in required if not found[f["id"]]]
    return {"name": name, "claims": len(claims), "good": good, "facts": len(required),
            "found": len(required) - len(missed), "missed": missed, "wrong": wrong}


def score_all(data: Path = DATA) -> tuple[float, float, list[dict]]:
    sc = _scorer()
    results = [score_document(sc, p.stem, data) for p in sorted(data.glob("*.txt"))]
    claims = sum(r["claims"] for r in results)
    facts = sum(r["facts"] for r in results)
    precision = sum(r["good"] for r in results) / claims if claims else 0.0
    recall = sum(r["found"] for r in results) / facts if facts else 0.0
    return precision, recall, results


def test_multilingual_set_precision_and_recall():
    precision, recall, results = score_all()
    report = "\n".join(f"{r['name']}: missed {[m['id'] for m in r['missed']]}, "
                       f"wrong {[(w[0], w[1]['predicate']) for w in r['wrong']]}"
                       for r in results if r["missed"] or r["wrong"])
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, \
        f"precision={precision:.3f} recall={recall:.3f}\n{report}"


def test_negative_documents_yield_nothing():
    sc = _scorer()
    for name in ("en_local_crime", "it_cronaca", "fr_faits_divers", "blind_neg_en_police", "blind_neg_de_china"):
        r = score_document(sc, name)
        assert r["claims"] == 0, (name, [(w[1]["predicate"], w[1]["excerpt"]["text"]) for w in r["wrong"]])


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    data = Path(argv[argv.index("--dir") + 1]) if "--dir" in argv else DATA
    precision, recall, results = score_all(data)
    for r in results:
        print(f"{r['name']:18s} claims={r['claims']:3d} good={r['good']:3d} facts={r['facts']:3d} found={r['found']:3d}")
        if verbose:
            for f in r["missed"]:
                print("   missed:", json.dumps(f, ensure_ascii=False))
            for why, c in r["wrong"]:
                shown = {k: c.get(k) for k in ("predicate", "subject", "object", "value", "scope", "qualifier",
                                               "stance", "said_by")}
                shown = {k: v for k, v in shown.items() if v not in (None, "asserts")}
                print(f"   wrong ({why}):", json.dumps(shown, ensure_ascii=False), "|", c["excerpt"]["text"][:60])
    print(f"precision={precision:.3f} recall={recall:.3f} documents={len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
