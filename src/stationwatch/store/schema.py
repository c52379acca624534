"""Tables of the store. Migrations in ../migrations create exactly these."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, String, Table, Text)

metadata = MetaData()

documents = Table(
    "documents", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the original bytes
    Column("media_type", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(8)),
    Column("title", Text),
    Column("name", Text),  # file name or URL it came from
    Column("size", Integer, nullable=False),
    Column("original", LargeBinary, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("author", Text),
    Column("published", String(10)),  # the date the document itself states
    Column("reader", String(40)),  # which reader turned the bytes into text
    Column("pages", JSON),  # [[start, end, page number], ...] offsets into `text`
    Column("fetched", JSON),  # for a URL: where, when, HTTP status and headers
)

ingest_failures = Table(
    "ingest_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),  # file path or URL
    Column("error", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_ingest_failures_name", "name"),
)

sources = Table(
    "sources", metadata,
    Column("id", String(32), primary_key=True),
    Column("title", Text),
    Column("publisher", Text),
    Column("url", Text),
    Column("published", String(10)),  # partial date as written
    Column("published_start", Date),  # first day of `published`, for knowledge-time queries
    Column("kind", String(40)),
    Column("document_id", String(64), ForeignKey("documents.id")),
    Column("reliability", String(1)),  # Admiralty A-F; changed by grading events
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_sources_document", "document_id"),
)

entities = Table(
    "entities", metadata,
    Column("id", String(32), primary_key=True),
    Column("type", String(20), nullable=False),
    Column("country", String(2)),
    Column("locality", Text),
    Column("operator", Text),
    Column("name", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_entities_type_country", "type", "country"),
)

claims = Table(
    "claims", metadata,
    Column("id", String(32), primary_key=True),
    Column("source_id", String(32), ForeignKey("sources.id"), nullable=False),
    Column("published_start", Date),  # the source's, for the store order (index ix_claims_order, migration 0011)
    Column("predicate", String(60), nullable=False),
    Column("subject", JSON),
    Column("object", JSON),
    Column("value", JSON),
    Column("scope", JSON),
    Column("qualifier", String(20)),
    Column("stance", String(10), nullable=False),
    Column("said_by_name", Text),
    Column("said_by_country", String(2)),
    Column("valid_from", String(10)),
    Column("valid_to", String(10)),
    Column("excerpt_start", Integer),
    Column("excerpt_end", Integer),
    Column("excerpt_text", Text),
    Column("excerpt_page", Integer),
    Column("confidence", Float),
    Column("note", Text),
    # The country a claim is about (place, government or count scope), for filtering.
    Column("country", String(2)),
    Column("status", String(10), nullable=False),
    Column("reviewer", Text),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("edited_from", String(32)),  # a reviewer's edit is a new claim; this is the original
    Column("superseded_by", String(32)),  # on the original: the edit that replaced it
    Column("credibility", Integer),  # Admiralty 1-6; changed by grading events
    Column("said_by_type", String(20)),  # "person" where the speaker is one; else null
    Index("ix_claims_status_predicate", "status", "predicate"),
    Index("ix_claims_source", "source_id"),
    Index("ix_claims_status_confidence", "status", "confidence", "id"),
    Index("ix_claims_country_status", "country", "status", "predicate"),
    # the store order (store._claim_order); on PostgreSQL migration 0011 makes its text
    # columns COLLATE "C", as that ORDER BY compares them
    Index("ix_claims_order", "status", "published_start", "source_id", "excerpt_start", "predicate", "id"),
)

ledger = Table(
    "ledger", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),  # ISO UTC, kept as text so its hash never drifts
    Column("event", String(40), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON, hashed as written
    Column("prev", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_ledger_ref", "ref"),
)

captures = Table(
    "captures", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the WARC bytes
    Column("document_id", String(64), ForeignKey("documents.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("retrieved_at", String(40), nullable=False),
    Column("warc", LargeBinary, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_captures_document", "document_id"),
)

judgements = Table(
    "judgements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(64), nullable=False),  # the pair is stored in sorted order
    Column("right_id", String(64), nullable=False),
    Column("judgement", String(10), nullable=False),  # same | different | unsure
    Column("score", Float),  # the resolver's score when it was judged
    Column("reasons", JSON),
    Column("judged_by", Text),  # a person, or "auto:0.93" for --auto-above
    Column("judged_at", DateTime(timezone=True), nullable=False),
    Index("ix_judgements_pair", "left_id", "right_id"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),  # unique (case-insensitively), checked under the write lock
    Column("role", String(10), nullable=False),  # viewer | editor | admin; changed by events
    Column("password_hash", Text, nullable=False),  # argon2id; the ledger holds only its digest
    Column("active", Boolean, nullable=False),  # False: disabled (users are never deleted)
    Column("created_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

secrets = Table(
    "secrets", metadata,
    Column("id", String(40), primary_key=True),  # "session": the key that signs session cookies
    Column("value", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

sensitive_names = Table(
    "sensitive_names", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),  # a person to protect: redacted wherever the record is public
    Column("aliases", JSON),  # other spellings and scripts
    Column("role", String(10), nullable=False),  # target | relative | witness | other
    Column("active", Boolean, nullable=False),  # False: no longer redacted (removed by an editor)
    Column("added_by", Text),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
