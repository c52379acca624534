"""`stationwatch report`: the briefing renders, and every figure's note resolves to stored claims."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import SEED, write_jsonl
from stationwatch import query
from stationwatch.store import Store, StoreError
from test_export import EXAMPLES, PERSON_NAME, person_claims

AS_OF = "2022-12-31"
CLAIM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


@pytest.fixture
def report_store(tmp_path, seed_store, db):
    """The seed article's claims (with a stored document), the examples, and claims about a person."""
    cli = seed_store
    code, _, err = cli("claims", "import", str(EXAMPLES), "--accept")
    assert code == 0, err
    people = write_jsonl(tmp_path / "people.jsonl", person_claims())
    code, _, err = cli("claims", "import", str(people), "--accept")
    assert code == 0, err
    return cli


def pdf_text(path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    import pypdfium2
    pdf = pypdfium2.PdfDocument(str(path))
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def section(text: str, start: str, end: str | None) -> str:
    at = text.index(start)
    stop = text.index(end, at) if end else len(text)
    return text[at:stop]


def notes_of(text: str) -> dict[int, str]:
    """Note number -> its text, from the Notes section (the last one in the document)."""
    body = text[text.rindex("\nNotes\n"):]
    parts = re.split(r"(?m)^\s*\[(\d+)\]\s", body)
    return {int(n): chunk for n, chunk in zip(parts[1::2], parts[2::2])}


def test_pdf_report_renders_and_every_figure_has_a_note_that_resolves(report_store, tmp_path, db):
    out = tmp_path / "briefing.pdf"
    code, _, err = report_store("report", "--as-of", AS_OF, "--format", "pdf", "-o", str(out))
    assert code == 0, err
    assert out.read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob("*.part"))

    # it renders: first page to PNG, and the page is not blank
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed: make system-deps installs it"
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(out), str(tmp_path / "page")],
                   check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    assert image.width > 200 and image.height > 300
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.05  # the dark cover band, text and map

    text = pdf_text(out)
    store = Store(db)
    notes = notes_of(text)
    assert notes and sorted(notes) == list(range(1, len(notes) + 1))

    # every marker among the headline figures resolves to a note listing stored, accepted claims
    key = section(text, "Key figures", "Where the documented stations are")
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", key)]
    assert len(markers) >= 5  # documented, reported stations and countries, closed, responses, denial
    for n in markers:
        ids = CLAIM_ID.findall(notes[n])
        assert ids, f"note [{n}] lists no claim ids"
        for cid in ids:
            assert store.claim(cid)["status"] == "accepted"

    # every marker anywhere in the body resolves too, and every note's ids are claims
    body = text[:text.rindex("\nNotes\n")]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", body)} == set(notes)
    for n, chunk in notes.items():
        for cid in CLAIM_ID.findall(chunk):
            try:
                store.claim(cid)
            except StoreError:
                pytest.fail(f"note [{n}] cites {cid}, which is not a stored claim")

    # the documented figure is the tally's, and its note lists exactly those stations' claims
    tally = query.tally(store, as_of=dt.date.fromisoformat(AS_OF))
    documented = tally["documented"]["stations"]
    first = re.search(r"(\d+)\s*\[(\d+)\]", key)  # the first figure is the documented one
    assert "STATIONS DOCUMENTED" in key and first and int(first.group(1)) == documented
    station_claims = {i for st in tally["documented"]["station_list"] for i in st["claim_ids"]
                      if query.claim_start(store.claim(i)) <= dt.date.fromisoformat(AS_OF)}
    assert set(CLAIM_ID.findall(notes[int(first.group(2))])) == station_claims
    assert re.search(r"102\s*\[\d+\]", key) and "STATIONS REPORTED" in key

    # footnotes give the source: title, publisher, date, URL, and the stored document's hash
    seed_hash = hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert seed_hash in text.replace("\n", "")
    assert "The New American" in notes[markers[0]] or "liveactioneating" in notes[markers[0]]
    assert "https://" in notes[markers[0]]

    # sections of a briefing
    for heading in ("Key figures", "By country", "What governments did", "Methodology", "Sources", "Notes"):
        assert heading in text
    assert "Figure 1." in text and "Natural Earth" in text

    # claims about a person never reach the report
    assert PERSON_NAME not in text


def test_html_report_has_svg_charts_and_linked_notes(report_store, tmp_path):
    out = tmp_path / "briefing.html"
    code, _, err = report_store("report", "--as-of", AS_OF, "--known-at", "2022-12-15", "--format", "html",
                                "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert html.count("data:image/svg+xml;base64,") >= 3
    refs = set(re.findall(r'href="#note-(\d+)"', html))
    anchors = set(re.findall(r'id="note-(\d+)"', html))
    assert refs and refs == anchors
    assert "as it stood on 15 December 2022" in html
    assert PERSON_NAME not in html


def test_report_errors_are_one_line(report_store, tmp_path):
    target = tmp_path / "missing" / "r.pdf"
    code, _, err = report_store("report", "--as-of", AS_OF, "-o", str(target))
    assert code == 1 and err.strip().splitlines() == [f"error: cannot write {target}: No such file or directory"]
    code, _, err = report_store("report", "--as-of", "1999-01-01", "--known-at", "1999-01-01",
                                "-o", str(tmp_path / "r.pdf"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "nothing to report" in err
    assert not (tmp_path / "r.pdf").exists()
