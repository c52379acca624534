from __future__ import annotations

import json
import re
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


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def cli(db):
    """Run the CLI in-process against the test's own store; returns (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, ["--db", db, *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


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
