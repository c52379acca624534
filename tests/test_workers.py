"""Parallel ingestion: `ingest --workers N` on both engines; procrastinate jobs on PostgreSQL,
where a worker killed mid-job leaves the job to another worker and nothing half-written."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stationwatch.store import Store

EXE = Path(sys.executable).with_name("stationwatch")
CITIES = ["Madrid", "Barcelona", "Rome", "Milan", "Prato", "Dublin", "Rotterdam", "Prague"]
FAST = {"STATIONWATCH_WORKER_HEARTBEAT": "0.5", "STATIONWATCH_WORKER_STALLED_AFTER": "2",
        "STATIONWATCH_WORKER_CHECK": "0.5"}


def corpus(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        a, b = CITIES[i % len(CITIES)], CITIES[(i + 3) % len(CITIES)]
        (folder / f"report-{i:03d}.txt").write_text(
            f"Dispatch {i}. Safeguard Defenders said on Monday that {100 + i} overseas police stations operate in "
            f"{40 + i} countries. According to the NGO, the stations in {a} and {b} are run by the Qingtian police.\n",
            encoding="utf-8")
    (folder / "copy-of-report-000.txt").write_bytes((folder / "report-000.txt").read_bytes())
    return folder


def run(*args, env=None, timeout=300):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def snapshot(url: str) -> tuple[set, list, list]:
    store = Store(url)
    try:
        docs = store.documents()
        claims = store.claims()
        assert store.verify() == []
        return {d["id"] for d in docs}, sorted(d["id"] for d in docs), sorted(c["id"] for c in claims)
    finally:
        store.close()


@pytest.mark.parametrize("batch", ["1", "8"])
def test_workers_ingest_what_one_process_ingests(tmp_path, db, batch):
    """`--workers 2` on the backend under test: the same documents and claims as a plain ingest,
    the copied file a duplicate, progress and summary as usual. With batches of one file, the
    file and its copy go to different jobs, which two workers may write at the same time."""
    docs = corpus(tmp_path / "docs", 10)
    r = run("--db", db, "ingest", "--workers", "2", "--batch", batch, str(docs), "--published", "2023-01-05")
    assert r.returncode == 0, r.stderr
    assert "10 ingested" in r.stdout and "1 duplicate" in r.stdout and "0 failed" in r.stdout
    parallel = snapshot(db)
    plain_db = f"sqlite:///{tmp_path / 'plain.db'}"
    r = run("--db", plain_db, "ingest", str(docs), "--published", "2023-01-05")
    assert r.returncode == 0, r.stderr
    plain = snapshot(plain_db)
    assert parallel[1] == plain[1] and len(parallel[1]) == 10
    assert parallel[2] == plain[2] and len(parallel[2]) >= 30  # the same claims, each once


def test_worker_and_queue_refuse_sqlite_in_one_line(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    r = run("--db", db, "worker")
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "PostgreSQL" in r.stderr
    r = run("--db", db, "ingest", "--queue", str(tmp_path))
    assert r.returncode == 1 and "PostgreSQL" in r.stderr


def job_rows(url: str) -> list[dict]:
    r = run("--db", url, "jobs", "--format", "json", "--limit", "100")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.pg_only
def test_killed_worker_job_is_finished_by_another_with_nothing_twice(tmp_path, pg_url):
    docs = corpus(tmp_path / "docs", 6)
    r = run("--db", pg_url, "ingest", "--queue", "--batch", "2", str(docs), "--published", "2023-01-05")
    assert r.returncode == 0 and "queued 7 files in 4 jobs" in r.stdout, r.stderr

    # Worker A takes a job and, after reading its document, pauses before writing it: killed there.
    a = subprocess.Popen([str(EXE), "--db", pg_url, "worker"], env={**os.environ, **FAST,
                         "STATIONWATCH_TEST_JOB_PAUSE": "60"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        doing = wait_for(lambda: {j["id"] for j in job_rows(pg_url)["jobs"] if j["status"] == "doing"}, 60,
                         "a job in hand")
        time.sleep(0.5)
        os.kill(a.pid, signal.SIGKILL)
        a.wait()
    finally:
        if a.poll() is None:
            a.kill()
    [killed] = doing
    assert Store(pg_url).documents() == []  # nothing of the job (two files, both read) was written
    rows = {j["id"]: j for j in job_rows(pg_url)["jobs"]}
    assert rows[killed]["status"] == "doing"  # held by a dead worker: stalled

    # Worker B finds the stalled job, hands it back to the queue and does all of the work.
    b = run("--db", pg_url, "worker", "--until-empty", env=FAST, timeout=180)
    assert b.returncode == 0, b.stderr
    result = job_rows(pg_url)
    assert result["counts"] == {"succeeded": 4}
    assert len(result["jobs"]) == 7  # a row for each file of each job
    assert min(j["attempts"] for j in result["jobs"] if j["id"] == killed) >= 2  # killed, then another worker's
    assert sorted(j["outcome"] for j in result["jobs"]) == ["duplicate"] + ["ingested"] * 6

    # No document or claim twice, nothing half-written: what a plain ingest stores, and it verifies.
    ids, doc_ids, claim_ids = snapshot(pg_url)
    plain_db = f"sqlite:///{tmp_path / 'plain.db'}"
    assert run("--db", plain_db, "ingest", str(docs), "--published", "2023-01-05").returncode == 0
    _, plain_docs, plain_claims = snapshot(plain_db)
    assert doc_ids == plain_docs and claim_ids == plain_claims and len(claim_ids) == len(set(claim_ids))

    listing = run("--db", pg_url, "jobs")
    assert listing.returncode == 0 and "succeeded: 4" in listing.stdout and "report-000.txt" in listing.stdout


@pytest.mark.pg_only
def test_jobs_show_failures_with_their_reason(tmp_path, pg_url):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "good.txt").write_text("Safeguard Defenders said that 102 overseas police stations operate in 53 "
                                       "countries.\n", encoding="utf-8")
    r = run("--db", pg_url, "ingest", "--workers", "1", str(tmp_path / "empty.txt"), str(tmp_path / "good.txt"),
            "--published", "2023-01-05")
    assert r.returncode == 1 and "1 ingested" in r.stdout and "1 failed" in r.stdout
    assert "empty.txt" in r.stderr
    listing = run("--db", pg_url, "jobs")
    assert "empty.txt" in listing.stdout and "failed" in listing.stdout


def test_a_batch_writes_each_document_whole_and_keeps_a_bad_one_to_itself(tmp_path, db):
    """`pipeline.write_batch`, what workers and the SQLite writer use: several documents in one
    transaction; one whose claims do not hold is recorded as failed, the others are written."""
    from stationwatch import pipeline
    docs = corpus(tmp_path / "docs", 4)
    hints = pipeline.SourceHints(published="2023-01-05")
    store = Store(db)
    try:
        prepared = [pipeline.prepare(str(p), hints) for p in sorted(docs.glob("report-*.txt"))]
        prepared.append(pipeline.prepare(str(docs / "copy-of-report-000.txt"), hints))  # same bytes as the first
        bad = prepared[2]
        bad.claims[0] = dict(bad.claims[0], excerpt=dict(bad.claims[0]["excerpt"], text="words not in it"))
        outcomes = pipeline.write_batch(store, prepared)
        assert [o.status for o in outcomes] == ["ingested", "ingested", "failed", "ingested", "duplicate"]
        assert "excerpt" in outcomes[2].error
        stored = {d["id"] for d in store.documents()}
        assert stored == {o.document_id for o in outcomes if o.status == "ingested"}
        assert bad.document.id not in stored
        assert [f["name"] for f in store.failures()] == [bad.target]
        assert len(store.claims()) == sum(o.claims for o in outcomes) > 0
        assert store.verify() == []
    finally:
        store.close()


def test_jobs_hold_batches_of_files_in_order_and_a_url_alone(tmp_path):
    from stationwatch.workers import batches
    files = []
    for i, size in enumerate([10, 10, 10, 10, 10, 50]):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(b"x" * size)
        files.append(str(p))
    url = "https://example.org/a"
    got = list(batches(files[:3] + [url] + files[3:], size=2, max_bytes=60))
    assert got == [files[:2], [files[2]], [url], files[3:5], [files[5]]]  # 10+10+50 > 60: the last alone
    assert [t for b in got for t in b] == files[:3] + [url] + files[3:]


@pytest.mark.pg_only
def test_two_workers_writing_the_same_documents_store_each_once(tmp_path, pg_url):
    """Copies of two documents in jobs of one file, two workers: their rows go in before the
    writers' lock, so copies race; each document is stored once, the rest are duplicates,
    and the ledger verifies."""
    docs = corpus(tmp_path / "docs", 2)
    for i in range(5):
        for name in ("report-000.txt", "report-001.txt"):
            (docs / f"copy{i}-{name}").write_bytes((docs / name).read_bytes())
    r = run("--db", pg_url, "ingest", "--workers", "2", "--batch", "1", str(docs), "--published", "2023-01-05")
    assert r.returncode == 0, r.stderr
    assert "2 ingested" in r.stdout and "11 duplicate" in r.stdout and "0 failed" in r.stdout
    _, doc_ids, claim_ids = snapshot(pg_url)  # verifies the ledger
    assert len(doc_ids) == 2 and len(claim_ids) == len(set(claim_ids)) > 0
