"""Ingestion throughput with 1 and 2 workers, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/ingest_throughput.py                     # 2,000 documents
    .venv/bin/python benchmarks/ingest_throughput.py --docs 5000 --backends postgresql

Writes the first N documents of the generated corpus (benchmarks/generate_corpus.py) as
files, then times `stationwatch ingest DIR` end to end (read, extract, store; process start
included) into a fresh store for each backend and worker count:

* plain: `ingest` as one process, the baseline;
* workers 1, 2: `ingest --workers N`. PostgreSQL: one procrastinate job per file, N worker
  processes. SQLite: N processes read and extract, the parent writes (one writer).

Prints documents/s and MB/s of document bytes for each, the speed-up of 2 workers over 1,
and the CPU time spent per document: by our processes (the ingest command and its workers;
not SQLite's reader processes, which multiprocessing's fork server keeps) and, on PostgreSQL, by the server's backends (read from the postmaster's reaped children,
so it needs the server on this machine and permission to read /proc). CPU per document
growing with the workers means they slow each other down (shared caches, a shared core),
not that they wait. The machine's cores bound what more workers can give (this one has 2,
shared with the PostgreSQL server and the parent process).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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


def _postmaster_cpu() -> float | None:
    """CPU seconds of the PostgreSQL server's exited backends (its reaped children)."""
    try:
        import psycopg
        with psycopg.connect(ADMIN) as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        pid = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
    except Exception:
        return None


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(url: str, docs: Path, workers: int | None, batch: int | None = None) -> tuple[float, float, float | None]:
    """(wall seconds, our CPU seconds, the server's CPU seconds or None) of one ingest."""
    # the store's schema first, so each run times ingestion and not migrations
    subprocess.run([str(EXE), "--db", url, "claims", "list", "--status", "accepted"], check=True,
                   capture_output=True)
    args = [str(EXE), "--db", url, "ingest", str(docs), "--published", "2023-01-01"]
    if workers:
        args += ["--workers", str(workers)] + (["--batch", str(batch)] if batch else [])
    server = _postmaster_cpu() if url.startswith("postgresql") else None
    ours = _children_cpu()
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0 or " 0 failed" not in r.stdout:
        raise SystemExit(f"ingest failed: {r.stderr[-2000:]}\n{r.stdout[-500:]}")
    ours = _children_cpu() - ours
    if server is not None:
        time.sleep(0.5)  # the backends of the run's connections exit (and are reaped) just after it
        after = _postmaster_cpu()
        server = after - server if after is not None else None
    return elapsed, ours, server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--runs", nargs="+", default=["plain", "1", "2"])
    ap.add_argument("--batch", type=int, help="files per job / per write with workers (default: the CLI's)")
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
                    s, ours, server = run(url, docs, None if mode == "plain" else int(mode), args.batch)
                finally:
                    drop()
                key = f"{backend}_{'plain' if mode == 'plain' else 'workers_' + mode}"
                results[key] = {"seconds": round(s, 1), "docs_per_s": round(args.docs / s, 1),
                                "mb_per_s": round(nbytes / 2**20 / s, 3)}
                if backend == "postgresql" or mode == "plain":
                    # (SQLite's reader processes belong to multiprocessing's fork server, whose
                    # time does not reach us)
                    results[key]["cpu_ms_per_doc_ours"] = round(1000 * ours / args.docs, 1)
                if server is not None:
                    results[key]["cpu_ms_per_doc_server"] = round(1000 * server / args.docs, 1)
                print(key, results[key], file=sys.stderr, flush=True)
            one, two = results.get(f"{backend}_workers_1"), results.get(f"{backend}_workers_2")
            if one and two:
                results[f"{backend}_speedup_2_over_1"] = round(one["seconds"] / two["seconds"], 2)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
