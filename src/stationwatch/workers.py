"""Parallel ingestion: jobs on procrastinate (PostgreSQL), local processes on SQLite.

On PostgreSQL, `stationwatch ingest --workers N` defers one procrastinate job per file or
URL into the store's own database and runs N worker processes until those jobs are done;
`stationwatch worker` runs a worker on any machine that reaches the database (file paths
must then be readable there too: a shared folder, or URLs). A job is `pipeline.ingest_one`
for its target: the document is written with its source and claims in one transaction, so
a worker killed mid-job leaves nothing half-written, and a job run twice stores nothing
twice (documents are content-addressed, claims content-hashed). Every worker also looks
for jobs held by workers whose heartbeat stopped (procrastinate's stalled jobs) and hands
them back to the queue, where another worker finishes them.

On SQLite, which has one writer, `--workers N` reads and extracts in N local processes and
the parent process writes each result, one transaction per document.

The queue's tables (procrastinate's schema, and `stationwatch_job_outcomes`, what each job
found) are created in the store's database on first use; they are not part of the store's
Alembic schema and are not ledgered: they describe work, not evidence.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from sqlalchemy.engine import make_url

from . import pipeline

QUEUE = "stationwatch-ingest"
TASK = "stationwatch.ingest"
_SCHEMA_LOCK = 0x5717_0002

# Test hook: seconds a job sleeps after reading its document and before its store write, so
# a test can kill a worker mid-job deterministically. Never set in normal use.
PAUSE_ENV = "STATIONWATCH_TEST_JOB_PAUSE"

OUTCOMES_DDL = """
CREATE TABLE IF NOT EXISTS stationwatch_job_outcomes (
    job_id bigint PRIMARY KEY,
    target text NOT NULL,
    status varchar(20) NOT NULL,
    document_id varchar(64),
    claims integer NOT NULL DEFAULT 0,
    accepted integer NOT NULL DEFAULT 0,
    error text,
    warnings jsonb,
    finished_at timestamptz NOT NULL DEFAULT now()
)"""


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq_dsn(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it (no `+psycopg`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(url: str) -> None:
    """Create the queue's tables in the store's database once; safe under concurrency."""
    import psycopg
    from procrastinate.schema import SchemaManager
    with psycopg.connect(libpq_dsn(url)) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
            conn.execute(SchemaManager.get_schema())
        conn.execute(OUTCOMES_DDL)


# -- the job -------------------------------------------------------------------------------

_stores: dict[str, object] = {}


def _store(url: str):
    from .store import Store
    if url not in _stores:
        _stores[url] = Store(url)
    return _stores[url]


def run_job(url: str, target: str, hints: dict, accept_above: float | None, reviewer: str | None,
            max_bytes: int) -> pipeline.Outcome:
    """One target, read and written exactly as `stationwatch ingest` does it."""
    store = _store(url)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    before_write = (lambda: time.sleep(pause)) if pause else None
    return pipeline.ingest_one(store, target, pipeline.SourceHints(**hints), accept_above=accept_above,
                               reviewer=reviewer, max_bytes=max_bytes, before_write=before_write)


def make_app(url: str):
    """The procrastinate app over the store's database, with the ingest task."""
    import procrastinate
    # The queue's own bookkeeping commits without waiting for the disk: a job whose state is
    # lost in a server crash runs again, and running a job twice stores nothing twice. The
    # store's writes (the evidence) stay durable: they go through the store's own engine.
    connector = procrastinate.PsycopgConnector(conninfo=libpq_dsn(url),
                                               kwargs={"options": "-c synchronous_commit=off"})
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK, queue=QUEUE, pass_context=True,
              retry=procrastinate.RetryStrategy(max_attempts=3, wait=2))
    def ingest(context, target: str, hints: dict, accept_above: float | None = None,
               reviewer: str | None = None, max_bytes: int = pipeline.MAX_BYTES) -> None:
        try:
            outcome = run_job(url, target, hints, accept_above, reviewer, max_bytes)
        except Exception as e:  # a bug or a lost connection: shown by `jobs`, and retried
            _record_outcome(url, context.job.id, pipeline.Outcome(target, "failed", error=f"{type(e).__name__}: {e}"))
            raise
        _record_outcome(url, context.job.id, outcome)

    return app


def _record_outcome(url: str, job_id: int, o: pipeline.Outcome) -> None:
    store = _store(url)
    from sqlalchemy import text
    with store.engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))  # bookkeeping, not evidence
        conn.execute(text(
            "INSERT INTO stationwatch_job_outcomes (job_id, target, status, document_id, claims, accepted, error, "
            "warnings, finished_at) VALUES (:id, :target, :status, :doc, :claims, :accepted, :error, "
            "CAST(:warnings AS jsonb), now()) ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, "
            "document_id = excluded.document_id, claims = excluded.claims, accepted = excluded.accepted, "
            "error = excluded.error, warnings = excluded.warnings, finished_at = excluded.finished_at"),
            {"id": job_id, "target": o.name, "status": o.status, "doc": o.document_id, "claims": o.claims,
             "accepted": o.accepted, "error": o.error, "warnings": json.dumps(o.warnings or [])})


