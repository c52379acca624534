"""The evidence ledger: tampering with rows or entries behind the store's back is named by `verify`."""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager

import pytest

from conftest import SEED, seed_claims, seed_text, write_jsonl
from stationwatch.store.dialect import sqlite_path


@pytest.fixture
def store_file(tmp_path, cli, db):
    """The store's URL; the tampering below goes around the store, with the raw driver of its
    engine (sqlite3, or psycopg on PostgreSQL), so detection is checked on both."""
    claims = write_jsonl(tmp_path / "seed.jsonl", seed_claims(seed_text()))
    code, _, err = cli("claims", "import", str(claims), "--document", str(SEED), "--publisher", "TNA",
                       "--published", "2022-12-15")
    assert code == 0, err
    return db


@contextmanager
def raw(url):
    """A plain DB-API connection to the store behind its back; commits on leaving."""
    path = sqlite_path(url)
    if path is not None:
        with sqlite3.connect(path) as conn:
            yield conn
        return
    import psycopg

    class Conn:  # sqlite3's `?` placeholders and json-as-text comparisons, on psycopg
        def __init__(self, c):
            self.c = c

        def execute(self, statement, args=()):
            statement = statement.replace("?", "%s").replace("value='102'", "value::text='102'")
            return self.c.execute(statement, args)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        yield Conn(conn)


def sql(url, statement, *args):
    with raw(url) as conn:
        conn.execute(statement, args)


def one(url, statement):
    with raw(url) as conn:
        return conn.execute(statement).fetchone()


def columns(conn, table):
    if isinstance(conn, sqlite3.Connection):
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    return [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name=? "
                                       "ORDER BY ordinal_position", (table,))]


def test_clean_store_verifies_after_imports_reviews_and_edits(store_file, cli):
    cid = one(store_file, "SELECT id FROM claims ORDER BY id LIMIT 1")[0]
    assert cli("review", "accept", cid)[0] == 0
    code, out, _ = cli("verify")
    assert code == 0 and out.startswith("ok:")


def test_edited_claim_row_is_named(store_file, cli):
    cid = one(store_file, "SELECT id FROM claims WHERE predicate='count.stations' AND value='102'")[0]
    sql(store_file, "UPDATE claims SET value='103' WHERE id=?", cid)
    code, _, err = cli("verify")
    assert code == 1 and f"claims row {cid}" in err and "differs from what ledger entry" in err


def test_status_changed_behind_the_store_is_named(store_file, cli):
    cid = one(store_file, "SELECT id FROM claims ORDER BY id LIMIT 1")[0]
    sql(store_file, "UPDATE claims SET status='accepted' WHERE id=?", cid)
    code, _, err = cli("verify")
    assert code == 1 and f"claims row {cid}" in err and "review state" in err


def test_deleted_claim_row_is_named(store_file, cli):
    cid = one(store_file, "SELECT id FROM claims ORDER BY id LIMIT 1")[0]
    sql(store_file, "DELETE FROM claims WHERE id=?", cid)
    code, _, err = cli("verify")
    assert code == 1 and f"claims row {cid}: is missing" in err


def test_deleted_ledger_entry_is_named(store_file, cli):
    sql(store_file, "DELETE FROM ledger WHERE seq=5")
    code, _, err = cli("verify")
    assert code == 1 and "ledger entry #5: missing" in err


def test_reordered_ledger_entries_are_caught(store_file, cli):
    with raw(store_file) as conn:  # swap the contents of entries 3 and 4, keeping their numbers
        r3 = conn.execute("SELECT at, event, ref, payload, prev, hash FROM ledger WHERE seq=3").fetchone()
        r4 = conn.execute("SELECT at, event, ref, payload, prev, hash FROM ledger WHERE seq=4").fetchone()
        for seq, r in ((3, r4), (4, r3)):
            conn.execute("UPDATE ledger SET at=?, event=?, ref=?, payload=?, prev=?, hash=? WHERE seq=?", (*r, seq))
    code, _, err = cli("verify")
    assert code == 1 and "ledger entry #3" in err


