"""The installed `stationwatch` command as a user runs it: errors, help, store safety."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from conftest import write_jsonl
from stationwatch.store import Store
from stationwatch.store.dialect import make_engine
from stationwatch.store.schema import metadata

EXE = Path(sys.executable).with_name("stationwatch")


def run(*args, cwd=None, env=None):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.mark.sqlite_only("a file that is not a SQLite database")
def test_not_a_sqlite_file_is_one_line_and_untouched(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"these are my notes, not a database\n" * 10)
    before = junk.read_bytes()
    r = run("--db", f"sqlite:///{junk}", "tally")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [f"error: {junk} is not a SQLite database"]
    assert junk.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]  # no -wal / -shm left behind


def test_malformed_json_line_via_the_real_command(tmp_path, db):
    f = write_jsonl(tmp_path / "c.jsonl", ['{"predicate": "count.stations", "value": 1}', "{oops"])
    r = run("--db", db, "claims", "import", str(f), "--publisher", "P",
            "--published", "2023")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [f"error: {f}:2: not a JSON object (Expecting property name "
                                             "enclosed in double quotes at column 2)"]
    assert Store(db).counts().get("claims_candidate", 0) == 0


def test_db_from_environment_then_default_file(tmp_path, db):
    f = write_jsonl(tmp_path / "c.jsonl", [{"predicate": "response.protest",
                                           "subject": {"type": "government", "country": "NL"}}])
    r = run("claims", "import", str(f), "--publisher", "P", "--published", "2022-11-01",
            env={"STATIONWATCH_DB": db}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Store(db).counts().get("claims_candidate") == 1 and not (tmp_path / "stationwatch.db").exists()
    env = {k: v for k, v in os.environ.items() if k != "STATIONWATCH_DB"}
    r = subprocess.run([str(EXE), "claims", "list"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and (tmp_path / "stationwatch.db").exists() and "0 claims" in r.stdout


def test_bad_as_of_date(db):
    r = run("--db", db, "tally", "--as-of", "last tuesday")
    assert r.returncode == 2 and "--as-of" in r.stderr and "not a date" in r.stderr


@pytest.mark.parametrize("command", [[], ["claims"], ["claims", "import"], ["review"], ["tally"],
                                     ["explain"], ["stations"]])
def test_every_command_has_help(command):
    r = run(*command, "--help")
    assert r.returncode == 0 and "Usage" in r.stdout and len(r.stdout) > 200


def test_migrations_create_the_declared_schema(db):
    url = db
    Store(url).close()
    Store(url).close()  # a second open is a no-op, not a second migration
    insp = inspect(make_engine(url))
    for table in metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.columns.keys()), table.name
        assert {i["name"] for i in insp.get_indexes(table.name)} == {i.name for i in table.indexes}, table.name
