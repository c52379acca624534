"""The evidence ledger: every recorded event, chained by SHA-256 to the one before.

Each entry's hash covers its number, time, event, the id it is about, its payload and the
previous entry's hash, so no entry can be changed, removed or moved without breaking the
chain. Payloads carry a digest of the row the event wrote; `verify` recomputes those
digests from the tables, so a row edited behind the store's back is named too.

Digests cover a fixed list of fields per table (not "all columns"), so a later migration
that adds a column does not silently change what old entries vouch for.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from ..model import canonical_json
from .schema import (captures, claims, documents, judgements, ledger, secrets, sensitive_names, sources,
                     users)

GENESIS = "0" * 64

# What a row's digest covers. Review state is not here: it changes through its own events.
DIGEST_FIELDS = {
    "claims": ("id", "source_id", "predicate", "subject", "object", "value", "scope", "qualifier", "stance",
               "said_by_name", "said_by_country", "valid_from", "valid_to", "excerpt_start", "excerpt_end",
               "excerpt_text", "excerpt_page", "confidence", "note", "country", "recorded_at", "edited_from"),
    "sources": ("id", "title", "publisher", "url", "published", "kind", "document_id", "recorded_at"),
    "documents": ("id", "media_type", "text", "language", "title", "name", "size", "recorded_at"),
    "captures": ("id", "document_id", "url", "retrieved_at", "recorded_at"),
    "judgements": ("id", "left_id", "right_id", "judgement", "score", "reasons", "judged_by", "judged_at"),
    "users": ("id", "name", "created_by", "created_at"),
    "secrets": ("id", "value", "recorded_at"),
    "sensitive_names": ("id", "name", "aliases", "role", "added_by", "added_at"),
}
# Columns added later that a digest covers only where they hold a value, so that what older
# entries vouch for stays the same (an older claim has no speaker type).
OPTIONAL_DIGEST_FIELDS = {"claims": ("said_by_type",)}
# Fields that change after a row is written, each through events of its own (review, grading).
MUTABLE_FIELDS = {"claims": ("status", "reviewer", "superseded_by", "credibility"),
                  "sources": ("reliability",), "documents": (), "captures": (), "judgements": (),
                  "users": ("role", "active", "password_hash"), "secrets": (),
                  "sensitive_names": ("active",)}
# Mutable fields the ledger holds only a digest of (never a password hash itself).
DIGESTED_FIELDS = {("users", "password_hash")}
REVIEW_FIELDS = MUTABLE_FIELDS["claims"]


def _plain(value):
    """A value as it reads back from any engine (naive UTC datetimes, ISO dates)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row_digest(table: str, row) -> str:
    fields = DIGEST_FIELDS[table]
    values = [_plain(row[f]) for f in fields]
    for f in OPTIONAL_DIGEST_FIELDS.get(table, ()):
        if row.get(f) if isinstance(row, dict) else row[f]:
            values.append([f, _plain(row[f])])
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


def _mutable_value(table: str, name: str, value):
    if (table, name) in DIGESTED_FIELDS and value is not None:
        return hashlib.sha256(str(value).encode()).hexdigest()
    return value


def mutable_state(table: str, row) -> dict:
    return {f: _mutable_value(table, f, row.get(f) if isinstance(row, dict) else row[f])
            for f in MUTABLE_FIELDS[table]}


def review_state(row) -> dict:
    return mutable_state("claims", row)


def entry_hash(seq: int, at: str, event: str, ref: str, payload: str, prev: str) -> str:
    return hashlib.sha256(canonical_json([seq, at, event, ref, payload, prev]).encode()).hexdigest()