def defer(url: str, targets: Iterable[str], hints: pipeline.SourceHints, *, accept_above: float | None = None,
          reviewer: str | None = None, max_bytes: int = pipeline.MAX_BYTES) -> list[int]:
    """One job per target; returns the job ids."""
    ensure_schema(url)
    app = make_app(url)
    ids: list[int] = []
    batch: list[dict] = []
    with app.open():
        task = app.tasks[TASK]
        for target in list(targets) + [None]:
            if target is not None:
                if not pipeline.is_url(target):
                    target = os.path.abspath(target)
                batch.append({"target": target, "hints": asdict(hints), "accept_above": accept_above,
                              "reviewer": reviewer, "max_bytes": max_bytes})
            if batch and (target is None or len(batch) >= 1000):  # a thousand jobs a round trip
                ids += task.batch_defer(*batch)
                batch = []
    return ids


# -- running workers -----------------------------------------------------------------------

@dataclass
class WorkerTimings:
    heartbeat: float = 10.0  # seconds between a worker's heartbeats
    stalled_after: float = 30.0  # a worker silent this long is dead; its jobs go back to the queue
    check: float = 5.0  # how often a worker looks for stalled jobs (and, with until_empty, for work)

    @classmethod
    def from_env(cls) -> "WorkerTimings":
        t = cls()
        for field_, env in (("heartbeat", "STATIONWATCH_WORKER_HEARTBEAT"),
                            ("stalled_after", "STATIONWATCH_WORKER_STALLED_AFTER"),
                            ("check", "STATIONWATCH_WORKER_CHECK")):
            if os.environ.get(env):
                setattr(t, field_, float(os.environ[env]))
        return t


def run_worker(url: str, *, concurrency: int = 1, until_empty: bool = False,
               timings: WorkerTimings | None = None) -> None:
    """Take ingest jobs until stopped (SIGINT/SIGTERM), or with `until_empty` until the queue
    holds no job to do or being done."""
    ensure_schema(url)
    timings = timings or WorkerTimings.from_env()
    asyncio.run(_worker(url, concurrency, until_empty, timings))


async def _worker(url: str, concurrency: int, until_empty: bool, t: WorkerTimings) -> None:
    app = make_app(url)
    async with app.open_async():
        work = asyncio.create_task(app.run_worker_async(
            queues=[QUEUE], concurrency=concurrency, update_heartbeat_interval=t.heartbeat,
            stalled_worker_timeout=t.stalled_after, install_signal_handlers=True))
        try:
            while not work.done():
                await asyncio.wait([work], timeout=t.check)
                if work.done():
                    break
                await retry_stalled(app, t.stalled_after)
                if until_empty and not await _open_jobs(app):
                    work.cancel()
        finally:
            if not work.done():
                work.cancel()
            try:
                await work
            except asyncio.CancelledError:
                pass


async def retry_stalled(app, stalled_after: float) -> list[int]:
    """Hand the jobs of workers that stopped sending heartbeats back to the queue."""
    jobs = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after)
    retried = []
    for job in jobs:
        await app.job_manager.retry_job(job)
        retried.append(job.id)
    return retried


async def _open_jobs(app) -> int:
    row = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(q)s AND status IN ('todo', 'doing')",
        q=QUEUE)
    return row["n"]


def spawn_worker(url: str, *, until_empty: bool = True, env: dict | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "stationwatch.cli", "--db", url, "worker"] + (["--until-empty"] if until_empty else [])
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})


# -- progress ------------------------------------------------------------------------------

def job_counts(url: str, ids: list[int] | None = None) -> dict[str, int]:
    import psycopg
    with psycopg.connect(libpq_dsn(url)) as conn:
        if ids is None:
            rows = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s "
                                "GROUP BY status", (QUEUE,)).fetchall()
        else:
            rows = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs WHERE id = ANY(%s) "
                                "GROUP BY status", (ids,)).fetchall()
    return dict(rows)


