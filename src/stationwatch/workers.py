"""Parallel ingestion: jobs on procrastinate (PostgreSQL), local processes on SQLite.

On PostgreSQL, `stationwatch ingest --workers N` defers procrastinate jobs into the store's
own database, each for a batch of files (or one URL), and runs N worker processes until
those jobs are done; `stationwatch worker` runs a worker on any machine that reaches the
database (file paths must then be readable there too: a shared folder, or URLs). A job
reads and extracts its files, then writes them, each with its source and claims, in one
transaction (`pipeline.write_batch`): a worker killed mid-job leaves nothing half-written,
and a job run twice stores nothing twice (documents are content-addressed, claims
content-hashed). Batching is what lets workers share the store's one write lock: a lock,
a ledger append and a commit per batch, not per document. Every worker also looks
for jobs held by workers whose heartbeat stopped (procrastinate's stalled jobs) and hands
them back to the queue, where another worker finishes them.

On SQLite, which has one writer, `--workers N` reads and extracts in N local processes and
the parent process writes the results, those ready together in one transaction.

The queue's tables (procrastinate's schema, and `stationwatch_job_targets`, what each job
found for each of its targets) are created in the store's database on first use; they are not part of the store's
Alembic schema and are not ledgered: they describe work, not evidence.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

from sqlalchemy.engine import make_url

from . import pipeline

QUEUE = "stationwatch-ingest"
TASK = "stationwatch.ingest"
_SCHEMA_LOCK = 0x5717_0002

# Test hook: seconds a job sleeps after reading its document and before its store write, so
# a test can kill a worker mid-job deterministically. Never set in normal use.
PAUSE_ENV = "STATIONWATCH_TEST_JOB_PAUSE"

# Files per job by default, and the bytes a job may hold at most (by file size).
BATCH = 8
BATCH_BYTES = 16 * 2**20

OUTCOMES_DDL = """
CREATE TABLE IF NOT EXISTS stationwatch_job_targets (
    job_id bigint NOT NULL,
    position integer NOT NULL,
    target text NOT NULL,
    status varchar(20) NOT NULL,
    document_id varchar(64),
    claims integer NOT NULL DEFAULT 0,
    accepted integer NOT NULL DEFAULT 0,
    error text,
    warnings jsonb,
    finished_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, position)
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


def run_job(url: str, targets: list[str], hints: dict, accept_above: float | None, reviewer: str | None,
            max_bytes: int) -> list[pipeline.Outcome]:
    """A batch of targets, read and extracted one by one, then written in one transaction."""
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    return pipeline.ingest_batch(_store(url), targets, pipeline.SourceHints(**hints), accept_above=accept_above,
                                 reviewer=reviewer, max_bytes=max_bytes,
                                 before_write=(lambda: time.sleep(pause)) if pause else None)


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
    def ingest(context, hints: dict, targets: list[str] | None = None, target: str | None = None,
               accept_above: float | None = None, reviewer: str | None = None,
               max_bytes: int = pipeline.MAX_BYTES) -> None:
        targets = targets if targets is not None else [target]  # `target`: one file, as jobs were first queued
        try:
            outcomes = run_job(url, targets, hints, accept_above, reviewer, max_bytes)
        except Exception as e:  # a bug or a lost connection: shown by `jobs`, and retried
            error = f"{type(e).__name__}: {e}"
            _record_outcomes(url, context.job.id, [pipeline.Outcome(t, "failed", error=error) for t in targets])
            raise
        _record_outcomes(url, context.job.id, outcomes)

    return app


def _record_outcomes(url: str, job_id: int, outcomes: list[pipeline.Outcome]) -> None:
    store = _store(url)
    from sqlalchemy import text
    with store.engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))  # bookkeeping, not evidence
        conn.execute(text(
            "INSERT INTO stationwatch_job_targets (job_id, position, target, status, document_id, claims, accepted, "
            "error, warnings, finished_at) VALUES (:id, :position, :target, :status, :doc, :claims, :accepted, "
            ":error, CAST(:warnings AS jsonb), now()) ON CONFLICT (job_id, position) DO UPDATE SET "
            "status = excluded.status, document_id = excluded.document_id, claims = excluded.claims, "
            "accepted = excluded.accepted, error = excluded.error, warnings = excluded.warnings, "
            "finished_at = excluded.finished_at"),
            [{"id": job_id, "position": i, "target": o.name, "status": o.status, "doc": o.document_id,
              "claims": o.claims, "accepted": o.accepted, "error": o.error, "warnings": json.dumps(o.warnings or [])}
             for i, o in enumerate(outcomes)])