def head(conn: Connection) -> dict | None:
    row = conn.execute(select(ledger).order_by(ledger.c.seq.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def append(conn: Connection, events: Iterable[tuple[str, str, dict]]) -> int:
    """Append (event, ref, payload) entries after the current head; the caller holds the write lock."""
    last = head(conn)
    seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
    rows = []
    for event, ref, payload in events:
        seq += 1
        body = canonical_json(payload)
        h = entry_hash(seq, at, event, ref, body, prev)
        rows.append({"seq": seq, "at": at, "event": event, "ref": ref, "payload": body, "prev": prev, "hash": h})
        prev = h
    for i in range(0, len(rows), 1000):
        conn.execute(ledger.insert(), rows[i:i + 1000])
    return len(rows)


def document_event(row, by: str | None = None) -> tuple[str, str, dict]:
    return "document.stored", row["id"], {"row": row_digest("documents", row), "by": by}


def capture_event(row) -> tuple[str, str, dict]:
    return "capture.stored", row["id"], {"row": row_digest("captures", row)}


def source_event(row, by: str | None = None) -> tuple[str, str, dict]:
    return "source.recorded", row["id"], {"row": row_digest("sources", row), **mutable_state("sources", row),
                                           "by": by}


def source_graded_event(source_id: str, reliability: str | None, who: str | None):
    return "source.graded", source_id, {"reliability": reliability, "by": who}


def claim_graded_event(claim_id: str, credibility: int | None, who: str | None):
    return "claim.graded", claim_id, {"credibility": credibility, "by": who}


def claim_event(row, by: str | None = None) -> tuple[str, str, dict]:
    return "claim.recorded", row["id"], {"row": row_digest("claims", row), **review_state(row), "by": by}


def judgement_event(row) -> tuple[str, str, dict]:
    return "entity.judged", str(row["id"]), {"row": row_digest("judgements", row), "by": row.get("judged_by"),
                                             "judgement": row.get("judgement")}


def user_event(row, by: str | None) -> tuple[str, str, dict]:
    return "user.added", str(row["id"]), {"row": row_digest("users", row), **mutable_state("users", row), "by": by}


def user_changed_event(row, change: str, by: str | None) -> tuple[str, str, dict]:
    """A change of role, password or active flag; carries the user's whole mutable state."""
    return "user.changed", str(row["id"]), {**mutable_state("users", row), "change": change, "by": by}


def secret_event(row) -> tuple[str, str, dict]:
    return "secret.created", row["id"], {"row": row_digest("secrets", row)}


def sensitive_event(row, by: str | None) -> tuple[str, str, dict]:
    # the name itself stays out of the ledger (and so out of the audit page): only its digest
    return "sensitive.added", str(row["id"]), {"row": row_digest("sensitive_names", row),
                                               **mutable_state("sensitive_names", row), "by": by}


def sensitive_removed_event(row_id: int, by: str | None) -> tuple[str, str, dict]:
    return "sensitive.removed", str(row_id), {"active": False, "by": by}


def review_event(claim_id: str, status: str, reviewer: str | None, superseded_by: str | None = None):
    return "claim.reviewed", claim_id, {"status": status, "reviewer": reviewer, "superseded_by": superseded_by}
# an event that changes some mutable fields of a row: event -> (table, fields it sets)
_CHANGES = {"claim.reviewed": ("claims", ("status", "reviewer", "superseded_by")),
            "claim.graded": ("claims", ("credibility",)),
            "source.graded": ("sources", ("reliability",)),
            "user.changed": ("users", ("role", "active", "password_hash")),
            "sensitive.removed": ("sensitive_names", ("active",))}


# -- verification ------------------------------------------------------------------------

@dataclass
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _entries(conn: Connection) -> Iterator[dict]:
    result = conn.execution_options(yield_per=5000).execute(select(ledger).order_by(ledger.c.seq))
    for row in result.mappings():
        yield dict(row)


def verify_chain(conn: Connection, expected: dict) -> Iterator[Problem]:
    """Walk the chain; fill `expected` with what the ledger says each row must be."""
    prev, want_seq = GENESIS, 1
    for e in _entries(conn):
        where = f"ledger entry #{e['seq']}"
        if e["seq"] != want_seq:
            yield Problem(f"ledger entry #{want_seq}", f"missing (the next entry is #{e['seq']})")
            return
        if e["prev"] != prev:
            yield Problem(where, "does not follow the entry before it (entries removed or reordered)")
            return
        if entry_hash(e["seq"], e["at"], e["event"], e["ref"], e["payload"], e["prev"]) != e["hash"]:
            yield Problem(where, f"its content does not match its hash ({e['event']} {e['ref'][:12]} was altered)")
            return
        _expect(expected, e)
        prev, want_seq = e["hash"], want_seq + 1


def _expect(expected: dict, e: dict) -> None:
    import json
    payload = json.loads(e["payload"])
    kind = e["event"]
    table = {"document.stored": "documents", "source.recorded": "sources", "claim.recorded": "claims",
             "capture.stored": "captures", "entity.judged": "judgements", "user.added": "users",
             "secret.created": "secrets", "sensitive.added": "sensitive_names"}.get(kind)
    if table:
        expected[table][e["ref"]] = {"seq": e["seq"], "row": payload["row"],
                                     **{f: payload.get(f) for f in MUTABLE_FIELDS[table]}}
    elif kind in _CHANGES:
        table, fields = _CHANGES[kind]
        if e["ref"] in expected[table]:
            expected[table][e["ref"]].update({f: payload.get(f) for f in fields}, change_seq=e["seq"])


def verify(conn: Connection) -> list[Problem]:
    """Every way the store differs from what its ledger vouches for; empty when intact."""
    expected: dict = {"documents": {}, "sources": {}, "claims": {}, "captures": {}, "judgements": {},
                      "users": {}, "secrets": {}, "sensitive_names": {}}
    problems = list(verify_chain(conn, expected))
    if problems:
        return problems
    problems += _verify_table(conn, "documents", documents, expected["documents"])
    problems += _verify_documents_bytes(conn)
    problems += _verify_table(conn, "captures", captures, expected["captures"])
    problems += _verify_captures_bytes(conn)
    problems += _verify_table(conn, "judgements", judgements, expected["judgements"])
    problems += _verify_table(conn, "users", users, expected["users"])
    problems += _verify_table(conn, "secrets", secrets, expected["secrets"])
    problems += _verify_table(conn, "sensitive_names", sensitive_names, expected["sensitive_names"])
    problems += _verify_table(conn, "sources", sources, expected["sources"])
    problems += _verify_table(conn, "claims", claims, expected["claims"])
    return problems


def _verify_table(conn: Connection, name: str, table, expected: dict) -> list[Problem]:
    problems, seen = [], set()
    mutable = MUTABLE_FIELDS[name]
    cols = [table.c[f] for f in DIGEST_FIELDS[name] + OPTIONAL_DIGEST_FIELDS.get(name, ()) + mutable]
    for row in conn.execution_options(yield_per=5000).execute(select(*cols).order_by(table.c.id)).mappings():
        rid = str(row["id"])
        seen.add(rid)
        want = expected.get(rid)
        where = f"{name} row {rid}"
        if want is None:
            problems.append(Problem(where, "has no ledger entry (inserted behind the store's back)"))
        elif row_digest(name, row) != want["row"]:
            problems.append(Problem(where, f"differs from what ledger entry #{want['seq']} recorded"))
        elif mutable_state(name, dict(row)) != {f: want[f] for f in mutable}:
            n = want.get("change_seq", want["seq"])
            problems.append(Problem(where, f"review state {mutable_state(name, dict(row))} differs from ledger entry #{n}"))
    for rid, want in expected.items():
        if rid not in seen:
            problems.append(Problem(f"{name} row {rid}", f"is missing (recorded in ledger entry #{want['seq']})"))
    return problems


def _verify_documents_bytes(conn: Connection) -> list[Problem]:
    problems = []
    for row in conn.execution_options(yield_per=100).execute(select(documents.c.id, documents.c.original)):
        if hashlib.sha256(row.original).hexdigest() != row.id:
            problems.append(Problem(f"documents row {row.id}", "its original bytes do not hash to its id"))
    return problems


def _verify_captures_bytes(conn: Connection) -> list[Problem]:
    return [Problem(f"captures row {row.id}", "its WARC bytes do not hash to its id")
            for row in conn.execution_options(yield_per=100).execute(select(captures.c.id, captures.c.warc))
            if hashlib.sha256(row.warc).hexdigest() != row.id]


def count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(ledger)) or 0
