"""Ingestion throughput with 1 and 2 workers, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/ingest_throughput.py                     # 2,000 documents
    .venv/bin/python benchmarks/ingest_throughput.py --docs 5000 --backends postgresql

Writes the first N documents of the generated corpus (benchmarks/generate_corpus.py) as
files, then times `stationwatch ingest DIR` end to end (read, extract, store; process start
included) into a fresh store for each backend and worker count:

* plain: `ingest` as one process, the baseline;
* workers 1, 2: `ingest --workers N`. PostgreSQL: one procrastinate job per file, N worker
  processes. SQLite: N processes read and extract, the parent writes (one writer).

Prints documents/s and MB/s of document bytes for each, and the speed-up of 2 workers over
1. The machine's cores bound what more workers can give (this one has 2, shared with the
PostgreSQL server and the parent process).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import generate_corpus

EXE = Path(sys.executable).with_name("stationwatch")
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_store(backend: str, folder: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        path = folder / f"{uuid.uuid4().hex}.db"
        return f"sqlite:///{path}", lambda: [p.unlink() for p in folder.glob(path.name + "*")]
    import psycopg
    name = f"swbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop


def run(url: str, docs: Path, workers: int | None) -> float:
    # the store's schema first, so each run times ingestion and not migrations
    subprocess.run([str(EXE), "--db", url, "claims", "list", "--status", "accepted"], check=True,
                   capture_output=True)
    args = [str(EXE), "--db", url, "ingest", str(docs), "--published", "2023-01-01"]
    if workers:
        args += ["--workers", str(workers)]
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0 or " 0 failed" not in r.stdout:
        raise SystemExit(f"ingest failed: {r.stderr[-2000:]}\n{r.stdout[-500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--runs", nargs="+", default=["plain", "1", "2"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs = folder / "docs"
        docs.mkdir()
        nbytes = 0
        for doc in generate_corpus.documents(args.docs):
            (docs / doc.name).write_bytes(doc.data)
            nbytes += len(doc.data)
        results = {"documents": args.docs, "megabytes": round(nbytes / 2**20, 2), "cores": os.cpu_count()}
        for backend in args.backends:
            for mode in args.runs:
                url, drop = fresh_store(backend, folder)
                try:
                    s = run(url, docs, None if mode == "plain" else int(mode))
                finally:
                    drop()
                key = f"{backend}_{'plain' if mode == 'plain' else 'workers_' + mode}"
                results[key] = {"seconds": round(s, 1), "docs_per_s": round(args.docs / s, 1),
                                "mb_per_s": round(nbytes / 2**20 / s, 3)}
                print(key, results[key], file=sys.stderr, flush=True)
            one, two = results.get(f"{backend}_workers_1"), results.get(f"{backend}_workers_2")
            if one and two:
                results[f"{backend}_speedup_2_over_1"] = round(one["seconds"] / two["seconds"], 2)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
