"""The claims store: sources, documents, entities and claims in one SQL database.

Writes happen in one transaction each: an import that fails on line 900 leaves the store
exactly as it was. SQL lives here and in `dialect`; everything above works on claim dicts
in the interchange format of the spec.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Text, and_, cast, exc, func, or_, select

from .. import dates, stations
from ..model import (PERSON, REVIEW_STATUSES, InvalidClaim, check_credibility, check_excerpt_against,
                     check_reliability, claim_id, source_id, validate_claim)
from . import dialect, ledger
from .accounts import AccountsMixin
from .schema import captures as captures_t
from .schema import claims as claims_t
from .schema import documents as documents_t
from .schema import entities as entities_t
from .schema import ingest_failures as failures_t
from .schema import judgements as judgements_t
from .schema import sources as sources_t

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SOURCE_FIELDS = ("title", "publisher", "url", "published", "kind")
JUDGEMENTS = ("same", "different", "unsure")


class StoreError(Exception):
    """A problem the user can act on; str() is one line."""


class LineError(StoreError):
    def __init__(self, origin: str, line: int, problem: str, unit: str | None = None):
        super().__init__(f"{origin} {unit} {line}: {problem}" if unit else f"{origin}:{line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass
class Document:
    """Bytes and the plain text read from them; excerpt offsets point into `text`."""
    original: bytes
    text: str
    media_type: str = "text/plain"
    language: str | None = None
    title: str | None = None
    name: str | None = None
    author: str | None = None
    published: str | None = None
    reader: str | None = None
    pages: list | None = None  # [(start, end, page number)] offsets into text
    fetched: dict | None = None
    capture: bytes | None = None  # WARC record of the HTTP exchange, for a fetched URL
    id: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = hashlib.sha256(self.original).hexdigest()


@dataclass
class ImportSummary:
    added: int = 0
    duplicates: int = 0
    claim_ids: list[str] = field(default_factory=list)
    document_was_stored: bool = False  # with new_document_only: it was, and nothing was written


@dataclass
class PendingImport:
    """An import validated and ready to write (`Store.validate_import`, `Store.write_imports`)."""
    document: Document | None = None
    by: str | None = None
    new_document_only: bool = False
    search: str | None = None
    rows: dict[str, dict] = field(default_factory=dict)  # claim id -> claims row
    sources: dict[str, dict] = field(default_factory=dict)  # source id -> sources row
    document_rows: DocumentRows | None = None
    # Ledger events of each row, made before the write lock is taken (the ones of the rows
    # that turn out to be new are appended).
    claim_events: dict[str, tuple] = field(default_factory=dict)
    source_events: dict[str, tuple] = field(default_factory=dict)


@dataclass
class DocumentRows:
    """A document's row, its capture's (a fetched URL's WARC record), and their ledger events."""
    document: dict
    document_event: tuple
    capture: dict | None = None
    capture_event: tuple | None = None

    @classmethod
    def of(cls, doc: Document, by: str | None) -> "DocumentRows":
        row = {
            "id": doc.id, "media_type": doc.media_type, "text": doc.text, "language": doc.language,
            "title": doc.title, "name": doc.name, "size": len(doc.original),
            "original": doc.original, "recorded_at": now(), "author": doc.author,
            "published": doc.published, "reader": doc.reader,
            "pages": [list(p) for p in doc.pages] if doc.pages else None, "fetched": doc.fetched}
        out = cls(row, ledger.document_event(row, by))
        if doc.capture:
            out.capture = {"id": hashlib.sha256(doc.capture).hexdigest(), "document_id": doc.id,
                           "url": (doc.fetched or {}).get("url") or doc.name,
                           "retrieved_at": (doc.fetched or {}).get("retrieved_at") or now().isoformat(),
                           "warc": doc.capture, "recorded_at": now()}
            out.capture_event = ledger.capture_event(out.capture)
        return out


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def default_url() -> str:
    import os
    return os.environ.get("STATIONWATCH_DB") or "sqlite:///stationwatch.db"


class Store(AccountsMixin):
    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self._pin = threading.local()  # the connection `pinned` holds, per thread
        try:
            self.engine = dialect.make_engine(self.url)
            self._migrate()
        except dialect.NotADatabase as e:
            raise StoreError(str(e)) from None
        except exc.DatabaseError as e:
            raise StoreError(f"cannot open database {self.url}: {e.orig}") from None
        except exc.ArgumentError as e:
            raise StoreError(f"not a database URL: {self.url} ({e})") from None

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Inside the block, every read of this store in this thread is made on one connection
        in one transaction: the store as it was at the first read, however long the block
        lasts and whatever others write meanwhile. An export reads the store several times
        (the index, then the claims pass by pass); pinned, every pass reads one version of the
        record. A block inside another is the outer one's."""
        if getattr(self._pin, "conn", None) is not None:
            yield
            return
        with dialect.one_version(self.engine) as conn:
            self._pin.conn = conn
            try:
                yield
            finally:
                self._pin.conn = None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """The connection to read on: the pinned one (`pinned`), else a new one."""
        conn = getattr(self._pin, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as conn:
            yield conn

    def _migrate(self) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.engine.connect() as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
        with dialect.write_transaction(self.engine) as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return  # another process migrated it meanwhile
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------

    def import_claims(self, records: Iterable[tuple[int, object]], *, origin: str,
                      source: dict | None = None, document: Document | None = None,
                      accept: bool = False, accept_above: float | None = None,
                      reviewer: str | None = None, unit: str | None = None,
                      by: str | None = None, new_document_only: bool = False) -> ImportSummary:
        """Validate every record, then write all of them in one transaction, or none.

        `accept` accepts every candidate; `accept_above` those with at least that confidence.
        `new_document_only`: write nothing if `document` is already stored (parallel ingest).
        `by` is who imports (recorded in the ledger; default: the reviewer).
        """
        pending = self.validate_import(records, origin=origin, source=source, document=document, accept=accept,
                                       accept_above=accept_above, reviewer=reviewer, unit=unit, by=by,
                                       new_document_only=new_document_only)
        return self.write_imports([pending])[0]

    def validate_import(self, records: Iterable[tuple[int, object]], *, origin: str,
                        source: dict | None = None, document: Document | None = None,
                        accept: bool = False, accept_above: float | None = None,
                        reviewer: str | None = None, unit: str | None = None,
                        by: str | None = None, new_document_only: bool = False) -> PendingImport:
        """The rows an import would write, validated (`import_claims` takes the same
        arguments); raises LineError for the first bad record. Takes no write lock: besides
        the records it reads only documents' texts, which never change once stored."""
        pending = PendingImport(document=document, by=by or reviewer, new_document_only=new_document_only)
        # what the search index holds of the text (Chinese segmented on PostgreSQL): made
        # here, before the write lock that other writers wait for
        pending.search = dialect.search_text(self.engine.dialect.name, document.text) if document else None
        # texts of the documents excerpts point into: the one given, or stored ones (read
        # on first need: an ingested document's claims need no connection at all)
        known_docs = {document.id: document.text} if document else {}
        for line, raw in records:
            try:
                row, src = self._claim_row(raw, source, document, known_docs)
            except (InvalidClaim, dates.BadDate) as e:
                raise LineError(origin, line, str(e), unit) from None
            confident = accept_above is not None and (row["confidence"] or 0) >= accept_above
            if row["status"] == "candidate" and (accept or confident):
                row.update(status="accepted", reviewer=reviewer, reviewed_at=now())
            pending.sources[src["id"]] = src
            pending.rows.setdefault(row["id"], row)
        if document and (source or {}).get("published"):
            # the document's source exists even when no claim was read from it
            doc_source = _source_row(_merge_source(source, {"document": document.id}))
            pending.sources.setdefault(doc_source["id"], doc_source)
        if document:
            pending.document_rows = DocumentRows.of(document, pending.by)
        pending.claim_events = {cid: ledger.claim_event(row, pending.by) for cid, row in pending.rows.items()}
        pending.source_events = {sid: ledger.source_event(src, pending.by) for sid, src in pending.sources.items()}
        return pending

    def write_imports(self, pendings: list[PendingImport]) -> list[ImportSummary]:
        """Write validated imports (documents with their sources and claims) in one
        transaction, with one ledger append: all of them or none. Batching documents is
        what lets parallel ingestion share the store's one write lock."""
        summaries = []
        # Ingested documents' rows go in before the writers' lock is taken, so that other
        # writers wait only for the ledger append and the commit. That is safe because each
        # of their claims and sources names its document: the same rows from another writer
        # mean the same document, whose insert waits for that writer's commit and then
        # finds it stored (and the document is then skipped whole).
        documents_only = all(p.document is not None and p.new_document_only for p in pendings)
        with dialect.write_transaction(self.engine, serialize_now=not documents_only) as conn:
            events: list = []
            for pending in pendings:
                summaries.append(self._write_import(conn, pending, events))
            stored = [p.document.name for p, s in zip(pendings, summaries) if p.document and not s.document_was_stored]
            if stored:  # earlier failures of these names are over
                conn.execute(failures_t.delete().where(failures_t.c.name.in_(stored)))
            if documents_only:
                dialect.serialize_writers(conn)  # (otherwise taken when the transaction began)
            ledger.append(conn, events)
        return summaries

    def _write_import(self, conn: Connection, pending: PendingImport, events: list) -> ImportSummary:
        summary = ImportSummary()
        document, rows = pending.document, pending.rows
        if document:
            new = self._add_document(conn, pending.document_rows, pending.search)
            if not new and pending.new_document_only:
                summary.document_was_stored = True
                return summary
            events += new
        for sid, src in pending.sources.items():
            if dialect.insert_new(conn, sources_t, src):
                events.append(pending.source_events[sid])
        existing = self._existing_claim_ids(conn, list(rows))
        fresh = [r for cid, r in rows.items() if cid not in existing]
        if fresh:
            conn.execute(claims_t.insert(), fresh)
        events += [pending.claim_events[r["id"]] for r in fresh]
        summary.added, summary.duplicates = len(fresh), len(rows) - len(fresh)
        summary.claim_ids = list(rows)
        return summary

    def _claim_row(self, raw: object, default_source: dict | None, document: Document | None,
                   known_docs: dict[str, str], conn: Connection | None = None) -> tuple[dict, dict]:
        claim = validate_claim(raw)
        src = _merge_source(default_source, raw.get("source"))
        doc_id = src.get("document") or (document.id if document else None)
        if doc_id:
            text = known_docs.get(doc_id)
            if text is None:
                text = self.document_text(doc_id, conn)
                if text is None:
                    raise InvalidClaim(f"source.document {doc_id[:12]}… is not in the store (give it with --document)")
                known_docs[doc_id] = text
            src["document"] = doc_id
            check_excerpt_against(claim, text)
        elif claim["excerpt"] is not None:
            raise InvalidClaim("the claim has an excerpt but no document to check it against (give --document)")
        src_row = _source_row(src)
        cid = claim_id(claim, src_row["id"])
        given = raw.get("id")
        if given is not None and given != cid:
            raise InvalidClaim(f"id {given} does not match the claim's content ({cid}); "
                               "drop the id from an edited claim")
        status = raw.get("status") or "candidate"
        if status not in REVIEW_STATUSES:
            raise InvalidClaim(f"status {status!r} is not one of {', '.join(REVIEW_STATUSES)}")
        return _claim_row(claim, cid, src_row, status, raw), src_row

    def _add_document(self, conn: Connection, rows: DocumentRows, search: str | None = None) -> list:
        """Store a document once; returns the ledger events of what was new."""
        if not dialect.insert_new(conn, documents_t, rows.document):
            return []
        dialect.index_document(conn, rows.document["id"], rows.document["text"], search)
        events = [rows.document_event]
        if rows.capture is not None:
            conn.execute(dialect.insert_ignoring_duplicates(self.engine, captures_t), rows.capture)
            events.append(rows.capture_event)
        return events

    def record_failure(self, name: str, error: str) -> None:
        """Note that a file or URL could not be ingested, and why (its content is not kept)."""
        with dialect.write_transaction(self.engine) as conn:
            conn.execute(failures_t.delete().where(failures_t.c.name == name))
            conn.execute(failures_t.insert(), {"name": name, "error": error, "recorded_at": now()})

    def _existing_claim_ids(self, conn: Connection, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            found.update(conn.scalars(select(claims_t.c.id).where(claims_t.c.id.in_(chunk))))
        return found

    def review(self, ids: Iterable[str], decision: str, reviewer: str | None = None) -> list[str]:
        """Set the review status of claims given by id or unambiguous id prefix."""
        if decision not in REVIEW_STATUSES:
            raise StoreError(f"unknown review decision {decision!r}")
        with dialect.write_transaction(self.engine) as conn:
            full = [self._resolve_id(conn, i) for i in ids]
            conn.execute(claims_t.update().where(claims_t.c.id.in_(full)).values(
                status=decision, reviewer=reviewer, reviewed_at=now()))
            ledger.append(conn, [ledger.review_event(cid, decision, reviewer) for cid in full])
        return full

    def edit_claim(self, claim_id_: str, changes: dict, reviewer: str | None = None) -> str:
        """A reviewer's correction: a new, accepted claim; the original stays, marked superseded.

        `changes` holds top-level fields of the interchange format (`object`, `value`,
        `said_by`, `valid`, ...); nested objects replace the original's whole.
        """
        allowed = {"subject", "object", "value", "scope", "qualifier", "stance", "said_by", "valid",
                   "predicate", "note"}
        unknown = set(changes) - allowed
        if unknown:
            raise StoreError(f"cannot edit {', '.join(sorted(unknown))} (editable: {', '.join(sorted(allowed))})")
        with dialect.write_transaction(self.engine) as conn:
            cid = self._resolve_id(conn, claim_id_)
            original = next(self._select_claims(conn, ids=[cid]))
            edited = {**original, **changes}
            edited.pop("id")
            edited["status"] = "candidate"
            edited["source"] = {k: v for k, v in original["source"].items() if k != "document"}
            doc = original["source"].get("document")
            if doc:
                edited["source"]["document"] = doc
            try:
                row, _ = self._claim_row(edited, None, None, {}, conn)
            except (InvalidClaim, dates.BadDate) as e:
                raise StoreError(f"edit of {cid[:10]}: {e}") from None
            if row["id"] == cid:
                raise StoreError(f"edit of {cid[:10]} changes nothing")
            row.update(status="accepted", reviewer=reviewer, reviewed_at=now(), edited_from=cid,
                       confidence=original["confidence"])
            events = []
            if not self._existing_claim_ids(conn, [row["id"]]):
                conn.execute(claims_t.insert(), row)
                events.append(ledger.claim_event(row, reviewer))
            else:  # the corrected claim was already there: the edit accepts it
                conn.execute(claims_t.update().where(claims_t.c.id == row["id"]).values(
                    status="accepted", reviewer=reviewer, reviewed_at=now()))
                events.append(ledger.review_event(row["id"], "accepted", reviewer))
            conn.execute(claims_t.update().where(claims_t.c.id == cid).values(
                status="rejected", superseded_by=row["id"], reviewer=reviewer, reviewed_at=now()))
            events.append(ledger.review_event(cid, "rejected", reviewer, superseded_by=row["id"]))
            ledger.append(conn, events)
        return row["id"]

    def grade_source(self, source_ref: str, reliability: str, who: str | None = None) -> str:
        """Set a source's Admiralty reliability (A-F); `source_ref` is its id, id prefix or URL."""
        try:
            grade = check_reliability(reliability)
        except InvalidClaim as e:
            raise StoreError(str(e)) from None
        with dialect.write_transaction(self.engine) as conn:
            hits = list(conn.scalars(select(sources_t.c.id).where(
                (sources_t.c.id.like(source_ref.lower() + "%")) | (sources_t.c.url == source_ref)).limit(2)))
            if len(hits) != 1:
                raise StoreError(f"no source {source_ref}" if not hits else f"source {source_ref} is ambiguous")
            conn.execute(sources_t.update().where(sources_t.c.id == hits[0]).values(reliability=grade))
            ledger.append(conn, [ledger.source_graded_event(hits[0], grade, who)])
        return hits[0]

    def grade_claim(self, claim_ref: str, credibility: int, who: str | None = None) -> str:
        """Set a claim's Admiralty credibility (1-6)."""
        try:
            grade = check_credibility(credibility)
        except InvalidClaim as e:
            raise StoreError(str(e)) from None
        with dialect.write_transaction(self.engine) as conn:
            cid = self._resolve_id(conn, claim_ref)
            conn.execute(claims_t.update().where(claims_t.c.id == cid).values(credibility=grade))
            ledger.append(conn, [ledger.claim_graded_event(cid, grade, who)])
        return cid

    def sources(self) -> list[dict]:
        with self._reading() as conn:
            return [dict(r) for r in conn.execute(select(sources_t).order_by(sources_t.c.published_start)).mappings()]

    def judge(self, left_id: str, right_id: str, judgement: str, *, by: str | None = None,
              score: float | None = None, reasons: list | None = None) -> None:
        """Record that two entities are the same, different, or unsure. The latest judgement of a
        pair is the one in force; earlier ones stay, so every merge can be undone."""
        if judgement not in JUDGEMENTS:
            raise StoreError(f"judgement {judgement!r} is not one of {', '.join(JUDGEMENTS)}")
        if left_id == right_id:
            raise StoreError("an entity cannot be judged against itself")
        left, right = sorted((left_id, right_id))
        row = {"left_id": left, "right_id": right, "judgement": judgement, "score": score,
               "reasons": reasons, "judged_by": by, "judged_at": now()}
        with dialect.write_transaction(self.engine) as conn:
            row["id"] = conn.execute(judgements_t.insert(), row).inserted_primary_key[0]
            ledger.append(conn, [ledger.judgement_event(row)])

    def judgements(self, *, latest: bool = True) -> list[dict]:
        """Judgements in the order made; with `latest`, only the one in force for each pair."""
        with self._reading() as conn:
            rows = [dict(r) for r in conn.execute(select(judgements_t).order_by(judgements_t.c.id)).mappings()]
        if not latest:
            return rows
        current = {(r["left_id"], r["right_id"]): r for r in rows}
        return list(current.values())

    def search(self, query: str, limit: int = 50) -> list[dict]:
        """Documents containing `query`, each with the first match and its context."""
        query = query.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
        if not query:
            return []
        with self._reading() as conn:
            ids = dialect.search_document_ids(conn, query, limit)
            rows = {r["id"]: r for r in conn.execute(
                select(documents_t.c.id, documents_t.c.title, documents_t.c.name, documents_t.c.text)
                .where(documents_t.c.id.in_(ids))).mappings()} if ids else {}
        hits = []
        for doc_id in ids:
            r = rows[doc_id]
            at = r["text"].casefold().find(query.casefold())
            at = max(at, 0)
            hits.append({"id": doc_id, "title": r["title"], "name": r["name"], "start": at,
                         "end": at + len(query), "before": r["text"][max(0, at - 80):at],
                         "match": r["text"][at:at + len(query)],
                         "after": r["text"][at + len(query):at + len(query) + 80]})
        return hits

    def _resolve_id(self, conn: Connection, prefix: str) -> str:
        prefix = prefix.strip().lower()
        if len(prefix) < 6:
            raise StoreError(f"claim id {prefix!r} is too short (give at least 6 characters)")
        hits = list(conn.scalars(select(claims_t.c.id).where(claims_t.c.id.like(prefix + "%")).limit(2)))
        if not hits:
            raise StoreError(f"no claim with id {prefix}")
        if len(hits) > 1:
            raise StoreError(f"claim id prefix {prefix} is ambiguous")
        return hits[0]

    def refresh_entities(self) -> None:
        """Record an entity for every station the accepted claims document.

        Done when the entities are counted, not on every write: grouping every accepted
        station claim costs time in proportion to the record, which a write that adds one
        document or one review decision must not pay."""
        with dialect.write_transaction(self.engine) as conn:
            self._refresh_entities(conn)

    def _refresh_entities(self, conn: Connection) -> None:
        """Record an entity for every station the accepted claims document."""
        accepted = list(self._select_claims(conn, status="accepted",
                                            predicate_prefix="station."))
        for st in stations.group(accepted):
            conn.execute(dialect.insert_ignoring_duplicates(self.engine, entities_t), {
                "id": st.id, "type": "station", "country": st.country, "locality": st.locality,
                "operator": st.operator, "name": st.label, "recorded_at": now()})

    # -- reading -------------------------------------------------------------------

    def claims(self, *, status: str | None = None, predicate: str | None = None,
               country: str | None = None, known_at: dt.date | None = None,
               min_reliability: str | None = None, max_credibility: int | None = None) -> list[dict]:
        with self._reading() as conn:
            return list(self._select_claims(conn, status=status, predicate=predicate, country=country,
                                            known_at=known_at, min_reliability=min_reliability,
                                            max_credibility=max_credibility))

    def claim(self, id_or_prefix: str) -> dict:
        with self._reading() as conn:
            cid = self._resolve_id(conn, id_or_prefix)
            return next(self._select_claims(conn, ids=[cid]))

    def iter_claims(self, *, ids: list[str] | None = None, keyed: bool = False, slim: bool = False,
                    **filters) -> Iterator:
        """Claims as `claims()` orders them, streamed: memory stays flat in the size of the store.
        `filters` are those of `claim_conditions` (`predicate_prefixes` keeps claims whose
        predicate starts with any of them). With `keyed`, (order key, claim) pairs: the keys
        sort in Python as the store orders the claims (see `claim_order_key`), so claims
        read later can be put in their place among claims read before. With `ids`, the
        claims are in store order within each 2,000 ids. With `slim`, each claim is
        `slim_claim` of it, read from only the columns that needs; equal parts are one
        object for the whole stream (they are shared: never change them)."""
        select_claims = self._select_slim if slim else self._select_claims
        if ids is not None:
            for i in range(0, len(ids), 2000):
                with self._reading() as conn:
                    yield from select_claims(conn, ids=ids[i:i + 2000], keyed=keyed, **filters)
            return
        with self._reading() as conn:
            yield from select_claims(conn, stream=True, keyed=keyed, **filters)

    def find_claims(self, *, order: str = "stored", limit: int | None = None, offset: int = 0,
                    **filters) -> list[dict]:
        """Claims matching `filters` (those of `claim_conditions`), one page of them:
        `order` is "stored" (as `claims()` lists them), "confidence" (most confident first,
        unscored last) or "confidence_asc" (least confident first, unscored last); ties
        in confidence in id order."""
        with self._reading() as conn:
            if order == "stored":
                return list(self._select_claims(conn, limit=limit, offset=offset, **filters))
            if order not in ("confidence", "confidence_asc"):
                raise ValueError(f"unknown claim order {order!r}")
            # the page's ids first, from the (status, confidence) index without the sources
            # join where no filter needs it; then those claims
            conf = claims_t.c.confidence
            key = conf.desc().nulls_last() if order == "confidence" else conf.asc().nulls_last()
            q = select(claims_t.c.id).select_from(_from_for(filters)).where(
                *claim_conditions(self.engine, **filters)).order_by(key, claims_t.c.id)
            if limit is not None:
                q = q.limit(limit).offset(offset)
            ids = list(conn.scalars(q))
            by_id = {c["id"]: c for c in self._select_claims(conn, ids=ids)} if ids else {}
            return [by_id[i] for i in ids]

    def count_claims(self, *, by: str | None = None, **filters) -> int | dict:
        """How many claims match `filters`; with `by` ("status", "predicate" or "country"),
        how many per value of that column, largest first."""
        conds = claim_conditions(self.engine, **filters)
        with self._reading() as conn:
            if by is None:
                return conn.scalar(select(func.count()).select_from(_from_for(filters)).where(*conds)) or 0
            column = {"status": claims_t.c.status, "predicate": claims_t.c.predicate,
                      "country": claims_t.c.country}[by]
            rows = conn.execute(select(column, func.count()).select_from(_from_for(filters))
                                .where(*conds).group_by(column))
            return dict(sorted(((k, n) for k, n in rows if k is not None), key=lambda kv: (-kv[1], kv[0])))

    def claim_heads(self, **filters) -> list[dict]:
        """Claims matching `filters` in brief (id, predicate, subject, object, stance, status):
        enough to tell which station or place a claim is about without reading it whole."""
        cols = [claims_t.c[k] for k in ("id", "predicate", "subject", "object", "stance", "status")]
        with self._reading() as conn:
            return [dict(r) for r in conn.execute(select(*cols).select_from(_from_for(filters)).where(
                *claim_conditions(self.engine, **filters)).order_by(claims_t.c.id)).mappings()]

    def source_rows(self, *, ids: list[str] | None = None, **filters) -> list[dict]:
        """Sources with at least one claim matching `filters`, each with its claims counted by
        review status (`claims`, `accepted`, `candidate`, `rejected`); `ids` keeps those sources."""
        counts: dict[str, dict] = {}
        conds = claim_conditions(self.engine, **filters)
        if ids is not None:
            conds.append(claims_t.c.source_id.in_(ids))
        with self._reading() as conn:
            rows = conn.execute(select(claims_t.c.source_id, claims_t.c.status, func.count())
                                .select_from(_CLAIMS_WITH_SOURCE).where(*conds)
                                .group_by(claims_t.c.source_id, claims_t.c.status))
            for sid, status, n in rows:
                c = counts.setdefault(sid, {"claims": 0, "accepted": 0, "candidate": 0, "rejected": 0})
                c[status] = c.get(status, 0) + n
                c["claims"] += n
            out = []
            wanted = list(counts)
            for i in range(0, len(wanted), 2000):
                for r in conn.execute(select(sources_t).where(sources_t.c.id.in_(wanted[i:i + 2000]))).mappings():
                    out.append({"id": r["id"], **{k: r[k] for k in SOURCE_FIELDS}, "document": r["document_id"],
                                "reliability": r["reliability"], **counts[r["id"]]})
        return out

    def speakers(self) -> list[str]:
        """Every speaker name the claims give, once each."""
        with self._reading() as conn:
            return [n for n in conn.scalars(select(claims_t.c.said_by_name).distinct()) if n]

    def _claim_rows(self, conn: Connection, columns: list, *, limit: int | None = None, offset: int = 0,
                    stream: bool = False, **filters):
        """The `columns` of the claims matching `filters` (with their sources), in store order."""
        q = select(*columns).select_from(_CLAIMS_WITH_SOURCE)
        conds = claim_conditions(self.engine, **filters)
        if conds:
            q = q.where(and_(*conds))
        q = q.order_by(*_claim_order(self.engine))
        if limit is not None:
            q = q.limit(limit).offset(offset)
        return (conn.execution_options(yield_per=2000) if stream else conn).execute(q).mappings()

    def _select_claims(self, conn: Connection, *, keyed: bool = False, **filters) -> Iterator:
        rows = self._claim_rows(conn, [claims_t, sources_t.c.title, sources_t.c.publisher, sources_t.c.url,
                                       sources_t.c.published, sources_t.c.kind, sources_t.c.document_id,
                                       sources_t.c.reliability], **filters)
        with rows:  # closed when the reader stops early too: a pinned connection reads on
            if keyed:
                for row in rows:
                    yield claim_order_key(row), _claim_dict(row)
            else:
                for row in rows:
                    yield _claim_dict(row)

    def _select_slim(self, conn: Connection, *, keyed: bool = False, **filters) -> Iterator:
        """`_select_claims` made slim (`slim_claim`) without reading the rest: no excerpt text or
        review columns, each distinct JSON text parsed once, equal parts one object."""
        columns = [cast(claims_t.c[k], Text).label(k) if k in _JSON_PARTS else claims_t.c[k] for k in _SLIM_COLUMNS]
        columns += [sources_t.c[_SOURCE_COLUMNS.get(k, k)].label(k) for k in SLIM_SOURCE]
        rows = self._claim_rows(conn, columns, **filters)
        share = Sharing()
        with rows:
            for r in rows:
                claim = {"id": r["id"], "predicate": share.value(r["predicate"]), "subject": share.parsed(r["subject"]),
                         "object": share.parsed(r["object"]), "value": share.parsed(r["value"]),
                         "scope": share.parsed(r["scope"]), "qualifier": r["qualifier"], "stance": share.value(r["stance"]),
                         "said_by": share.said_by(r["said_by_name"], r["said_by_country"], r["said_by_type"]),
                         "valid": share.valid(r["valid_from"], r["valid_to"]),
                         "source": share.source(r["source_id"], r)}
                if keyed:
                    key = claim_order_key(r)
                    yield (share.value(key[0]), share.value(key[1]), key[2], claim["predicate"], key[4]), claim
                else:
                    yield claim

    def document_text(self, doc_id: str, conn: Connection | None = None) -> str | None:
        if conn is None:
            with self._reading() as c:
                return self.document_text(doc_id, c)
        return conn.scalar(select(documents_t.c.text).where(documents_t.c.id == doc_id))

    def verify(self) -> list:
        """Problems where the store differs from what its ledger vouches for; empty when intact."""
        with self._reading() as conn:
            return ledger.verify(conn)

    def ledger_head(self) -> dict | None:
        with self._reading() as conn:
            return ledger.head(conn)

    def ledger_entry(self, seq: int) -> dict | None:
        from .schema import ledger as ledger_t
        with self._reading() as conn:
            row = conn.execute(select(ledger_t).where(ledger_t.c.seq == seq)).mappings().first()
            return dict(row) if row else None

    def ledger_since(self, seq: int, *, limit: int = 10_000) -> list[dict]:
        """Ledger entries numbered above `seq`, oldest first, at most `limit`, payloads decoded."""
        from .schema import ledger as ledger_t
        return self._ledger_rows(select(ledger_t).where(ledger_t.c.seq > seq).order_by(ledger_t.c.seq).limit(limit))

    def ledger_entries(self, *, before: int | None = None, limit: int = 500) -> list[dict]:
        """Ledger entries, newest first (those numbered below `before`), payloads decoded:
        what the audit page shows."""
        from .schema import ledger as ledger_t
        q = select(ledger_t).order_by(ledger_t.c.seq.desc()).limit(limit)
        if before is not None:
            q = q.where(ledger_t.c.seq < before)
        return self._ledger_rows(q)

    def _ledger_rows(self, q) -> list[dict]:
        import json
        with self._reading() as conn:
            return [dict(r, payload=json.loads(r["payload"])) for r in conn.execute(q).mappings()]

    def captures(self, document_id: str) -> list[dict]:
        with self._reading() as conn:
            return [dict(r) for r in conn.execute(select(captures_t).where(
                captures_t.c.document_id == document_id).order_by(captures_t.c.retrieved_at)).mappings()]

    def has_document(self, doc_id: str) -> bool:
        with self._reading() as conn:
            return conn.scalar(select(documents_t.c.id).where(documents_t.c.id == doc_id)) is not None

    def documents(self) -> list[dict]:
        """Stored documents without their bytes, each with its count of claims."""
        n_claims = (select(sources_t.c.document_id, func.count(claims_t.c.id).label("claims"))
                    .join(claims_t, claims_t.c.source_id == sources_t.c.id)
                    .group_by(sources_t.c.document_id).subquery())
        cols = [c for c in documents_t.c if c.name not in ("original", "text")]
        q = (select(*cols, func.coalesce(n_claims.c.claims, 0).label("claims"))
             .outerjoin(n_claims, n_claims.c.document_id == documents_t.c.id)
             .order_by(documents_t.c.recorded_at))
        with self._reading() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def document(self, id_or_prefix: str) -> dict:
        """One document with its text and original bytes."""
        prefix = id_or_prefix.strip().lower()
        with self._reading() as conn:
            rows = list(conn.execute(select(documents_t).where(documents_t.c.id.like(prefix + "%")).limit(2)).mappings())
        if len(rows) != 1:
            raise StoreError(f"no document with id {prefix}" if not rows else f"document id prefix {prefix} is ambiguous")
        return dict(rows[0])

    def failures(self) -> list[dict]:
        with self._reading() as conn:
            return [dict(r) for r in conn.execute(select(failures_t).order_by(failures_t.c.recorded_at)).mappings()]

    def counts(self) -> dict[str, int]:
        self.refresh_entities()
        with self._reading() as conn:
            out = {t.name: conn.scalar(select(func.count()).select_from(t))
                   for t in (sources_t, documents_t, entities_t, failures_t)}
            for status, n in conn.execute(select(claims_t.c.status, func.count()).group_by(claims_t.c.status)):
                out[f"claims_{status}"] = n
        return out


_CLAIMS_WITH_SOURCE = claims_t.join(sources_t, sources_t.c.id == claims_t.c.source_id)


def _claim_order(engine) -> list:
    """The store order of claims: by source publication (unknown first), source, place in the
    document (claims without an excerpt first), predicate, id. Spelled out (nulls first,
    strings compared bytewise) so that both databases order alike and `claim_order_key`
    orders alike in Python; migration 0011's index holds the claims in this order."""
    text = dialect.bytewise
    return [claims_t.c.published_start.asc().nulls_first(), text(engine, claims_t.c.source_id),
            claims_t.c.excerpt_start.asc().nulls_first(), text(engine, claims_t.c.predicate),
            text(engine, claims_t.c.id)]


_NO_DATE = dt.date.min
SLIM_SOURCE = ("title", "publisher", "url", "published", "kind", "document")
_SOURCE_COLUMNS = {"document": "document_id"}  # a slim source's key -> its column, where they differ
_JSON_PARTS = ("subject", "object", "value", "scope")
_SLIM_COLUMNS = ("id", "source_id", "published_start", "predicate", *_JSON_PARTS, "qualifier", "stance",
                 "said_by_name", "said_by_country", "said_by_type", "valid_from", "valid_to", "excerpt_start")


def slim_claim(c: dict, one=lambda part: part) -> dict:
    """What the tally's index reads of a claim: no excerpt, review or provenance detail, and
    of the source only its title, publisher, address and date. `one` may give, for each part,
    an equal object to hold instead (`Sharing.part`)."""
    return {"id": c["id"], "predicate": c["predicate"], "subject": one(c["subject"]), "object": one(c["object"]),
            "value": c["value"], "scope": one(c["scope"]), "qualifier": c["qualifier"], "stance": c["stance"],
            "said_by": one(c["said_by"]), "valid": one(c["valid"]),
            "source": one({k: c["source"].get(k) for k in SLIM_SOURCE})}


class Sharing:
    """One object for equal parts of many slim claims (a source's dict for each of its claims,
    one dict per speaker, per JSON text): an index of a million claims holds about half as
    much. The parts are shared, so no one may change them."""

    def __init__(self):
        self._held: dict = {}
        self._parsed: dict[str, object] = {}

    def part(self, part):
        """The held object equal to `part` (a dict of plain values), else `part`, now held."""
        if not isinstance(part, dict):
            return part
        try:
            key = ("part",) + tuple((k, type(v), v) for k, v in part.items())  # 1 == True, but not alike
            return self._held.setdefault(key, part)
        except TypeError:  # a part holding lists or dicts: kept as it is
            return part

    def value(self, v):
        return self._held.setdefault(("value", type(v), v), v)

    def parsed(self, raw: str | None):
        """A JSON column's text parsed, once per distinct text (SQL NULL and JSON null: None)."""
        if raw is None:
            return None
        if raw not in self._parsed:
            self._parsed[raw] = json.loads(raw)
        return self._parsed[raw]

    def said_by(self, name, country, kind) -> dict:
        return self._held_or(("said_by", name, country, kind), _said_by, name, country, kind)

    def valid(self, start, end) -> dict:
        return self._held_or(("valid", start, end), _valid, start, end)

    def source(self, source_id: str, row) -> dict:
        return self._held_or(("source", source_id), _slim_source, row)

    def _held_or(self, key: tuple, make, *args):
        """The object held under `key`, else `make(*args)`, now held (no closure per call: this
        runs three times for each claim an index reads)."""
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = make(*args)
        return held


def _said_by(name: str | None, country: str | None, kind: str | None) -> dict:
    """A claim's `said_by` from its columns: the type only where one is given."""
    return {"name": name, "country": country, **({"type": kind} if kind else {})}


def _valid(start: str | None, end: str | None) -> dict:
    return {"from": start, "to": end}


def _slim_source(row) -> dict:
    return {k: row[k] for k in SLIM_SOURCE}


def claim_order_key(row) -> tuple:
    """A claim's place in the store order (`_claim_order`), as a tuple Python compares alike."""
    start = row["excerpt_start"]
    return (row["published_start"] or _NO_DATE, row["source_id"], -1 if start is None else start,
            row["predicate"], row["id"])


_SOURCE_FILTERS = ("min_reliability", "document", "text")


def _from_for(filters: dict):
    """The claims table, joined with the sources only where a filter reads them."""
    return _CLAIMS_WITH_SOURCE if any(filters.get(k) for k in _SOURCE_FILTERS) else claims_t


def claim_conditions(engine, *, status=None, predicate=None, predicate_prefix=None, predicate_prefixes=(),
                     country=None, known_at=None, ids=None, min_reliability=None, max_credibility=None,
                     document=None, source=None, text=None, public_speakers=None) -> list:
    """The SQL conditions for a claim filter, over claims joined with their sources.

    `text` keeps claims whose excerpt, note, speaker, source title or publisher, or
    subject/object/scope mentions it, ignoring case (a superset: callers confirm on the
    claim). `public_speakers` (a tuple of speaker names to hide, possibly empty) keeps only
    what the public view may show: accepted claims with no person as subject, object or
    speaker, and none of those speakers (`export.public.is_public` decides the same in Python).
    """
    conds = []
    if status:
        conds.append(claims_t.c.status == status)
    if predicate:
        conds.append(claims_t.c.predicate == predicate)
    if predicate_prefix:
        conds.append(claims_t.c.predicate.like(predicate_prefix + "%"))
    if predicate_prefixes:
        conds.append(or_(*(claims_t.c.predicate.like(p + "%") for p in predicate_prefixes)))
    if country:
        conds.append(claims_t.c.country == country.upper())
    if known_at:
        conds.append(claims_t.c.published_start <= known_at)
    if ids is not None:
        conds.append(claims_t.c.id.in_(ids))
    if min_reliability:  # ungraded counts as F (cannot be judged), 1..6 likewise as 6
        conds.append(func.coalesce(sources_t.c.reliability, "F") <= min_reliability.upper())
    if max_credibility:
        conds.append(func.coalesce(claims_t.c.credibility, 6) <= max_credibility)
    if document:
        conds.append(sources_t.c.document_id == document)
    if source:
        conds.append(claims_t.c.source_id == source)
    if text:
        conds.append(dialect.mentions(engine, [claims_t.c.excerpt_text, claims_t.c.note, claims_t.c.said_by_name,
                                               sources_t.c.title, sources_t.c.publisher],
                                      [claims_t.c.subject, claims_t.c.object, claims_t.c.scope], text))
    if public_speakers is not None:
        conds += [claims_t.c.status == "accepted",
                  func.coalesce(claims_t.c.said_by_type, "") != PERSON,
                  func.coalesce(claims_t.c.subject["type"].as_string(), "") != PERSON,
                  func.coalesce(claims_t.c.object["type"].as_string(), "") != PERSON]
        if public_speakers:
            conds.append(or_(claims_t.c.said_by_name.is_(None), claims_t.c.said_by_name.not_in(public_speakers)))
    return conds


def _merge_source(default: dict | None, given: object) -> dict:
    src = {k: v for k, v in (default or {}).items() if v is not None}
    if given is not None:
        if not isinstance(given, dict):
            raise InvalidClaim("source must be an object {title, publisher, url, published, kind}")
        src.update({k: v for k, v in given.items() if v is not None})
    if not src.get("published"):
        raise InvalidClaim("no publication date for the source (give --published or source.published)")
    if not (src.get("title") or src.get("publisher") or src.get("url")):
        raise InvalidClaim("the source has no title, publisher or url (give --title/--publisher)")
    src["published"] = dates.normalize(src["published"])
    src["reliability"] = check_reliability(src.get("reliability"))
    return src


def _source_row(src: dict) -> dict:
    return {"id": source_id(src), **{k: src.get(k) for k in SOURCE_FIELDS}, "reliability": src.get("reliability"),
            "published_start": dates.start_of(src["published"]),
            "document_id": src.get("document"), "recorded_at": now()}


def claim_country(claim: dict) -> str | None:
    """The country a claim is about: a station's or incident's place, a government, a count's scope."""
    p = claim["predicate"]
    subject, obj, scope = claim["subject"] or {}, claim["object"] or {}, claim["scope"] or {}
    if p == "station.location" or p.startswith("incident."):
        return obj.get("country") or subject.get("country")
    if p.startswith("count."):
        return scope.get("country")
    return subject.get("country") or obj.get("country")


def _claim_row(claim: dict, cid: str, src_row: dict, status: str, raw: dict) -> dict:
    ex = claim["excerpt"] or {}
    return {
        "id": cid, "source_id": src_row["id"], "published_start": src_row["published_start"],
        "predicate": claim["predicate"],
        "subject": claim["subject"], "object": claim["object"], "value": claim["value"],
        "scope": claim["scope"], "qualifier": claim["qualifier"], "stance": claim["stance"],
        "said_by_name": claim["said_by"]["name"], "said_by_country": claim["said_by"]["country"],
        "said_by_type": claim["said_by"].get("type"),
        "valid_from": claim["valid"]["from"], "valid_to": claim["valid"]["to"],
        "excerpt_start": ex.get("start"), "excerpt_end": ex.get("end"), "excerpt_text": ex.get("text"),
        "excerpt_page": ex.get("page"), "confidence": claim["confidence"], "note": raw.get("note"),
        "country": claim_country(claim), "status": status,
        "reviewer": raw.get("reviewer") if status != "candidate" else None,
        "reviewed_at": now() if status != "candidate" else None, "recorded_at": now(),
        "edited_from": None, "superseded_by": None, "credibility": check_credibility(raw.get("credibility")),
    }


def _claim_dict(row) -> dict:
    """A stored claim in the interchange format, with its id, review status and source."""
    excerpt = None
    if row["excerpt_start"] is not None:
        excerpt = {"start": row["excerpt_start"], "end": row["excerpt_end"], "text": row["excerpt_text"]}
        if row["excerpt_page"] is not None:
            excerpt["page"] = row["excerpt_page"]
    out = {
        "id": row["id"], "predicate": row["predicate"], "subject": row["subject"],
        "object": row["object"], "value": row["value"], "scope": row["scope"],
        "qualifier": row["qualifier"], "stance": row["stance"],
        "said_by": _said_by(row["said_by_name"], row["said_by_country"], row["said_by_type"]),
        "valid": _valid(row["valid_from"], row["valid_to"]),
        "excerpt": excerpt, "confidence": row["confidence"],
        "status": row["status"], "reviewer": row["reviewer"],
        "source": {k: row[k] for k in ("title", "publisher", "url", "published", "kind", "reliability")},
        "credibility": row["credibility"],
    }
    if row["document_id"]:
        out["source"]["document"] = row["document_id"]
    if row["note"]:
        out["note"] = row["note"]
    for link in ("edited_from", "superseded_by"):
        if row[link]:
            out[link] = row[link]
    out["recorded_at"] = row["recorded_at"].isoformat() if row["recorded_at"] else None
    return out