def jobs(url: str, *, status: str | None = None, limit: int = 50) -> list[dict]:
    """Jobs, newest first, with what each found (or why it failed)."""
    import psycopg
    from psycopg.rows import dict_row
    ensure_schema(url)
    q = ("SELECT j.id, j.status::text AS status, j.attempts, j.args->>'target' AS target, o.status AS outcome, "
         "o.document_id, o.claims, o.error, o.finished_at, "
         "(SELECT max(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS updated "
         "FROM procrastinate_jobs j LEFT JOIN stationwatch_job_outcomes o ON o.job_id = j.id "
         "WHERE j.queue_name = %(q)s AND (%(s)s::text IS NULL OR j.status::text = %(s)s) "
         "ORDER BY j.id DESC LIMIT %(n)s")
    with psycopg.connect(libpq_dsn(url), row_factory=dict_row) as conn:
        return list(conn.execute(q, {"q": QUEUE, "s": status, "n": limit}))


def outcomes(url: str, ids: list[int]) -> list[pipeline.Outcome]:
    """What the jobs found, in the order of `ids`; a job that failed outright is a failure."""
    import psycopg
    from psycopg.rows import dict_row
    with psycopg.connect(libpq_dsn(url), row_factory=dict_row) as conn:
        rows = {r["id"]: r for r in conn.execute(
            "SELECT j.id, j.status::text AS job_status, j.args->>'target' AS target, o.status, o.document_id, "
            "o.claims, o.accepted, o.error, o.warnings FROM procrastinate_jobs j "
            "LEFT JOIN stationwatch_job_outcomes o ON o.job_id = j.id WHERE j.id = ANY(%s)", (ids,))}
    out = []
    for i in ids:
        r = rows.get(i)
        if r is None or r["status"] is None or r["job_status"] != "succeeded":
            error = (r and r["error"]) or ("the job failed" if r else "the job is gone")
            out.append(pipeline.Outcome(r["target"] if r else str(i), "failed", error=error))
        else:
            out.append(pipeline.Outcome(r["target"], r["status"], r["document_id"], r["claims"], r["accepted"],
                                        r["error"], list(r["warnings"] or [])))
    return out


def ingest_with_workers(url: str, targets: list[str], hints: pipeline.SourceHints, workers: int, *,
                        accept_above: float | None = None, reviewer: str | None = None,
                        max_bytes: int = pipeline.MAX_BYTES,
                        progress: Callable[[int, int], None] | None = None) -> list[pipeline.Outcome]:
    """Ingest `targets` with `workers` processes; returns one outcome per target, in order."""
    if is_postgres(url):
        return _ingest_postgres(url, targets, hints, workers, accept_above, reviewer, max_bytes, progress)
    return _ingest_local(url, targets, hints, workers, accept_above, reviewer, max_bytes, progress)


FINISHED = ("succeeded", "failed", "cancelled", "aborted")


def _ingest_postgres(url, targets, hints, workers, accept_above, reviewer, max_bytes, progress):
    ids = defer(url, targets, hints, accept_above=accept_above, reviewer=reviewer, max_bytes=max_bytes)
    procs = [spawn_worker(url) for _ in range(workers)]
    try:
        while True:
            counts = job_counts(url, ids)
            done = sum(counts.get(s, 0) for s in FINISHED)
            if progress:
                progress(done, len(ids))
            if done >= len(ids):
                break
            for i, p in enumerate(procs):  # a worker that died or ran dry while work remains: another one
                if p.poll() is not None:
                    procs[i] = spawn_worker(url)
            time.sleep(0.2 if len(ids) < 1000 else 1.0)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    return outcomes(url, ids)


# SQLite: N processes read and extract, this one writes.

def _prepare(args) -> object:
    url, target, hints, max_bytes = args
    from .store import Store
    store = _stores.get(url) or _stores.setdefault(url, Store(url))
    try:
        return pipeline.prepare(target, pipeline.SourceHints(**hints), max_bytes, store.has_document)
    except Exception as e:  # a reader bug: report it for this file, keep going
        return pipeline.Outcome(target, "failed", error=f"{type(e).__name__}: {e}")


def _ingest_local(url, targets, hints, workers, accept_above, reviewer, max_bytes, progress):
    import multiprocessing as mp

    from .store import Store
    store = Store(url)
    out: list[pipeline.Outcome] = []
    ctx = mp.get_context("spawn" if sys.platform == "darwin" else "forkserver")
    from collections import deque
    window = 4 * workers  # documents read ahead of the writer at most: memory stays flat
    todo, pending, hint = iter(targets), deque(), asdict(hints)
    with ctx.Pool(workers) as pool:
        def submit() -> None:
            target = next(todo, None)
            if target is not None:
                pending.append(pool.apply_async(_prepare, ((url, target, hint, max_bytes),)))
        for _ in range(window):
            submit()
        while pending:
            prepared = pending.popleft().get()
            submit()
            out.append(pipeline.write_prepared(store, prepared, accept_above=accept_above, reviewer=reviewer))
            if progress:
                progress(len(out), len(targets))
    store.close()
    return out
