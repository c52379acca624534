"""Crash safety and fuzzing: a killed ingest leaves a consistent store; bad input never crashes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import temporary_db
from stationwatch.extract import extract_claims
from stationwatch.ingest import IngestError, read_bytes
from stationwatch.model import PREDICATES
from stationwatch.store import LineError, Store

EXE = Path(sys.executable).with_name("stationwatch")
CITIES = ["Rome", "Milan", "Prato", "Madrid", "Valencia", "Toronto", "Dublin", "Rotterdam", "Prague", "Paris"]


def corpus(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        (folder / f"note-{i:04d}.txt").write_text(
            f"Report {i}. According to Safeguard Defenders, a police station in {city} was opened in 20{10 + i % 12}. "
            f"The government said it had begun an investigation into {i % 7 + 2} such stations.\n", encoding="utf-8")


def consistent(db: str) -> None:
    store = Store(db)
    assert store.verify() == []
    docs = {d["id"] for d in store.documents()}
    for c in store.claims():
        assert c["source"]["document"] in docs


@pytest.mark.sqlite_only("ten SIGKILLs of a whole ingest (slow); on PostgreSQL tests/test_workers.py kills a worker")
@pytest.mark.parametrize("attempt", range(10))
def test_sigkill_mid_ingest_leaves_store_consistent(tmp_path, attempt):
    corpus(tmp_path / "docs", 400)
    db = f"sqlite:///{tmp_path / 's.db'}"
    Store(db).close()  # migrate first, so the kill lands in ingestion, not in schema creation
    proc = subprocess.Popen([str(EXE), "--db", db, "ingest", str(tmp_path / "docs"), "--published", "2023-01-01"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    target = 5 + attempt * 7  # kill at a different point each time
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(Store(db).documents()) >= target:
                break
        except Exception:
            pass
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    consistent(db)
    done = len(Store(db).documents())
    assert 0 < done < 400
    # the rest ingests cleanly afterwards, with no duplicate
    r = subprocess.run([str(EXE), "--db", db, "ingest", str(tmp_path / "docs"), "--published", "2023-01-01"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert len(Store(db).documents()) == 400
    consistent(db)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_extractor_never_crashes_and_excerpts_are_honest(text):
    for c in extract_claims(text, published="2023-01-01"):
        ex = c["excerpt"]
        assert text[ex["start"]:ex["end"]] == ex["text"]


WORDS = st.sampled_from(["police", "station", "stations", "Italy", "Milan", "Milano", "米兰", "警务服务站", "11",
                         "two", "denied", "according", "to", "Safeguard", "Defenders", "said", "closed", "in",
                         "2016", "September", "more", "than", "investigation", ".", ",", "\n", "“", "”"])


@FUZZ
@given(st.lists(WORDS, max_size=80))
def test_extractor_on_domain_word_salad(words):
    text = " ".join(words)
    for c in extract_claims(text, published="2022-12-15"):
        assert c["predicate"] in PREDICATES
        assert text[c["excerpt"]["start"]:c["excerpt"]["end"]] == c["excerpt"]["text"]


@FUZZ
@given(st.binary(max_size=2000))
def test_readers_raise_only_ingest_errors(data):
    try:
        result = read_bytes(data, name="fuzz.bin")
    except IngestError as e:
        assert "\n" not in str(e)
    else:
        assert isinstance(result.text, str)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                       max_leaves=12)
CLAIMISH = st.fixed_dictionaries({"predicate": st.sampled_from(sorted(PREDICATES) + ["bogus"])},
                                 optional={k: JSONISH for k in ("subject", "object", "value", "scope", "stance",
                                                                "said_by", "valid", "excerpt", "confidence", "qualifier")})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CLAIMISH, min_size=1, max_size=4))
def test_importer_accepts_or_refuses_whole_never_crashes(tmp_path_factory, records):
    with temporary_db(tmp_path_factory.mktemp('fz')) as db:
        store = Store(db)
        try:
            store.import_claims(enumerate(records, 1), origin="fuzz", source={"publisher": "P", "published": "2022"})
        except LineError as e:
            assert str(e).startswith("fuzz:") and store.counts().get("claims_candidate", 0) == 0
        assert store.verify() == []
        store.close()
