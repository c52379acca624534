"""Files and URLs in, candidate claims out: ingest (bytes to text) → extract → store.

One document is one transaction: it is stored with its source and claims, or not at all.
A failure is recorded by name and reason, never as a half-written document.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.exc import SQLAlchemyError

from .extract import extract_claims
from .ingest import MAX_BYTES, IngestError, ReadResult, fetch_url, read_bytes
from .ingest.capture import to_warc
from .model import SourceHints
from .store import Document, PendingImport, Store, StoreError


@dataclass
class Outcome:
    name: str
    status: str  # ingested | duplicate | failed
    document_id: str | None = None
    claims: int = 0
    accepted: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    name: str
    data: bytes
    fetched: dict | None = None


def is_url(target: str) -> bool:
    return urlparse(target).scheme in ("http", "https")


def expand(targets: list[str]) -> Iterator[str]:
    """Directories become the files under them; URLs and files pass through."""
    for t in targets:
        p = Path(t)
        if not is_url(t) and p.is_dir():
            yield from (str(f) for f in sorted(p.rglob("*")) if f.is_file() and not f.name.startswith("."))
        else:
            yield t


def load(target: str, max_bytes: int = MAX_BYTES) -> Loaded:
    if is_url(target):
        body, fetched = fetch_url(target, max_bytes=max_bytes)
        return Loaded(target, body, fetched)
    path = Path(target)
    if not path.exists():
        raise IngestError("no such file")
    if not path.is_file():
        raise IngestError("not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB cap")
    return Loaded(target, path.read_bytes())


def read(loaded: Loaded, max_bytes: int = MAX_BYTES) -> ReadResult:
    return read_bytes(loaded.data, name=loaded.name, max_bytes=max_bytes)


def page_of(offset: int, pages: list) -> int | None:
    for start, end, number in pages or ():
        if start <= offset < end:
            return number
    return None


def candidate_claims(result: ReadResult, published: str | None) -> list[dict]:
    """Extracted claims, with the page each excerpt starts on where the document has pages."""
    claims = extract_claims(result.text, published=published, language=result.language)
    for c in claims:
        ex = c.get("excerpt")
        if ex and result.pages:
            page = page_of(ex["start"], result.pages)
            if page is not None:
                ex["page"] = page
    return claims


def source_for(loaded: Loaded, result: ReadResult, hints: SourceHints) -> tuple[dict, list[str]]:
    warnings = []
    published = hints.published or result.published
    if not published:
        published = dt.date.today().isoformat()
        warnings.append(f"no publication date in the document; using today ({published}): give --published")
    url = hints.url or (loaded.name if is_url(loaded.name) else None)
    publisher = hints.publisher or (urlparse(url).hostname if url else None)
    title = hints.title or result.title or Path(urlparse(loaded.name).path).name or loaded.name
    return {"title": title, "publisher": publisher, "published": published, "url": url,
            "kind": hints.kind}, warnings


@dataclass
class Prepared:
    """A document read and its claims extracted, ready to be written (picklable)."""
    target: str
    document: Document
    source: dict
    claims: list[dict]
    warnings: list[str]


def prepare(target: str, hints: SourceHints, max_bytes: int = MAX_BYTES,
            has_document: Callable[[str], bool] | None = None) -> Prepared | Outcome:
    """Load, read and extract one file or URL; the work that needs no store lock. An outcome
    (duplicate, failed) where there is nothing to write."""
    try:
        loaded = load(target, max_bytes)
        doc_id = hashlib.sha256(loaded.data).hexdigest()
        if has_document is not None and has_document(doc_id):
            return Outcome(target, "duplicate", doc_id)
        result = read(loaded, max_bytes)
    except IngestError as e:
        return Outcome(target, "failed", error=str(e))
    source, warnings = source_for(loaded, result, hints)
    claims = candidate_claims(result, source["published"])
    doc = Document(original=loaded.data, text=result.text, media_type=result.media_type,
                   language=result.language, title=result.title, name=target, author=result.author,
                   published=result.published, reader=result.reader, pages=result.pages,
                   fetched=loaded.fetched,
                   capture=to_warc(loaded.data, loaded.fetched) if loaded.fetched else None)
    return Prepared(target, doc, source, claims, result.warnings + warnings)


def write_prepared(store: Store, prepared: Prepared | Outcome, *, accept_above: float | None = None,
                   reviewer: str | None = None) -> Outcome:
    """Store a prepared document with its source and claims in one transaction; a failure,
    from preparing or writing, is recorded by name."""
    return write_batch(store, [prepared], accept_above=accept_above, reviewer=reviewer)[0]


@dataclass
class Validated:
    """A prepared document whose rows are made and checked: all that is left is writing them."""
    prepared: Prepared
    pending: PendingImport


def validate(store: Store, prepared: Prepared | Outcome, *, accept_above: float | None = None,
             reviewer: str | None = None) -> Validated | Outcome:
    """The rows a prepared document will write, checked (no lock: parallel readers do this),
    or the failure that stops it (recorded when written)."""
    if isinstance(prepared, Outcome):
        return prepared
    try:
        return Validated(prepared, store.validate_import(
            enumerate(prepared.claims, 1), origin=prepared.target, source=prepared.source,
            document=prepared.document, accept_above=accept_above, reviewer=reviewer, new_document_only=True))
    except StoreError as e:
        return Outcome(prepared.target, "failed", error=str(e))


def write_batch(store: Store, batch: list[Prepared | Validated | Outcome], *, accept_above: float | None = None,
                reviewer: str | None = None) -> list[Outcome]:
    """Store prepared documents, each with its source and claims, in one transaction (one
    lock, one ledger append, one commit for all); an outcome for each, in order. A
    document that does not validate is recorded as failed and the others are written; if
    the batch's write fails, each is written alone, so one document's fault stays its own."""
    outcomes: list[Outcome | None] = []
    pending: list[tuple[int, Validated]] = []
    for item in batch:
        if isinstance(item, Prepared):
            item = validate(store, item, accept_above=accept_above, reviewer=reviewer)
        if isinstance(item, Outcome):
            if item.status == "failed":
                store.record_failure(item.name, item.error or "failed")
            outcomes.append(item)
            continue
        pending.append((len(outcomes), item))
        outcomes.append(None)
    summaries = None  # when None, each is written alone below, to find whose fault it is
    if len(pending) > 1:
        try:
            summaries = store.write_imports([v.pending for _, v in pending])
        except (StoreError, SQLAlchemyError):
            pass
    for k, (i, v) in enumerate(pending):
        if summaries is not None:
            outcomes[i] = _written(v.prepared, summaries[k], accept_above)
            continue
        try:
            outcomes[i] = _written(v.prepared, store.write_imports([v.pending])[0], accept_above)
        except StoreError as e:
            outcomes[i] = _failed(store, v.prepared.target, e)
    return outcomes


def _failed(store: Store, target: str, e: Exception) -> Outcome:
    store.record_failure(target, str(e))
    return Outcome(target, "failed", error=str(e))


def _written(prepared: Prepared, summary, accept_above: float | None) -> Outcome:
    if summary.document_was_stored:  # another process stored the same bytes meanwhile
        return Outcome(prepared.target, "duplicate", prepared.document.id)
    accepted = sum(1 for c in prepared.claims if accept_above is not None and (c.get("confidence") or 0) >= accept_above)
    return Outcome(prepared.target, "ingested", prepared.document.id, summary.added, accepted,
                   warnings=prepared.warnings)


def ingest_one(store: Store, target: str, hints: SourceHints, *, accept_above: float | None = None,
               reviewer: str | None = None, max_bytes: int = MAX_BYTES) -> Outcome:
    return ingest_batch(store, [target], hints, accept_above=accept_above, reviewer=reviewer,
                        max_bytes=max_bytes)[0]


def ingest_batch(store: Store, targets: list[str], hints: SourceHints, *, accept_above: float | None = None,
                 reviewer: str | None = None, max_bytes: int = MAX_BYTES,
                 before_write: Callable[[], None] | None = None) -> list[Outcome]:
    """Read and extract the targets one by one, then write them in one transaction
    (`write_batch`); `before_write` runs in between (a test hook)."""
    prepared: list[Prepared | Outcome] = []
    for target in targets:
        try:
            prepared.append(prepare(target, hints, max_bytes, store.has_document))
        except StoreError as e:
            prepared.append(Outcome(target, "failed", error=str(e)))
    if before_write is not None and any(isinstance(p, Prepared) for p in prepared):
        before_write()
    return write_batch(store, prepared, accept_above=accept_above, reviewer=reviewer)


def extract_file(target: str, *, published: str | None = None,
                 max_bytes: int = MAX_BYTES) -> tuple[ReadResult, list[dict]]:
    """Read and extract without a store (`stationwatch extract`)."""
    loaded = load(target, max_bytes)
    result = read(loaded, max_bytes)
    return result, candidate_claims(result, published or result.published)