def batches(targets: Iterable[str], size: int = BATCH, max_bytes: int = BATCH_BYTES) -> Iterator[list[str]]:
    """Targets grouped into jobs: files in runs of up to `size` (and `max_bytes` by their
    size on disk, so one job does not hold much more than another); a URL alone (its
    size is unknown until fetched, and a slow server should hold up one job only)."""
    batch: list[str] = []
    held = 0
    for target in targets:
        if pipeline.is_url(target):
            if batch:  # the files before it first: outcomes come in the order given
                yield batch
                batch, held = [], 0
            yield [target]
            continue
        try:
            size_ = os.path.getsize(target)
        except OSError:
            size_ = 0  # the job will say what is wrong with it
        if batch and (len(batch) >= size or held + size_ > max_bytes):
            yield batch
            batch, held = [], 0
        batch.append(target)
        held += size_
    if batch:
        yield batch


def defer(url: str, targets: Iterable[str], hints: pipeline.SourceHints, *, accept_above: float | None = None,
          reviewer: str | None = None, max_bytes: int = pipeline.MAX_BYTES, batch: int = BATCH) -> list[int]:
    """Jobs for the targets, `batch` files each; returns the job ids."""
    ensure_schema(url)
    app = make_app(url)
    ids: list[int] = []
    jobs_: list[dict] = []
    absolute = (t if pipeline.is_url(t) else os.path.abspath(t) for t in targets)
    with app.open():
        task = app.tasks[TASK]
        for group in list(batches(absolute, batch)) + [None]:
            if group is not None:
                jobs_.append({"targets": group, "hints": asdict(hints), "accept_above": accept_above,
                              "reviewer": reviewer, "max_bytes": max_bytes})
            if jobs_ and (group is None or len(jobs_) >= 1000):  # a thousand jobs a round trip
                ids += task.batch_defer(*jobs_)
                jobs_ = []
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

def job_counts(url: str) -> dict[str, int]:
    """The queue's jobs by state."""
    import psycopg
    with psycopg.connect(libpq_dsn(url)) as conn:
        rows = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s "
                            "GROUP BY status", (QUEUE,)).fetchall()
    return dict(rows)


# A job's targets: `targets`, or the one `target` of jobs queued before batches.
_TARGETS = "coalesce(j.args->'targets', jsonb_build_array(j.args->'target'))"


def _with_targets(jobs: str) -> str:
    """`jobs` (a table expression named j) with a row per target of each job, in order (t.target,
    t.position from 1), and what the job found for it (o, when it has run)."""
    return (f"{jobs} CROSS JOIN LATERAL jsonb_array_elements_text({_TARGETS}) WITH ORDINALITY AS t(target, position) "
            "LEFT JOIN stationwatch_job_targets o ON o.job_id = j.id AND o.position = t.position - 1")


def _finished(conn, ids: list[int]) -> tuple[int, int]:
    """(jobs finished, targets of those jobs) among the jobs `ids`, for progress."""
    return conn.execute(f"SELECT count(*), coalesce(sum(jsonb_array_length({_TARGETS})), 0) "
                        "FROM procrastinate_jobs j WHERE j.id = ANY(%s) AND j.status::text = ANY(%s)",
                        (ids, list(FINISHED))).fetchone()


def jobs(url: str, *, status: str | None = None, limit: int = 50) -> list[dict]:
    """The newest jobs, one row per target, with what the job found for it (or why it failed)."""
    import psycopg
    from psycopg.rows import dict_row
    ensure_schema(url)
    q = ("SELECT j.id, j.status::text AS status, j.attempts, t.position - 1 AS position, t.target, "
         "o.status AS outcome, o.document_id, o.claims, o.error, o.finished_at, "
         "(SELECT max(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS updated "
         "FROM " + _with_targets("(SELECT * FROM procrastinate_jobs WHERE queue_name = %(q)s "
                                 "AND (%(s)s::text IS NULL OR status::text = %(s)s) ORDER BY id DESC LIMIT %(n)s) j")
         + " ORDER BY j.id DESC, t.position")
    with psycopg.connect(libpq_dsn(url), row_factory=dict_row) as conn:
        return list(conn.execute(q, {"q": QUEUE, "s": status, "n": limit}))