def test_rewritten_ledger_entry_is_caught(store_file, cli):
    sql(store_file, "UPDATE ledger SET payload=replace(payload, 'candidate', 'accepted') WHERE seq=10")
    code, _, err = cli("verify")
    assert code == 1 and "ledger entry #10" in err and "does not match its hash" in err


def test_inserted_claim_row_is_caught(store_file, cli):
    with raw(store_file) as conn:
        cols = columns(conn, "claims")
        copied = ", ".join("'" + "f" * 32 + "'" if c == "id" else c for c in cols)
        conn.execute(f"INSERT INTO claims ({', '.join(cols)}) SELECT {copied} FROM claims LIMIT 1")
    code, _, err = cli("verify")
    assert code == 1 and f"claims row {'f' * 32}: has no ledger entry" in err


def test_altered_document_bytes_and_text_are_caught(store_file, cli):
    doc = one(store_file, "SELECT id FROM documents")[0]
    sql(store_file, "UPDATE documents SET original=? WHERE id=?", b"something else", doc)
    code, _, err = cli("verify")
    assert code == 1 and f"documents row {doc}: its original bytes do not hash to its id" in err
    sql(store_file, "UPDATE documents SET text=replace(text, '102', '120')")
    assert "differs from what ledger entry" in cli("verify")[2]


def test_signed_head_checks_with_the_public_key(store_file, cli, tmp_path):
    priv, pub = tmp_path / "k.pem", tmp_path / "k.pub"
    assert cli("ledger", "keygen", str(priv), str(pub))[0] == 0
    code, out, _ = cli("ledger", "head", "--sign", str(priv))
    head = tmp_path / "head.json"
    head.write_text(out)
    assert code == 0 and {"seq", "hash", "signature", "public_key"} <= set(json.loads(out))
    code, out, err = cli("ledger", "check", str(head), "--public-key", str(pub))
    assert code == 0, err
    forged = dict(json.loads(out := head.read_text()), hash="0" * 64)
    head.write_text(json.dumps(forged))
    code, _, err = cli("ledger", "check", str(head), "--public-key", str(pub))
    assert code == 1 and "signature does not match" in err
    other_priv, other_pub = tmp_path / "o.pem", tmp_path / "o.pub"
    cli("ledger", "keygen", str(other_priv), str(other_pub))
    head.write_text(out)
    code, _, err = cli("ledger", "check", str(head), "--public-key", str(other_pub))
    assert code == 1 and "signature does not match" in err


def test_judgements_are_ledgered(db):
    from stationwatch.store import Store
    path = db
    store = Store(db)
    store.judge("sta_b", "sta_a", "same", by="ana", score=0.8, reasons=["same city"])
    store.judge("sta_a", "sta_b", "different", by="bo")
    assert [j["judgement"] for j in store.judgements()] == ["different"]  # the latest is in force
    assert len(store.judgements(latest=False)) == 2 and store.verify() == []
    sql(path, "UPDATE judgements SET judgement='same' WHERE id=2")
    assert [str(p) for p in store.verify()] == ["judgements row 2: differs from what ledger entry #2 recorded"]


def test_a_whole_number_confidence_is_recorded_as_the_store_keeps_it(db):
    """The ledger records a claim's row as the store will give it back: a confidence of 1
    or 0 (JSON integers) is the float the column holds, so the store still verifies."""
    from stationwatch.store import Store
    store = Store(db)
    records = [{"predicate": "cooperation.agreement", "confidence": 0},
               {"predicate": "network.policing_abroad", "stance": "denies", "confidence": 1}]
    store.import_claims(enumerate(records, 1), origin="whole", source={"publisher": "P", "published": "2022"})
    assert store.verify() == []
    assert sorted((c["confidence"], type(c["confidence"])) for c in store.claims()) == [(0.0, float), (1.0, float)]
