from __future__ import annotations

import json
import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stationwatch.cli import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "corpus" / "seed-article.txt"
SEED_PUBLISHED = "2022-12-15"

SD = {"name": "Safeguard Defenders", "country": None}
BERLIN = {"name": "German government", "country": "DE"}
BEIJING = {"name": "PRC government", "country": "CN"}


def seed_text() -> str:
    if not SEED.exists():  # fail, not skip: a silent skip would hide every seed-article check
        pytest.fail(f"{SEED} is missing: the shared corpus must sit beside the repository (../shared)")
    return SEED.read_text(encoding="utf-8")


def sentence_with(doc: str, words: str) -> dict:
    """The excerpt of the sentence (or line) of `doc` that contains `words`, with honest offsets."""
    at = doc.index(words)
    start = max(doc.rfind(". ", 0, at) + 2 if doc.rfind(". ", 0, at) >= 0 else 0, doc.rfind("\n", 0, at) + 1)
    end_match = re.compile(r'[.!?]["”]?(?=\s|$)').search(doc, at + len(words))
    end = end_match.end() if end_match else len(doc)
    end = min(end, doc.find("\n", at) if doc.find("\n", at) >= 0 else len(doc))
    return {"start": start, "end": end, "text": doc[start:end]}


def seed_claims(doc: str) -> list[dict]:
    """Claims a careful reader takes from the seed article, with excerpts into it."""
    ex = lambda words: sentence_with(doc, words)
    place = lambda cc, loc: {"type": "place", "country": cc, "locality": loc}
    italy_list = ex("The Italian stations are in Rome")
    milan = ex("pilot' stations in Milan in 2016")
    claims = [
        dict(predicate="count.stations", value=102, said_by=SD, excerpt=ex("102 across 53 countries")),
        dict(predicate="count.countries", value=53, said_by=SD, excerpt=ex("102 across 53 countries")),
        dict(predicate="count.stations", value=54, said_by=SD, valid={"from": "2022-09"},
             excerpt=ex("first uncovered 54 such stations")),
        dict(predicate="count.stations_added", value=48, said_by=SD, excerpt=ex("48 more police stations")),
        dict(predicate="count.stations", value=11, scope={"country": "IT"}, said_by=SD,
             excerpt=ex("Italy hosts 11 Chinese police stations")),
        dict(predicate="count.stations", value=2, scope={"country": "DE"}, said_by=BERLIN,
             excerpt=ex("two unofficial Chinese")),
        dict(predicate="station.location", subject={"type": "station"}, object=place("FR", "Paris"),
             said_by=SD, excerpt=ex("in a Paris suburb")),
        dict(predicate="station.location", subject={"type": "station"}, object=place("SE", "Stockholm"),
             excerpt=ex("overseas station in Stockholm")),
        *[dict(predicate="station.location", subject={"type": "station"}, object=place("IT", loc),
               said_by=SD, excerpt=italy_list)
          for loc in ("Rome", "Milan", "Bolzano", "Venice", "Florence", "Prato", "Sicily")],
        *[dict(predicate="station.operator", subject={"type": "station", "country": "IT", "locality": "Milan"},
               object={"type": "authority", "name": f"{seat} Public Security Bureau", "seat": seat},
               said_by=SD, excerpt=milan) for seat in ("Wenzhou", "Qingtian")],
        *[dict(predicate="station.opened",
               subject={"type": "station", "country": "IT", "locality": "Milan", "operator": seat},
               valid={"from": year}, said_by=SD, excerpt=milan)
          for seat, year in (("Wenzhou", "2016"), ("Qingtian", "2018"))],
        dict(predicate="network.policing_abroad", subject={"type": "network"}, stance="denies",
             said_by=BEIJING, excerpt=ex("does not operate undeclared police forces")),
        dict(predicate="response.investigation", subject={"type": "government", "country": "DE"},
             said_by=BERLIN, excerpt=ex("vigorously pursuing all leads")),
        dict(predicate="response.protest", subject={"type": "government", "country": "DE"},
             excerpt=ex("note of protest")),
        dict(predicate="response.no_action", subject={"type": "government", "country": "IT"}, said_by=SD,
             excerpt=ex("has not yet publicly announced an investigation")),
    ]
    return claims


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in records), encoding="utf-8")
    return path


