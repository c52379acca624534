"""Everything that differs between database engines lives here, and only here."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, Text, cast, create_engine, event, func, or_, text
from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"


class NotADatabase(ValueError):
    pass


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def check_sqlite_file(url: str) -> None:
    """Refuse a file that exists but is not SQLite, before SQLite touches it."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    if path.is_dir():
        raise NotADatabase(f"{path} is a directory, not a SQLite database")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head and head != SQLITE_MAGIC:
        raise NotADatabase(f"{path} is not a SQLite database")


def make_engine(url: str) -> Engine:
    check_sqlite_file(url)
    u = make_url(url)
    if u.drivername == "postgresql":
        url = u.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's psycopg2 default
    if u.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No server-side prepared statements: psycopg prepares a query after five runs, and
    # PostgreSQL then keeps the generic plan made when the tables were small (a sequential
    # scan of `claims` for an id lookup, seen at 100,000 claims on a server that does not
    # analyze by itself). Planning each query afresh costs a fraction of a millisecond.
    return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None})


def _sqlite_connect(dbapi_conn, _record) -> None:
    # The driver's own transaction handling is off so that `_sqlite_begin` decides how
    # each transaction starts.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # SQLite's lower() folds ASCII only; searches fold every script as Python does
    dbapi_conn.create_function("sw_fold", 1, _fold, deterministic=True)


def _fold(value):
    return value.casefold() if isinstance(value, str) else value


def _like_any(needle: str) -> str:
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def mentions(engine: Engine, columns: list, json_columns: list, needle: str):
    """A condition: one of `columns` (text) or `json_columns` (JSON, non-ASCII stored
    escaped) contains `needle`, ignoring case."""
    needle = needle.replace("\x00", "")  # PostgreSQL text cannot hold NUL, and no claim does
    if engine.dialect.name == "sqlite":
        fold, folded = func.sw_fold, needle.casefold()
    else:
        fold, folded = func.lower, needle.lower()
    as_json = json.dumps(folded)[1:-1]
    conds = [fold(c).like(_like_any(folded), escape="\\") for c in columns]
    conds += [fold(cast(c, Text)).like(_like_any(v), escape="\\") for c in json_columns
              for v in dict.fromkeys((folded, as_json))]
    return or_(*conds)


def bytewise(engine: Engine, column):
    """`column` compared by code point, whatever the database's default collation (SQLite
    compares text so already; Python's str comparison is the same order)."""
    return column.collate("C") if engine.dialect.name == "postgresql" else column


