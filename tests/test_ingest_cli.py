"""`stationwatch ingest` end to end: good and bad files in one command, summary, failures, store safety."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docmaker
from conftest import SEED
from stationwatch.store import Store

EXE = Path(sys.executable).with_name("stationwatch")

GOOD_TEXT = ("Safeguard Defenders said on Monday that 102 overseas police stations operate in 53 countries. "
             "According to the NGO, the stations in Madrid and Barcelona are run by the Qingtian police.\n")


def run(*args):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300)


def test_bad_files_fail_one_line_each_and_the_rest_are_ingested(tmp_path, db):
    files = {
        "report.txt": GOOD_TEXT.encode(),
        "article.html": docmaker.news_article_html(),
        "truncated.pdf": docmaker.truncated_pdf(),
        "bomb.docx": docmaker.zip_bomb_docx(300),
        "junk.html": docmaker.binary_junk(),
        "empty.txt": b"",
        "scripts.html": docmaker.script_only_html(),
        "big.txt": b"x" * (2 * 2**20),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    r = run("--db", db, "ingest", *(str(tmp_path / n) for n in files), "--max-mb", "1", "--published", "2022-12-10")
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    failed = {"truncated.pdf", "bomb.docx", "junk.html", "empty.txt", "scripts.html", "big.txt"}
    assert len(errors) == len(failed), r.stderr
    for name in failed:
        [line] = [e for e in errors if f"{tmp_path / name}:" in e]
        assert len(line) < 300
    assert "2 ingested" in r.stdout and "6 failed" in r.stdout
    store = Store(db)
    names = {Path(d["name"]).name for d in store.documents()}
    assert names == {"report.txt", "article.html"}  # nothing of the failed files
    assert {Path(f["name"]).name for f in store.failures()} == failed
    sources_of_claims = {c["source"]["document"] for c in store.claims()}
    assert sources_of_claims <= {d["id"] for d in store.documents()}
    listed = run("--db", db, "documents", "--failed", "--format", "json")
    assert {Path(f["name"]).name for f in json.loads(listed.stdout)} == failed


def test_same_bytes_twice_is_one_document(tmp_path, db):
    a, b = tmp_path / "a.txt", tmp_path / "copy-of-a.txt"
    a.write_text(GOOD_TEXT, encoding="utf-8")
    b.write_text(GOOD_TEXT, encoding="utf-8")
    r = run("--db", db, "ingest", str(a), str(b), "--published", "2022-12-10")
    assert r.returncode == 0, r.stderr
    assert "1 ingested" in r.stdout and "1 duplicate" in r.stdout
    assert len(Store(db).documents()) == 1


def test_seed_article_ingested_with_candidates_and_offsets(tmp_path, db):
    r = run("--db", db, "ingest", str(SEED), "--publisher", "The New American", "--published", "2022-12-15",
            "--accept-above", "0.8")
    assert r.returncode == 0, r.stderr
    store = Store(db)
    [doc] = store.documents()
    text = store.document(doc["id"])["text"]
    assert text == SEED.read_text(encoding="utf-8")  # plain text is kept as is: offsets point into the file
    claims = store.claims()
    assert len(claims) > 20
    assert all(text[c["excerpt"]["start"]:c["excerpt"]["end"]] == c["excerpt"]["text"] for c in claims)
    statuses = {c["status"] for c in claims}
    assert statuses <= {"candidate", "accepted"}
    accepted = [c for c in claims if c["status"] == "accepted"]
    assert all(c["confidence"] >= 0.8 for c in accepted)
    assert all(c["confidence"] < 0.8 for c in claims if c["status"] == "candidate")


def test_extract_text_format_is_what_offsets_point_into(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(docmaker.news_article_html())
    text = run("extract", str(page), "--format", "text").stdout
    claims = [json.loads(line) for line in run("extract", str(page), "--format", "jsonl").stdout.splitlines()]
    assert text and "<" not in text
    assert all(text[c["excerpt"]["start"]:c["excerpt"]["end"]] == c["excerpt"]["text"] for c in claims)


def test_extract_bad_file_is_one_line(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_bytes(docmaker.binary_junk())
    r = run("extract", str(junk))
    assert r.returncode == 1 and r.stderr.strip().startswith(f"error: {junk}:") and len(r.stderr.strip().splitlines()) == 1


def test_url_ingest_keeps_a_warc_capture(tmp_path, db):
    import http.server
    import threading

    from warcio.archiveiterator import ArchiveIterator
    import io

    page = docmaker.news_article_html()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/news/stations.html"
        r = subprocess.run([str(EXE), "--db", db, "ingest", url], capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in __import__("os").environ.items() if "proxy" not in k.lower()})
        assert r.returncode == 0, r.stderr
    finally:
        server.shutdown()
    store = Store(db)
    [doc] = store.documents()
    [capture] = store.captures(doc["id"])
    assert capture["url"] == url and capture["retrieved_at"]
    records = [(r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode(), r.content_stream().read())
               for r in ArchiveIterator(io.BytesIO(capture["warc"]))]  # a record's body is read while iterating
    assert records == [(url, "200", page)]
    assert page == store.document(doc["id"])["original"]
    assert store.verify() == []