# -- the store under test: a fresh SQLite file, or a fresh PostgreSQL database -------------
# STATIONWATCH_TEST_DB=postgresql://postgres@127.0.0.1:5432/test runs the suite on PostgreSQL:
# every store is a database of its own (CREATE DATABASE sw_<uuid>, cloned from a migrated
# template; dropped afterwards). With STATIONWATCH_REQUIRE_PG=1 (as .ci/run sets) a test that
# cannot reach PostgreSQL fails instead of skipping.
TEST_DB = os.environ.get("STATIONWATCH_TEST_DB", "").strip()
ON_PG = TEST_DB.startswith("postgresql")
REQUIRE_PG = os.environ.get("STATIONWATCH_REQUIRE_PG") == "1"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): inherently about SQLite; skipped on the PostgreSQL run")
    config.addinivalue_line("markers", "pg_only: needs PostgreSQL; runs on the PostgreSQL run")


def pytest_collection_modifyitems(config, items):
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if ON_PG and mark:
            why = mark.args[0] if mark.args else mark.kwargs.get("reason", "SQLite-specific")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))
        if not ON_PG and item.get_closest_marker("pg_only") and not REQUIRE_PG:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only: runs with STATIONWATCH_TEST_DB=" + PG_DEFAULT))


class _Postgres:
    """Creates and drops the test databases through one autocommit admin connection."""

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url
        u = make_url(url)
        self.base = u.set(drivername="postgresql")
        self.admin_dsn = self.base.set(database="postgres").render_as_string(hide_password=False)
        self._conn = None
        self.template: str | None = None

    def conn(self):
        if self._conn is None or self._conn.closed:
            import psycopg
            try:
                self._conn = psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=5)
            except psycopg.OperationalError as e:
                message = f"cannot reach PostgreSQL at {self.admin_dsn}: {str(e).strip()}"
                if REQUIRE_PG:
                    pytest.fail(message + " (STATIONWATCH_REQUIRE_PG=1)")
                pytest.skip(message)
        return self._conn

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        if self.template is None:  # a migrated store once; every test store is a copy of it
            from stationwatch.store import Store
            name = f"sw_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.conn().execute(f'CREATE DATABASE "{name}"')
            Store(self.url(name)).close()
            self.template = name
        name = f"sw_{uuid.uuid4().hex}"
        self.conn().execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url
        self.conn().execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


_pg: _Postgres | None = None
_session_dbs: list[str] = []


def postgres() -> _Postgres:
    global _pg
    if _pg is None:
        _pg = _Postgres(TEST_DB if ON_PG else PG_DEFAULT)
    return _pg


def new_db_url(folder: Path, name: str = "store") -> str:
    """A fresh, empty store's URL on the backend under test; dropped at the end of the session.
    (The `db` fixture is the same, dropped at the end of its test.)"""
    if not ON_PG:
        return f"sqlite:///{folder / (name + '.db')}"
    url = postgres().create()
    _session_dbs.append(url)
    return url


@contextmanager
def temporary_db(folder: Path):
    """A fresh store's URL for the length of a `with` block (many stores in one test)."""
    if not ON_PG:
        yield f"sqlite:///{folder / 'store.db'}"
        return
    url = postgres().create()
    try:
        yield url
    finally:
        postgres().drop(url)


def pytest_sessionfinish(session, exitstatus):
    if _pg is not None:
        for url in _session_dbs + ([_pg.url(_pg.template)] if _pg.template else []):
            try:
                _pg.drop(url)
            except Exception:
                pass


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL store's URL, whatever the backend under test (PostgreSQL-only tests)."""
    url = postgres().create()
    yield url
    postgres().drop(url)


@pytest.fixture
def db(tmp_path) -> str:
    if not ON_PG:
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = postgres().create()
    yield url
    postgres().drop(url)


def cli_on(db_url: str):
    """A function running the CLI in-process against one store; it returns (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, ["--db", db_url, *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def cli(db):
    """Run the CLI in-process against the test's own store."""
    return cli_on(db)


@pytest.fixture
def seed_store(tmp_path, cli):
    """A store holding the seed article and the accepted claims read from it."""
    doc = seed_text()
    claims_file = write_jsonl(tmp_path / "seed.jsonl", seed_claims(doc))
    code, out, err = cli("claims", "import", str(claims_file), "--document", str(SEED),
                         "--title", "Report: CCP Operating More Than 100 Illegal Police Stations Globally",
                         "--publisher", "The New American", "--published", SEED_PUBLISHED, "--accept")
    assert code == 0, err
    return cli