def outcomes(url: str, ids: list[int]) -> list[pipeline.Outcome]:
    """What the jobs `ids` found, one outcome per target in the order they were queued; a
    target whose job failed outright is a failure."""
    import psycopg
    from psycopg.rows import dict_row
    with psycopg.connect(libpq_dsn(url), row_factory=dict_row) as conn:
        rows = list(conn.execute(
            "SELECT j.id, j.status::text AS job_status, t.target, o.status, o.document_id, o.claims, o.accepted, "
            "o.error, o.warnings FROM " + _with_targets("procrastinate_jobs j")
            + " WHERE j.id = ANY(%s) ORDER BY j.id, t.position",
            (ids,)))
    by_job: dict[int, list[dict]] = {}
    for r in rows:
        by_job.setdefault(r["id"], []).append(r)
    out = []
    for i in ids:
        for r in by_job.get(i) or [None]:
            if r is None or r["status"] is None or r["job_status"] != "succeeded":
                error = (r and r["error"]) or ("the job failed" if r else "the job is gone")
                out.append(pipeline.Outcome(r["target"] if r else str(i), "failed", error=error))
            else:
                out.append(pipeline.Outcome(r["target"], r["status"], r["document_id"], r["claims"], r["accepted"],
                                            r["error"], list(r["warnings"] or [])))
    return out


def ingest_with_workers(url: str, targets: list[str], hints: pipeline.SourceHints, workers: int, *,
                        accept_above: float | None = None, reviewer: str | None = None,
                        max_bytes: int = pipeline.MAX_BYTES, batch: int = BATCH,
                        progress: Callable[[int, int], None] | None = None) -> list[pipeline.Outcome]:
    """Ingest `targets` with `workers` processes, `batch` files a job (or a write, on
    SQLite); returns one outcome per target, in order."""
    if is_postgres(url):
        return _ingest_postgres(url, targets, hints, workers, accept_above, reviewer, max_bytes, batch, progress)
    return _ingest_local(url, targets, hints, workers, accept_above, reviewer, max_bytes, batch, progress)


FINISHED = ("succeeded", "failed", "cancelled", "aborted")


def _ingest_postgres(url, targets, hints, workers, accept_above, reviewer, max_bytes, batch, progress):
    # The first jobs are queued before the workers start, the rest while they start up.
    head = workers * batch * 4
    ids = defer(url, targets[:head], hints, accept_above=accept_above, reviewer=reviewer, max_bytes=max_bytes,
                batch=batch)
    procs = [spawn_worker(url) for _ in range(workers)]
    try:
        if len(targets) > head:
            ids += defer(url, targets[head:], hints, accept_above=accept_above, reviewer=reviewer,
                         max_bytes=max_bytes, batch=batch)
        import psycopg
        with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:  # one connection for the polls
            while True:
                jobs_done, targets_done = _finished(conn, ids)
                if progress:
                    progress(targets_done, len(targets))
                if jobs_done >= len(ids):
                    break
                for i, p in enumerate(procs):  # a worker that died or ran dry while work remains: another one
                    if p.poll() is not None:
                        procs[i] = spawn_worker(url)
                time.sleep(0.5)
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
    """Read, extract and validate one target in a reader process: the writer only writes."""
    url, target, hints, max_bytes, accept_above, reviewer = args
    from .store import Store
    store = _stores.get(url) or _stores.setdefault(url, Store(url))
    try:
        prepared = pipeline.prepare(target, pipeline.SourceHints(**hints), max_bytes, store.has_document)
        return pipeline.validate(store, prepared, accept_above=accept_above, reviewer=reviewer)
    except Exception as e:  # a reader bug: report it for this file, keep going
        return pipeline.Outcome(target, "failed", error=f"{type(e).__name__}: {e}")


def _ingest_local(url, targets, hints, workers, accept_above, reviewer, max_bytes, batch, progress):
    import multiprocessing as mp
    from collections import deque

    from .store import Store
    store = Store(url)
    out: list[pipeline.Outcome] = []
    ctx = mp.get_context("spawn" if sys.platform == "darwin" else "forkserver")
    window = max(4 * workers, 2 * batch)  # documents read ahead of the writer at most: memory stays flat
    todo, pending, hint = iter(targets), deque(), asdict(hints)
    with ctx.Pool(workers) as pool:
        def submit() -> None:
            target = next(todo, None)
            if target is not None:
                pending.append(pool.apply_async(_prepare, ((url, target, hint, max_bytes, accept_above, reviewer),)))
        for _ in range(window):
            submit()
        while pending:
            # the next document, and those already read behind it: one write for all of them
            ready = [pending.popleft().get()]
            while pending and len(ready) < batch and pending[0].ready():
                ready.append(pending.popleft().get())
            for _ in ready:
                submit()
            out += pipeline.write_batch(store, ready, accept_above=accept_above, reviewer=reviewer)
            if progress:
                progress(len(out), len(targets))
    store.close()
    return out
