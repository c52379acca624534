"""Background ingestion for the "Add sources" page.

Uploaded files and pasted URLs become jobs. One worker thread runs them in order with
`pipeline.ingest_one`, so there is one ingesting writer at a time. Reading a document
(OCR of a scanned PDF can take a while) happens outside any lock; only the store's writes
take the app's write lock, so a reviewer's decision waits for at most one short write
transaction, never for a whole ingest. Jobs live in memory for the page's progress list;
a failure is also recorded in the store with its reason (`Store.failures()`), so it
outlives a restart.
"""
from __future__ import annotations

import datetime as dt
import itertools
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..model import SourceHints as Hints
from ..store import Store

STATUSES = ("queued", "running", "ingested", "duplicate", "failed")


@dataclass
class Job:
    id: int
    name: str  # what the user gave: a file name or a URL
    target: str  # what ingest reads: a path or the URL
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    document_id: str | None = None
    claims: int = 0
    accepted: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in ("ingested", "duplicate", "failed")

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("target")
        d["done"] = self.done
        d["elapsed"] = round((self.finished or time.time()) - (self.started or time.time()), 1) if self.started else None
        return d


def default_ingest(store: Store, target: str, hints: Hints, accept_above: float | None, reviewer: str | None):
    """`pipeline.ingest_one`, imported when first needed (it pulls in the extractor)."""
    from .. import pipeline
    return pipeline.ingest_one(store, target, hints,
                               accept_above=accept_above, reviewer=reviewer)


WRITES = frozenset({"import_claims", "record_failure", "review", "edit_claim"})


class LockedWrites:
    """The store, with its write methods run under the app's write lock."""

    def __init__(self, store: Store, lock: threading.Lock):
        self._store, self._lock = store, lock

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if name not in WRITES or not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)
        return locked


class Ingester:
    def __init__(self, store: Store, write_lock: threading.Lock, ingest: Callable | None = None,
                 keep: int = 500):
        self.store = store
        self.write_lock = write_lock
        self.ingest = ingest or default_ingest
        self.keep = keep
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stationwatch-ingest")

    def submit(self, name: str, target: str, hints: Hints, *, accept_above: float | None = None,
               reviewer: str | None = None, cleanup: Path | None = None) -> Job:
        job = Job(next(self._ids), name, target)
        with self._lock:
            self._jobs[job.id] = job
            if len(self._jobs) > self.keep:
                for old in [j for j in self._jobs.values() if j.done][: len(self._jobs) - self.keep]:
                    del self._jobs[old.id]
        self._pool.submit(self._run, job, hints, accept_above, reviewer, cleanup)
        return job

    def _run(self, job: Job, hints: Hints, accept_above, reviewer, cleanup: Path | None) -> None:
        job.status, job.started = "running", time.time()
        try:
            outcome = self.ingest(LockedWrites(self.store, self.write_lock), job.target, hints,
                                  accept_above, reviewer)
            job.status = outcome.status
            job.document_id = outcome.document_id
            job.claims, job.accepted = outcome.claims, outcome.accepted
            job.error = outcome.error
            job.warnings = list(outcome.warnings or [])
        except ImportError as e:
            job.status, job.error = "failed", f"claim extraction is not available in this installation ({e})"
            self._record(job)
        except Exception as e:  # a reader bug must not kill the worker: show it, keep going
            job.status, job.error = "failed", f"{type(e).__name__}: {e}"
            traceback.print_exc()
            self._record(job)
        finally:
            job.finished = time.time()
            if cleanup is not None:
                shutil.rmtree(cleanup, ignore_errors=True)

    def _record(self, job: Job) -> None:
        try:
            with self.write_lock:
                self.store.record_failure(job.name, job.error or "failed")
        except Exception:
            traceback.print_exc()

    def jobs(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def pending(self) -> int:
        return sum(1 for j in self.jobs() if not j.done)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def stamp(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S") if ts else ""