def _sqlite_begin(conn) -> None:
    # A writer takes the write lock before it reads anything, so what it reads (the
    # ledger head, existing ids) cannot change under it before it commits.
    immediate = conn.get_execution_options().get("stationwatch_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine, *, serialize_now: bool = True) -> Iterator[Connection]:
    """One transaction that writes: serialized against every other writer of the store.

    With `serialize_now=False` (PostgreSQL) the transaction may insert rows before it calls
    `serialize_writers`, which it must do before it reads the ledger head: only the ledger
    append and the commit then wait for other writers. SQLite has one writer anyway: its
    transaction holds the write lock from the start."""
    with engine.connect() as conn:
        conn.execution_options(stationwatch_write=True)
        with conn.begin():
            if serialize_now:
                serialize_writers(conn)
            yield conn


@contextmanager
def one_version(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads, until it closes, all see the store as it was at its first
    read, whatever is committed meanwhile: one transaction at REPEATABLE READ on PostgreSQL;
    on SQLite (WAL) a read transaction is such a snapshot already."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def serialize_writers(conn: Connection) -> None:
    """Wait for other writers until this transaction ends (PostgreSQL; SQLite's write
    transactions are serialized by BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITER_LOCK})


_WRITER_LOCK = 0x5717_0001  # one application-wide lock id: the ledger has one head


def insert_ignoring_duplicates(engine: Engine, table: Table):
    """INSERT that skips rows whose primary key is already there."""
    name = engine.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise NotImplementedError(f"no duplicate-ignoring insert for {name}")
    return insert(table).on_conflict_do_nothing()


def insert_new(conn: Connection, table: Table, row: dict) -> bool:
    """INSERT `row` unless its primary key is already there; whether it was inserted.

    The answer comes from RETURNING, not rowcount: psycopg 3 under SQLAlchemy reports -1 for
    an INSERT ... ON CONFLICT DO NOTHING, which would pass for "inserted"."""
    stmt = insert_ignoring_duplicates(conn.engine, table)
    if conn.dialect.name == "postgresql":
        return conn.execute(stmt.returning(*table.primary_key.columns), row).first() is not None
    return conn.execute(stmt, row).rowcount > 0


# -- full-text search over document text ----------------------------------------------
# SQLite: an FTS5 table with the trigram tokenizer, which needs no word boundaries and so
# finds Chinese and Japanese as readily as English. Queries under three characters fall
# back to a plain substring scan.
# PostgreSQL: a tsvector per document under a GIN index, with Chinese segmented into
# words by jieba first (PostgreSQL's parsers do not split Chinese).

def create_search_index(dialect_name: str) -> list[str]:
    if dialect_name == "sqlite":
        return ["CREATE VIRTUAL TABLE documents_fts USING fts5(doc_id UNINDEXED, text, tokenize='trigram')"]
    if dialect_name == "postgresql":
        return ["CREATE TABLE documents_search (doc_id varchar(64) PRIMARY KEY REFERENCES documents(id), "
                "tsv tsvector NOT NULL)",
                "CREATE INDEX ix_documents_search_tsv ON documents_search USING GIN (tsv)"]
    return []


def drop_search_index(dialect_name: str) -> list[str]:
    if dialect_name == "sqlite":
        return ["DROP TABLE IF EXISTS documents_fts"]
    if dialect_name == "postgresql":
        return ["DROP TABLE IF EXISTS documents_search"]
    return []


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def segmented(text_: str) -> str:
    """Text with its Chinese runs split into words, so a word index can hold them."""
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    return _CJK_RUN.sub(lambda m: " " + " ".join(jieba.lcut(m[0])) + " ", text_)


def search_text(dialect_name: str, text_: str) -> str:
    """What the search index is given of a document's text (see `index_document`)."""
    return segmented(text_) if dialect_name == "postgresql" else text_


def index_document(conn, doc_id: str, text_: str, prepared: str | None = None) -> None:
    """Index a document's text; `prepared` is `search_text` of it, when made beforehand."""
    if prepared is None:
        prepared = search_text(conn.dialect.name, text_)
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO documents_fts(doc_id, text) VALUES (:id, :text)"),
                     {"id": doc_id, "text": prepared})
    elif conn.dialect.name == "postgresql":
        conn.execute(text("INSERT INTO documents_search(doc_id, tsv) VALUES (:id, to_tsvector('simple', :text)) "
                          "ON CONFLICT (doc_id) DO NOTHING"), {"id": doc_id, "text": prepared})


def search_document_ids(conn, query: str, limit: int) -> list[str]:
    """Ids of documents whose text contains `query` (case-insensitive), best matches first."""
    if conn.dialect.name == "sqlite" and len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'  # one literal phrase: no FTS operators
        rows = conn.execute(text("SELECT doc_id FROM documents_fts WHERE documents_fts MATCH :q "
                                 "ORDER BY rank LIMIT :n"), {"q": phrase, "n": limit})
        return [r[0] for r in rows]
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT s.doc_id FROM documents_search s, phraseto_tsquery('simple', :q) q "
            "WHERE s.tsv @@ q AND numnode(q) > 0 ORDER BY ts_rank(s.tsv, q) DESC LIMIT :n"),
            {"q": segmented(query), "n": limit})
        found = [r[0] for r in rows]
        if found:
            return found
        # a query the index cannot hold as words (a fragment of a word, punctuation): scan
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(text("SELECT id FROM documents WHERE lower(text) LIKE lower(:p) ESCAPE '\\' LIMIT :n"),
                        {"p": pattern, "n": limit})
    return [r[0] for r in rows]
