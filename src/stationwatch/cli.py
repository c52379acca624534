"""`stationwatch`: the command line over the library. Thin: parse, call, print."""
from __future__ import annotations

import datetime as dt
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from . import dates, query
from .model import PREDICATES, REVIEW_STATUSES, country_name
from .store import Document, LineError, Store, StoreError, default_url

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print one `error: ...` line on stderr; raise what this returns to exit with status 1."""
    err.print("[bold red]error:[/] " + escape(message), highlight=False)
    return typer.Exit(1)


class Group(TyperGroup):
    """Turns the library's user-facing errors into one line and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (StoreError, dates.BadDate) as e:
            raise fail(str(e)) from None


def new_app(help: str) -> typer.Typer:
    return typer.Typer(cls=Group, help=help, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode="markdown")


app = new_app(
    "Document the overseas police station network claim by claim.\n\n"
    "Every figure is computed from **claims**: one statement, by one speaker, in one "
    "source, with the exact excerpt. Import claims, review them, then ask for a tally as "
    "known on any date and explain every number down to the sentence.\n\n"
    "Example: `stationwatch claims import examples/claims.jsonl --accept && "
    "stationwatch tally --as-of 2022-12-31`")
claims_app = new_app("Import, list and export claims (JSONL interchange format of the spec).")
review_app = new_app("Accept or reject candidate claims; only accepted claims count in figures.")
app.add_typer(claims_app, name="claims")
app.add_typer(review_app, name="review")


class State:
    db: str = default_url()

    @classmethod
    def store(cls) -> Store:
        return Store(cls.db)


@app.callback()
def _global(db: Annotated[Optional[str], typer.Option(
        "--db", help="Database URL (SQLite file or PostgreSQL). Default: $STATIONWATCH_DB, "
                     "else sqlite:///stationwatch.db in the working directory.",
        show_default=False)] = None):
    State.db = db or default_url()


class Fmt(str, Enum):
    table = "table"
    json = "json"


class ClaimFmt(str, Enum):
    table = "table"
    jsonl = "jsonl"


class By(str, Enum):
    country = "country"
    operator = "operator"


def day(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dates.as_day(value)
    except dates.BadDate as e:
        raise typer.BadParameter(str(e), param_hint=option) from None


AsOf = Annotated[Optional[str], typer.Option("--as-of", metavar="DATE",
                 help="Valid time: the situation in the world on DATE (2022, 2022-10, 2022-10-01). Default: today.")]
KnownAt = Annotated[Optional[str], typer.Option("--known-at", metavar="DATE",
                    help="Knowledge time: only sources published on or before DATE.")]
MinReliability = Annotated[Optional[str], typer.Option(
    "--min-reliability", metavar="A-F", help="Only sources graded this reliable or better (A best; ungraded = F).")]
MaxCredibility = Annotated[Optional[int], typer.Option(
    "--max-credibility", metavar="1-6", min=1, max=6, help="Only claims graded this credible or better (1 best; ungraded = 6).")]


def grades(min_reliability: Optional[str], max_credibility: Optional[int]) -> "query.Grades":
    if min_reliability and min_reliability.upper() not in "ABCDEF":
        raise typer.BadParameter(f"{min_reliability!r} is not a grade A-F", param_hint="--min-reliability")
    return query.Grades(min_reliability.upper() if min_reliability else None, max_credibility)


# -- claims ---------------------------------------------------------------------------

def read_jsonl(path: Path):
    """(line number, parsed object) for each non-blank line; a bad line stops everything."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise StoreError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as e:
                raise LineError(str(path), n, f"not a JSON object ({e.msg} at column {e.colno})") from None


def load_document(path: Path) -> Document:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoreError(f"{path}: --document must be the UTF-8 plain text the excerpts point into") from None
    return Document(original=data, text=text, name=str(path))


ExistingFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


@claims_app.command("import")
def claims_import(
    file: ExistingFile,
    document: Annotated[Optional[Path], typer.Option(
        exists=True, dir_okay=False, help="Plain-text document the excerpts' offsets point into.")] = None,
    title: Annotated[Optional[str], typer.Option(help="Source title (for lines without their own `source`).")] = None,
    publisher: Annotated[Optional[str], typer.Option(help="Source publisher.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Source publication date (2022-12-15, 2022-12).")] = None,
    url: Annotated[Optional[str], typer.Option(help="Source URL.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="Source kind: news, ngo_report, government, ...")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Mark imported candidates accepted.")] = False,
    reviewer: Annotated[Optional[str], typer.Option(help="Name recorded as reviewer with --accept.")] = None,
):
    """Import a JSONL claims file: every line is validated, then all are written or none.

    Lines may carry their own `source` object; the options give the source for lines that
    don't. Importing the same claim twice keeps one (ids are content hashes).
    """
    source = {"title": title, "publisher": publisher, "published": published, "url": url, "kind": kind}
    store = State.store()
    doc = load_document(document) if document else None
    summary = store.import_claims(read_jsonl(file), origin=str(file), source=source,
                                  document=doc, accept=accept, reviewer=reviewer)
    status = "accepted" if accept else "candidate"
    out.print(f"{file}: {summary.added} claims imported ({status}), {summary.duplicates} already present.")


@claims_app.command("list")
def claims_list(
    status: Annotated[Optional[str], typer.Option(help=f"One of: {', '.join(REVIEW_STATUSES)}.")] = None,
    predicate: Annotated[Optional[str], typer.Option(help="e.g. count.stations, station.location.")] = None,
    country: Annotated[Optional[str], typer.Option(help="ISO 3166-1 alpha-2 code the claim is about.")] = None,
    format: Annotated[ClaimFmt, typer.Option("--format", help="table or jsonl.")] = ClaimFmt.table,
):
    """List stored claims, filtered by review status, predicate or country."""
    if status and status not in REVIEW_STATUSES:
        raise typer.BadParameter(f"{status!r} is not one of {', '.join(REVIEW_STATUSES)}", param_hint="--status")
    if predicate and predicate not in PREDICATES:
        raise typer.BadParameter(f"unknown predicate {predicate!r}", param_hint="--predicate")
    rows = State.store().claims(status=status, predicate=predicate, country=country)
    if format is ClaimFmt.jsonl:
        for c in rows:
            print(json.dumps(c, ensure_ascii=False))
        return
    table = Table("id", "status", "predicate", "about", "value", "stance", "said by", "source", "published")
    for c in rows:
        table.add_row(c["id"][:10], c["status"], c["predicate"], describe_about(c), fmt_value(c),
                      c["stance"], c["said_by"]["name"] or "", source_label(c), c["source"]["published"])
    out.print(table)
    out.print(f"{len(rows)} claims")


@claims_app.command("export")
def claims_export(
    format: Annotated[ClaimFmt, typer.Option("--format", help="jsonl (the interchange format).")] = ClaimFmt.jsonl,
    status: Annotated[Optional[str], typer.Option(help="Only claims with this review status.")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
):
    """Export claims as JSONL, with ids, review status and sources; `claims import` reads it back."""
    if format is not ClaimFmt.jsonl:
        raise typer.BadParameter("export writes jsonl", param_hint="--format")
    from .export import write_pieces
    lines = (json.dumps(c, ensure_ascii=False) + "\n" for c in State.store().iter_claims(status=status))
    n = write_pieces(output, lines, sys.stdout)
    if output:
        err.print(f"{n} claims written to {output}")


# -- review ---------------------------------------------------------------------------

Ids = Annotated[list[str], typer.Argument(help="Claim ids (or unambiguous prefixes of 6+ characters).")]
Reviewer = Annotated[Optional[str], typer.Option(help="Who decides (recorded with the decision).")]


@review_app.command("accept")
def review_accept(ids: Ids, reviewer: Reviewer = None):
    """Accept claims: they count in tallies and document stations."""
    done = State.store().review(ids, "accepted", reviewer)
    out.print(f"accepted {len(done)} claims")


@review_app.command("reject")
def review_reject(ids: Ids, reviewer: Reviewer = None):
    """Reject claims: they stay stored, and count nowhere."""
    done = State.store().review(ids, "rejected", reviewer)
    out.print(f"rejected {len(done)} claims")


# -- stations, tally, explain ----------------------------------------------------------

@app.command("stations")
def stations_cmd(
    country: Annotated[Optional[str], typer.Option(help="ISO 3166-1 alpha-2 code.")] = None,
    as_of: AsOf = None, known_at: KnownAt = None,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    min_reliability: MinReliability = None, max_credibility: MaxCredibility = None,
):
    """Documented stations (from accepted claims), each with the claims that document it."""
    rows = query.station_list(State.store(), country=country, as_of=day(as_of, "--as-of"),
                              known_at=day(known_at, "--known-at"), grades=grades(min_reliability, max_credibility))
    if format is Fmt.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for st in rows:
        flags = [st["status"]] + (["[yellow]contested[/]"] if st["contested"] else [])
        out.print(f"[bold]{st['label']}[/]  {' '.join(flags)}  [dim]{st['id']}[/]")
        for c in st["claims"]:
            out.print(f"   {c['id'][:10]}  {c['predicate']:<18} {fmt_value(c):<24} {source_label(c)} ({c['source']['published']})",
                      highlight=False)
    out.print(f"{len(rows)} stations")


@app.command("tally")
def tally_cmd(
    as_of: AsOf = None, known_at: KnownAt = None,
    by: Annotated[By, typer.Option("--by", help="Break documented stations down by country or operator.")] = By.country,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    history: Annotated[bool, typer.Option("--history", help="Also show reported figures that later ones superseded.")] = False,
    min_reliability: MinReliability = None, max_credibility: MaxCredibility = None,
):
    """Documented stations and reported figures, never mixed, as of a date.

    **documented**: stations this store holds as distinct entities (accepted claims).
    **reported**: what speakers said (count.* claims), the figure in effect per speaker and scope.
    """
    result = query.tally(State.store(), as_of=day(as_of, "--as-of"), known_at=day(known_at, "--known-at"),
                         history=history, grades=grades(min_reliability, max_credibility))
    if format is Fmt.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print_tally(result, by)


def print_tally(result: dict, by: By) -> None:
    doc = result["documented"]
    known = f", known at {result['known_at']}" if result["known_at"] else ""
    out.print(f"[bold]As of {result['as_of']}{known}[/]")
    out.print(f"Documented here: [bold]{doc['stations']}[/] stations in [bold]{doc['countries']}[/] countries"
              + (f" ({len(doc['contested'])} contested)" if doc["contested"] else ""))
    table = Table(by.value, "documented", title="Documented stations")
    if by is By.country:
        for cc, n in doc["by_country"].items():
            table.add_row(f"{cc} {country_name(cc)}", str(n))
    else:
        for op, n in doc["by_operator"].items():
            table.add_row(op, str(n))
    out.print(table)
    rep = Table("count", "scope", "figure", "said by", "sources", "since", "claims",
                title="Reported by speakers (--history adds superseded figures)")
    superseded = result.get("history", [])
    for f in result["reported"] + superseded:
        rep.add_row(f["predicate"].removeprefix("count.") + (" [dim](superseded)[/]" if f in superseded else ""),
                    fmt_scope(f["scope"]), fmt_figure(f), f["said_by"], "; ".join(f["sources"]),
                    f["valid_from"] or f["published"], str(len(f["claim_ids"])))
    out.print(rep)
    if result["contested_network"]:
        n = len(result["contested_network"])
        out.print(f"[yellow]Contested:[/] {n} claim{'s deny' if n > 1 else ' denies'} policing abroad "
                  f"({', '.join(i[:10] for i in result['contested_network'])}); see `stationwatch explain --claim ID`.")


@app.command("explain")
def explain_cmd(
    country: Annotated[Optional[str], typer.Option(help="Explain every figure about this country.")] = None,
    claim: Annotated[Optional[str], typer.Option(help="Print one claim (id or prefix) with its excerpt.")] = None,
    as_of: AsOf = None, known_at: KnownAt = None,
    format: Annotated[Fmt, typer.Option("--format", help="table (readable text) or json.")] = Fmt.table,
    min_reliability: MinReliability = None, max_credibility: MaxCredibility = None,
):
    """Print the claims behind the figures: excerpt, speaker, source, dates, review status."""
    store = State.store()
    if bool(country) == bool(claim):
        raise typer.BadParameter("give exactly one of --country or --claim")
    if claim:
        c = store.claim(claim)
        if format is Fmt.json:
            print(json.dumps(c, ensure_ascii=False, indent=2))
        else:
            print_claim(c)
        return
    result = query.explain_country(store, country, as_of=day(as_of, "--as-of"), known_at=day(known_at, "--known-at"),
                                   grades=grades(min_reliability, max_credibility))
    if format is Fmt.json:
        result.pop("claims")
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print_explanation(result)


def print_explanation(result: dict) -> None:
    cc = result["country"]
    out.print(f"[bold]{cc} {country_name(cc)}[/], as of {result['as_of']}"
              + (f", known at {result['known_at']}" if result["known_at"] else ""))
    present = [s for s in result["stations"] if s["present"]]
    out.print(f"\n[bold]Documented: {len(present)} stations[/]")
    for st in result["stations"]:
        state = "present" if st["present"] else st["status"]
        out.print(f"\n  [bold]{st['label']}[/] ({state}{', contested' if st['contested'] else ''})")
        for c in st["claims"]:
            print_claim(c, indent="    ")
    out.print("\n[bold]Reported figures[/]")
    if not result["reported"]:
        out.print("  none")
    for f in result["reported"] + result["superseded"]:
        tag = " (superseded)" if f in result["superseded"] else ""
        out.print(f"\n  {f['predicate']} = {fmt_figure(f)} said by {f['said_by']}{tag}")
        for cid in f["claim_ids"]:
            print_claim(result["claims"][cid], indent="    ")
    out.print("\n[bold]Responses and other claims[/]")
    if not result["other_claims"]:
        out.print("  none")
    for c in result["other_claims"]:
        print_claim(c, indent="  ")


def print_claim(c: dict, indent: str = "") -> None:
    src = c["source"]
    valid = c["valid"]
    when = (f"valid {valid['from'] or '…'} to {valid['to'] or '…'}" if (valid["from"] or valid["to"])
            else "from publication")
    out.print(f"{indent}[cyan]{c['id'][:10]}[/] {c['predicate']} {fmt_value(c)} "
              f"[{'red' if c['stance'] == 'denies' else 'green'}]{c['stance']}[/] " + escape(f"[{c['status']}]"),
              highlight=False)
    out.print(f"{indent}  said by: {c['said_by']['name'] or '(the source itself)'}"
              + (f" [{c['said_by']['country']}]" if c["said_by"]["country"] else ""), highlight=False)
    out.print(f"{indent}  source: {source_label(c)}, published {src['published']}"
              + (f" <{src['url']}>" if src.get("url") else "") + f"; {when}", highlight=False)
    if c.get("excerpt"):
        ex = c["excerpt"]
        out.print(f"{indent}  excerpt [{ex['start']}:{ex['end']}]: “{ex['text']}”", highlight=False, markup=False)
    elif c.get("note"):
        out.print(f"{indent}  note: {c['note']}", highlight=False, markup=False)


# -- documents: ingest, extract, list ---------------------------------------------------

@app.command("ingest")
def ingest_cmd(
    targets: Annotated[list[str], typer.Argument(metavar="PATH|URL...",
                       help="Files, directories (read recursively) or http(s) URLs.")],
    title: Annotated[Optional[str], typer.Option(help="Source title (default: the document's own).")] = None,
    publisher: Annotated[Optional[str], typer.Option(help="Source publisher (default: the URL's host).")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date (default: the date the document states).")] = None,
    url: Annotated[Optional[str], typer.Option(help="The source's URL, for a file saved from the web.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="news, ngo_report, government, ...")] = None,
    accept_above: Annotated[Optional[float], typer.Option(
        "--accept-above", min=0.0, max=1.0, metavar="X",
        help="Accept extracted claims with confidence >= X; the rest stay candidates for review.")] = None,
    reviewer: Annotated[Optional[str], typer.Option(help="Recorded as reviewer of claims accepted by --accept-above.")] = None,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Refuse files larger than this.")] = 50,
    workers: Annotated[int, typer.Option("--workers", min=0, metavar="N", help=(
        "Ingest in N processes. PostgreSQL: procrastinate jobs (a batch of files, or one URL, each), "
        "run by N local workers until done (`stationwatch worker` adds workers on other machines). "
        "SQLite: N processes read and extract, one writes."))] = 0,
    batch: Annotated[int, typer.Option("--batch", min=1, metavar="K", help=(
        "With --workers or --queue: files per job, written in one transaction (fewer, larger writes "
        "let workers share the store's write lock; a retried job redoes at most K files)."))] = 8,
    queue_only: Annotated[bool, typer.Option("--queue", help=(
        "PostgreSQL: only queue the jobs, for `stationwatch worker` processes to run.")) ] = False,
):
    """Store documents (HTML, PDF, DOCX, text, images via OCR, URLs) and extract candidate claims.

    The type is read from the content, not the file name. The same bytes twice are one
    document. Each document is stored whole with its claims, or not at all; failures are
    listed at the end and kept for `stationwatch documents --failed`.
    """
    if workers or queue_only:
        return ingest_parallel(targets, title, publisher, published, url, kind, accept_above, reviewer, max_mb,
                               workers, queue_only, batch)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import pipeline
    if published:
        day(published, "--published")
    hints = pipeline.SourceHints(title, publisher, published, url, kind)
    store = State.store()
    names = list(pipeline.expand(targets))
    outcomes = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=len(names) < 2) as progress:
        task = progress.add_task("ingesting", total=len(names))
        for name in names:
            progress.update(task, description=f"ingesting {Path(name).name[:40]}")
            outcomes.append(pipeline.ingest_one(store, name, hints, accept_above=accept_above,
                                                reviewer=reviewer, max_bytes=int(max_mb * 2**20)))
            progress.advance(task)
    print_ingest_summary(outcomes)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def ingest_parallel(targets, title, publisher, published, url, kind, accept_above, reviewer, max_mb,
                    workers, queue_only, batch) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import pipeline, workers as parallel
    if published:
        day(published, "--published")
    hints = pipeline.SourceHints(title, publisher, published, url, kind)
    names = list(pipeline.expand(targets))
    Store(State.db).close()  # migrate (or refuse a bad URL) once, before any worker starts
    if queue_only:
        if not parallel.is_postgres(State.db):
            raise fail("--queue needs a PostgreSQL store (workers share its database)")
        ids = parallel.defer(State.db, names, hints, accept_above=accept_above, reviewer=reviewer,
                             max_bytes=int(max_mb * 2**20), batch=batch)
        out.print(f"queued {len(names)} files in {len(ids)} jobs; run `stationwatch worker` to ingest them, `stationwatch jobs` to follow")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(f"ingesting with {workers} workers", total=len(names))
        outcomes = parallel.ingest_with_workers(
            State.db, names, hints, workers, accept_above=accept_above, reviewer=reviewer,
            max_bytes=int(max_mb * 2**20), batch=batch, progress=lambda done, total: progress.update(task, completed=done))
    print_ingest_summary(outcomes)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


@app.command("worker")
def worker_cmd(
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs this process runs at once.")] = 1,
    until_empty: Annotated[bool, typer.Option("--until-empty", help="Stop when no job is queued or running.")] = False,
):
    """Run ingest jobs queued in a PostgreSQL store (`ingest --queue` or `ingest --workers N`).

    Start as many as the database can feed, on any machine that reaches it and can read the
    queued paths. A worker that dies leaves its job to be retried by another; what it was
    writing is rolled back. Ctrl-C (or SIGTERM) finishes the running job, then stops.
    """
    from . import workers as parallel
    if not parallel.is_postgres(State.db):
        raise fail("workers take jobs from a PostgreSQL store; on SQLite use `stationwatch ingest --workers N`")
    Store(State.db).close()
    parallel.run_worker(State.db, concurrency=concurrency, until_empty=until_empty)


class JobStatus(str, Enum):
    todo = "todo"
    doing = "doing"
    succeeded = "succeeded"
    failed = "failed"


@app.command("jobs")
def jobs_cmd(
    status: Annotated[Optional[JobStatus], typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(help="Newest jobs to list.")] = 50,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
):
    """Ingest jobs of a PostgreSQL store: counts by state, then the newest jobs, a line for
    each of their files with what was found in it (or why it failed)."""
    from . import workers as parallel
    if not parallel.is_postgres(State.db):
        raise fail("jobs are kept in a PostgreSQL store; SQLite ingests in the foreground")
    Store(State.db).close()
    rows = parallel.jobs(State.db, status=status.value if status else None, limit=limit)
    counts = parallel.job_counts(State.db)
    if format == Fmt.json:
        out.print_json(json.dumps({"counts": counts, "jobs": rows}, default=str))
        return
    out.print("  ".join(f"{s}: {counts.get(s, 0)}" for s in ("todo", "doing", "succeeded", "failed")), highlight=False)
    for r in rows:
        found = r["outcome"] or ""
        if r["outcome"] == "ingested":
            found += f" ({r['claims']} claims)"
        detail = f"  [red]{escape(r['error'])}[/]" if r["error"] else ""
        job = f"#{r['id']}" if r["position"] == 0 else ""  # a job's later files under its first
        status = r["status"] if r["position"] == 0 else ""
        out.print(f"{job:<7} {status:<9} {found:<22} {escape(r['target'] or '')}{detail}", highlight=False)


def print_ingest_summary(outcomes) -> None:
    for o in outcomes:
        if o.status == "ingested":
            accepted = f", {o.accepted} accepted" if o.accepted else ""
            out.print(f"ingested  {o.name}: {o.claims} claims{accepted}  [dim]{o.document_id[:12]}[/]", highlight=False)
            for w in o.warnings:
                out.print(f"          [yellow]warning:[/] {escape(w)}", highlight=False)
        elif o.status == "duplicate":
            out.print(f"duplicate {o.name}: already stored as {o.document_id[:12]}", highlight=False)
        else:
            err.print(f"[bold red]error:[/] {escape(o.name)}: {escape(o.error)}", highlight=False)
    count = lambda s: sum(1 for o in outcomes if o.status == s)
    claims = sum(o.claims for o in outcomes)
    out.print(f"{count('ingested')} ingested ({claims} claims), {count('duplicate')} duplicate, "
              f"{count('failed')} failed")


class ExtractFmt(str, Enum):
    jsonl = "jsonl"
    table = "table"
    text = "text"


@app.command("extract")
def extract_cmd(
    target: Annotated[str, typer.Argument(metavar="PATH|URL")],
    format: Annotated[ExtractFmt, typer.Option("--format", help=(
        "jsonl: claims in the interchange format; table: a readable list; "
        "text: the plain text the excerpt offsets point into."))] = ExtractFmt.jsonl,
    published: Annotated[Optional[str], typer.Option(
        help="Publication date, for relative dates (default: the date the document states).")] = None,
):
    """Extract candidate claims from one document without storing anything."""
    from . import pipeline
    from .ingest import IngestError
    if published:
        day(published, "--published")
    try:
        result, claims = pipeline.extract_file(target, published=published)
    except IngestError as e:
        raise fail(f"{target}: {e}") from None
    if format is ExtractFmt.text:
        sys.stdout.write(result.text)
    elif format is ExtractFmt.jsonl:
        for c in claims:
            print(json.dumps(c, ensure_ascii=False))
    else:
        table = Table("predicate", "about", "value", "said by", "conf.", "excerpt")
        for c in claims:
            stance = " [red](denies)[/]" if c["stance"] == "denies" else ""
            table.add_row(c["predicate"] + stance, describe_about(c), fmt_value(c),
                          escape((c.get("said_by") or {}).get("name") or ""), f"{c.get('confidence') or 0:.2f}",
                          escape(shorten(c["excerpt"]["text"], 70)) if c.get("excerpt") else "")
        out.print(table)
        out.print(f"{len(claims)} claims from {target} ({result.media_type}, {result.language or '?'})")


@app.command("documents")
def documents_cmd(
    failed: Annotated[bool, typer.Option("--failed", help="List files and URLs that could not be ingested, with why.")] = False,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
):
    """Stored documents (hash, type, language, claims), or the ingest failures."""
    store = State.store()
    rows = store.failures() if failed else store.documents()
    if format is Fmt.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if failed:
        table = Table("when", "file or URL", "error")
        for r in rows:
            table.add_row(r["recorded_at"].strftime("%Y-%m-%d %H:%M"), r["name"], escape(r["error"]))
    else:
        table = Table("sha256", "name", "type", "lang", "pages", "claims", "title")
        for r in rows:
            table.add_row(r["id"][:12], r["name"] or "", r["media_type"], r["language"] or "",
                          str(len(r["pages"] or [])) or "", str(r["claims"]), escape(r["title"] or ""))
    out.print(table)
    out.print(f"{len(rows)} {'failures' if failed else 'documents'}")


# -- structured imports ----------------------------------------------------------------------

@app.command("import-table")
def import_table_cmd(
    file: ExistingFile,
    mapping: Annotated[str, typer.Option(help="Mapping YAML file, or a shipped one: station-list, response-list.")],
    title: Annotated[Optional[str], typer.Option(help="Dataset title (default: the file name).")] = None,
    publisher: Annotated[Optional[str], typer.Option(help="Who publishes the dataset.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Date of the dataset's version.")] = None,
    url: Annotated[Optional[str], typer.Option(help="Where the dataset is published.")] = None,
    reliability: Annotated[Optional[str], typer.Option(metavar="A-F", help="Admiralty grade of the dataset.")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Mark the claims accepted.")] = False,
):
    """Import rows of a CSV, JSON or XLSX table as claims, through a declarative YAML mapping.

    The table is stored as the claims' document and each claim's excerpt is its row; the
    dataset is the source. Importing the same table again adds nothing.
    """
    from .tables import MappingError, table_claims
    if not published:
        raise typer.BadParameter("give the dataset's date", param_hint="--published")
    day(published, "--published")
    try:
        table, claims = table_claims(file, mapping)
    except MappingError as e:
        raise fail(str(e)) from None
    source = {"title": title or file.name, "publisher": publisher, "published": published, "url": url,
              "kind": "dataset", "reliability": reliability}
    summary = State.store().import_claims(claims, origin=str(file), source=source, document=table.document,
                                          accept=accept, unit="row")
    out.print(f"{file}: {len(table.rows)} rows, {summary.added} claims imported "
              f"({'accepted' if accept else 'candidate'}), {summary.duplicates} already present.")


# -- conflicts and change over time --------------------------------------------------------

@app.command("conflicts")
def conflicts_cmd(
    country: Annotated[Optional[str], typer.Option(help="Only conflicts about this country.")] = None,
    as_of: AsOf = None, known_at: KnownAt = None,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    min_reliability: MinReliability = None, max_credibility: MaxCredibility = None,
):
    """Where accepted claims disagree: different counts for the same scope, a station closed
    and later said to operate, a statement asserted and denied. Both sides, with excerpts."""
    from .query.changes import conflicts
    result = conflicts(State.store(), country=country, as_of=day(as_of, "--as-of"),
                       known_at=day(known_at, "--known-at"), grades=grades(min_reliability, max_credibility))
    if format is Fmt.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for c in result["conflicts"]:
        about = c.get("label") or f"{c['predicate']} {fmt_scope(c.get('scope') or {})}"
        out.print(f"\n[bold yellow]{c['kind']}[/]: {escape(about)}", highlight=False)
        for side in c["sides"]:
            what = side.get("says") or f"{side['said_by']} says {fmt_figure(side)}"
            out.print(f"  [bold]{escape(str(what))}[/]", highlight=False)
            for claim in side["claims"]:
                print_claim(claim, indent="    ")
    out.print(f"\n{len(result['conflicts'])} conflicts")


@app.command("diff")
def diff_cmd(
    known_at: Annotated[str, typer.Option("--known-at", metavar="A", help="The earlier date.")],
    to: Annotated[str, typer.Option("--to", metavar="B", help="The later date.")],
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    min_reliability: MinReliability = None, max_credibility: MaxCredibility = None,
):
    """What the public record learned between A and B: new stations, closures, changed and new
    counts, new government responses. Each side is the record as known on its date."""
    from .query.changes import diff
    a, b = day(known_at, "--known-at"), day(to, "--to")
    if b < a:
        raise typer.BadParameter("--to must not be before --known-at", param_hint="--to")
    result = diff(State.store(), a, b, grades(min_reliability, max_credibility))
    if format is Fmt.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    out.print(f"[bold]From {result['since']} to {result['until']}[/]: documented stations "
              f"{result['documented']['before']} → {result['documented']['after']}")
    table = Table("change", "what", "detail", title="What the record learned")
    for s in result["new_stations"]:
        table.add_row("new station", escape(s["label"]), f"{len(s['claim_ids'])} claims")
    for s in result["closures"]:
        table.add_row("closure", escape(s["label"]), ", ".join(i[:10] for i in s["closed_by"]))
    for f in result["changed_counts"]:
        table.add_row("changed count", f"{f['predicate']} {fmt_scope(f['scope'])}",
                      f"{f['said_by']}: {f['from']} → {fmt_figure({'value': f['to'], 'qualifier': f['qualifier']})}")
    for f in result["new_counts"]:
        table.add_row("new count", f"{f['predicate']} {fmt_scope(f['scope'])}", f"{f['said_by']}: {fmt_figure(f)}")
    for c in result["new_responses"]:
        table.add_row("new response", c["predicate"], f"{(c['subject'] or {}).get('country', '')} "
                      f"({source_label(c)}, {c['source']['published']})")
    out.print(table)


# -- entity resolution -------------------------------------------------------------------

resolve_app = new_app("Entity resolution of stations: candidate pairs with scores and reasons, judgements "
                      "(same, different, unsure) recorded with who and when, merged stations. Every merge "
                      "is recomputed from the judgements, so judging a pair 'different' undoes it.")
app.add_typer(resolve_app, name="resolve")


class JudgementArg(str, Enum):
    same = "same"
    different = "different"
    unsure = "unsure"


def print_record(r: dict, indent: str = "  ", mentions: bool = False) -> None:
    n = r["mentions"] if isinstance(r["mentions"], int) else len(r["mentions"])
    out.print(f"{indent}[dim]{r['id']}[/] {escape(r['label'])}  [dim]{n} claim{'s' * (n != 1)}, as "
              f"{escape(', '.join(r['names'][:6]))}[/]", highlight=False)
    for m in r["mentions"] if mentions else ():
        said = " / ".join(x for x in (m["locality"], m["operator"]) if x)
        out.print(f"{indent}    {m['claim_id'][:10]}  {m['predicate']:<18} {escape(said)}  [dim]{escape(m['source'] or '')}[/]",
                  highlight=False)


@resolve_app.command("pairs")
def resolve_pairs_cmd(
    country: Annotated[Optional[str], typer.Option(help="Only pairs in this country (ISO alpha-2).")] = None,
    min_score: Annotated[float, typer.Option("--min-score", help="Only pairs scoring at least this (0-1).")] = 0.5,
    all_: Annotated[bool, typer.Option("--all", help="Also pairs already judged.")] = False,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
):
    """Candidate pairs of station records (blocked by country and city), best first, with the
    score, its reasons, and whether the resolver merged them."""
    from .resolve.review import pairs
    rows = pairs(State.store(), country=country, min_score=min_score, include_judged=all_)
    if format is Fmt.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for p in rows:
        judged = f"  judged {p['judgement']['judgement']} by {p['judgement']['by'] or '?'}" if p["judgement"] else ""
        out.print(f"\n[bold]{p['score']:.2f}[/] {p['status']}{escape(judged)}", highlight=False)
        print_record(p["left"])
        print_record(p["right"])
        for r in p["reasons"]:
            out.print(f"    {r['weight']:+.2f} {escape(r['text'])}", highlight=False)
    out.print(f"\n{len(rows)} pairs")


@resolve_app.command("judge")
def resolve_judge_cmd(
    left: Annotated[str, typer.Argument(help="Station or record id (or a 6+ character prefix).")],
    right: Annotated[str, typer.Argument(help="Station or record id (or a 6+ character prefix).")],
    judgement: Annotated[JudgementArg, typer.Argument(help="same, different or unsure.")],
    by: Annotated[Optional[str], typer.Option(help="Who judges (recorded with the time; default cli:<login>).")] = None,
):
    """Record that two stations are the same, different, or that you are unsure. The latest
    judgement of a pair is in force; earlier ones stay in the ledger."""
    from .resolve.review import judge
    r = judge(State.store(), left, right, judgement.value, by=by or cli_actor())
    out.print(f"{escape(r['left']['label'])} [bold]{judgement.value}[/] {escape(r['right']['label'])}: "
              f"now {r['status']}" + (f" (station {r['station']})" if r["status"] == "merged" else ""), highlight=False)


@resolve_app.command("auto")
def resolve_auto_cmd(
    auto_above: Annotated[float, typer.Option("--auto-above", metavar="X", help="Record pairs scoring at least X (0-1).")],
    by: Annotated[Optional[str], typer.Option(help="Recorded as the judge (default auto:X).")] = None,
):
    """Record "same" judgements for the pairs the resolver merges at threshold X, so the
    merges are data with a who and a when (and can be undone one by one)."""
    from .resolve.review import auto
    if not 0.0 <= auto_above <= 1.0:
        raise typer.BadParameter("give a score between 0 and 1", param_hint="--auto-above")
    r = auto(State.store(), auto_above, by=by)
    out.print(f"{len(r['recorded'])} pairs judged same by {escape(r['by'])}; "
              f"{len(r['left_for_review'])} above {auto_above:g} left for review (they fit several stations)", highlight=False)


@resolve_app.command("clusters")
def resolve_clusters_cmd(
    country: Annotated[Optional[str], typer.Option(help="ISO 3166-1 alpha-2 code.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also stations made of a single record.")] = False,
    format: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
):
    """Merged stations and the records (one per canonical place, operator and era) they are
    made of, with the names the claims used; records attached to several stations."""
    from .resolve.review import clusters
    rows = clusters(State.store(), country=country, everything=all_)
    if format is Fmt.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for c in rows:
        out.print(f"\n[bold]{escape(c['label'])}[/]  [dim]{c['id']}[/]", highlight=False)
        for r in c["records"]:
            print_record(r, mentions=True)
        for r in c["attached"]:
            print_record(r, indent="  attached: ", mentions=True)
    out.print(f"\n{len(rows)} stations")


# -- grading ---------------------------------------------------------------------------

grade_app = new_app("Admiralty grading: source reliability A-F, claim credibility 1-6. Tallies can filter by them.")
app.add_typer(grade_app, name="grade")


@grade_app.command("source")
def grade_source(
    source: Annotated[str, typer.Argument(help="Source id (or prefix) or URL; see `stationwatch sources`.")],
    reliability: Annotated[str, typer.Argument(metavar="A-F", help="A completely reliable ... E unreliable, F cannot be judged.")],
    by: Annotated[Optional[str], typer.Option(help="Who grades (recorded in the ledger).")] = None,
):
    """Grade how reliable a source is."""
    sid = State.store().grade_source(source, reliability, by or cli_actor())
    out.print(f"source {sid[:12]} graded {reliability.upper()}")


@grade_app.command("claim")
def grade_claim(
    claim: Annotated[str, typer.Argument(help="Claim id or prefix.")],
    credibility: Annotated[int, typer.Argument(metavar="1-6", help="1 confirmed by other sources ... 5 improbable, 6 cannot be judged.")],
    by: Annotated[Optional[str], typer.Option(help="Who grades (recorded in the ledger).")] = None,
):
    """Grade how credible one claim is."""
    cid = State.store().grade_claim(claim, credibility, by or cli_actor())
    out.print(f"claim {cid[:10]} graded {credibility}")


@app.command("sources")
def sources_cmd(format: Annotated[Fmt, typer.Option("--format")] = Fmt.table):
    """Sources with their ids, publication dates and reliability grades."""
    rows = State.store().sources()
    if format is Fmt.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table("id", "grade", "published", "publisher", "title", "url")
    for r in rows:
        table.add_row(r["id"][:12], r["reliability"] or "", r["published"] or "", escape(r["publisher"] or ""),
                      escape((r["title"] or "")[:60]), escape(r["url"] or ""))
    out.print(table)
    out.print(f"{len(rows)} sources")


# -- trust: ledger and verification ------------------------------------------------------

ledger_app = new_app("The evidence ledger: every recorded event chained by SHA-256; sign and check its head.")
app.add_typer(ledger_app, name="ledger")


@app.command("verify")
def verify_cmd():
    """Recompute the ledger chain and every row and document hash; name the first that does not match."""
    store = State.store()
    problems = store.verify()
    head = store.ledger_head()
    if problems:
        for p in problems[:20]:
            err.print(f"[bold red]tampered:[/] {escape(str(p))}", highlight=False)
        if len(problems) > 20:
            err.print(f"... and {len(problems) - 20} more")
        raise typer.Exit(1)
    out.print(f"ok: {head['seq'] if head else 0} ledger entries chain correctly and every document, "
              "source and claim matches them" + (f"; head {head['hash'][:16]}" if head else ""))


@ledger_app.command("head")
def ledger_head_cmd(
    sign: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False,
                    help="Ed25519 private key (PEM) to sign the head with.")] = None,
):
    """Print the ledger head (entry number and hash) as JSON, signed with --sign KEY."""
    from . import signing
    head = State.store().ledger_head()
    if head is None:
        raise fail("the ledger is empty")
    doc = signing.sign_head(head, sign) if sign else {k: head[k] for k in ("seq", "hash", "at")}
    print(json.dumps(doc, indent=2))


@ledger_app.command("keygen")
def ledger_keygen(
    private: Annotated[Path, typer.Argument(help="Where to write the private key (kept secret).")],
    public: Annotated[Path, typer.Argument(help="Where to write the public key (published).")],
):
    """Make an Ed25519 key pair for signing ledger heads."""
    from . import signing
    for p in (private, public):
        if p.exists():
            raise fail(f"{p} exists; not overwriting a key")
    signing.generate(private, public)
    out.print(f"private key {private} (mode 600), public key {public}")


@ledger_app.command("check")
def ledger_check(
    signed_head: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A head from `ledger head --sign`.")],
    public_key: Annotated[Path, typer.Option("--public-key", exists=True, dir_okay=False)],
):
    """Check a signed head: the signature, and that this store's ledger contains that exact entry."""
    from . import signing
    try:
        signed = json.loads(signed_head.read_text(encoding="utf-8"))
        signing.check_signature(signed, public_key)
    except (json.JSONDecodeError, signing.SigningError) as e:
        raise fail(f"{signed_head}: {e}") from None
    store = State.store()
    entry = store.ledger_entry(int(signed["seq"]))
    if entry is None or entry["hash"] != signed["hash"]:
        raise fail(f"{signed_head}: this store's ledger has no entry #{signed['seq']} with that hash")
    problems = store.verify()
    if problems:
        raise fail(f"the signature is good but the store is not: {problems[0]}")
    out.print(f"ok: signature good; entry #{signed['seq']} is in this ledger and the store verifies")


# -- exports and the report ---------------------------------------------------------------

class ExportFmt(str, Enum):
    ftm = "ftm"
    geojson = "geojson"
    csv = "csv"
    jsonl = "jsonl"


class ReportFmt(str, Enum):
    html = "html"
    pdf = "pdf"


@app.command("export")
def export_cmd(
    format: Annotated[ExportFmt, typer.Option("--format", help=(
        "ftm: FollowTheMoney entities (JSON lines, with per-value statements); geojson: one point "
        "per documented station; csv: stations, claims and responses tables; jsonl: the claims."))],
    as_of: AsOf = None, known_at: KnownAt = None,
    public: Annotated[bool, typer.Option("--public", help=(
        "For publication: leave out every claim about a person or spoken by one."))] = False,
    table: Annotated[Optional[str], typer.Option("--table", metavar="NAME", help=(
        "csv only: just one table (stations, claims or responses), to -o FILE or stdout."))] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help=(
        "Write here (atomically) instead of stdout; for csv, a directory for the three tables."))] = None,
):
    """Export documented stations, claims and responses for other tools (Aleph, GIS, spreadsheets)."""
    from .export import export
    summary = export(State.store(), format.value, as_of=day(as_of, "--as-of"), known_at=day(known_at, "--known-at"),
                     public=public, output=output, table=table, stdout=sys.stdout)
    if output is not None:
        err.print(summary, highlight=False, markup=False)


@app.command("report")
def report_cmd(
    as_of: Annotated[str, typer.Option("--as-of", metavar="DATE",
                     help="Valid time: the situation the briefing describes (2022-12-31).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write (atomically).")],
    known_at: KnownAt = None,
    format: Annotated[ReportFmt, typer.Option("--format", help="html or pdf.")] = ReportFmt.pdf,
):
    """A publishable briefing: headline figures with footnotes to their claims, a map, a table
    by country, the response timeline, methodology and sources (claims about people left out)."""
    from .export.report import write_report
    summary = write_report(State.store(), output, fmt=format.value, as_of=day(as_of, "--as-of"),
                           known_at=day(known_at, "--known-at"))
    err.print(summary, highlight=False, markup=False)


# -- accounts and names to protect ----------------------------------------------------------

user_app = new_app("Accounts of the web app: viewer (reads the protected view), editor (reads everything, "
                   "makes every change), admin (also manages users). Passwords are read from a prompt or "
                   "--password-stdin, never from the command line; they are stored as argon2id hashes.")
app.add_typer(user_app, name="user")
protect_app = new_app("Names of people to protect (targets, relatives, witnesses): redacted as \"[person]\" in "
                      "every public view and export, in any script; claims they speak are left out. Used for "
                      "nothing else: no person pages, no search by person.")
app.add_typer(protect_app, name="protect")


class RoleArg(str, Enum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


class PersonRoleArg(str, Enum):
    target = "target"
    relative = "relative"
    witness = "witness"
    other = "other"


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")]


def cli_actor() -> str:
    """Who a change made from the command line is recorded as."""
    import getpass
    try:
        return "cli:" + getpass.getuser()
    except Exception:
        return "cli"


def read_password(from_stdin: bool) -> str:
    from .accounts import PasswordError, hash_password
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return hash_password(password)
    except PasswordError as e:
        raise fail(str(e)) from None


@user_app.command("add")
def user_add(name: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ - @).")],
             role: Annotated[RoleArg, typer.Option("--role", help="viewer, editor or admin.")],
             password_stdin: PasswordStdin = False):
    """Add an account. The first one switches the web app to logins for everyone."""
    user = State.store().add_user(name, role.value, read_password(password_stdin), by=cli_actor())
    out.print(f"added {escape(user['name'])} ({user['role']})", highlight=False)


@user_app.command("list")
def user_list(format: Annotated[Fmt, typer.Option("--format")] = Fmt.table):
    """Every account with its role and whether it is active."""
    users = State.store().users()
    if format is Fmt.json:
        print(json.dumps([{**u, "created_at": u["created_at"].isoformat() if u["created_at"] else None}
                          for u in users], indent=2))
        return
    for u in users:
        out.print(f"{escape(u['name']):<24} {u['role']:<7} {'active' if u['active'] else 'disabled'}", highlight=False)
    out.print(f"{len(users)} users")


@user_app.command("passwd")
def user_passwd(name: str, password_stdin: PasswordStdin = False):
    """Set a new password (ends the user's sessions)."""
    State.store().set_password(name, read_password(password_stdin), by=cli_actor())
    out.print(f"new password set for {escape(name)}", highlight=False)


@user_app.command("role")
def user_role(name: str, role: Annotated[RoleArg, typer.Argument(help="viewer, editor or admin.")]):
    """Change a user's role (ends their sessions)."""
    State.store().set_role(name, role.value, by=cli_actor())
    out.print(f"{escape(name)} is now {role.value}", highlight=False)


@user_app.command("remove")
def user_remove(name: str):
    """Disable an account (it stays, so the audit trail keeps its name; `user enable` undoes it)."""
    State.store().set_active(name, False, by=cli_actor())
    out.print(f"{escape(name)} disabled", highlight=False)


@user_app.command("enable")
def user_enable(name: str):
    """Enable a disabled account again."""
    State.store().set_active(name, True, by=cli_actor())
    out.print(f"{escape(name)} enabled", highlight=False)


@protect_app.command("add")
def protect_add(name: Annotated[str, typer.Argument(help="The name as written in the sources.")],
                alias: Annotated[Optional[list[str]], typer.Option("--alias", help=(
                    "Another spelling or script (repeatable): 王靖渝, Wang Jing-yu."))] = None,
                role: Annotated[PersonRoleArg, typer.Option("--role")] = PersonRoleArg.other):
    """Protect a person's name: redacted in every public view and export from now on."""
    entry = State.store().protect(name, aliases=alias or [], role=role.value, by=cli_actor())
    out.print(f"protected (entry {entry})")


@protect_app.command("list")
def protect_list(all_: Annotated[bool, typer.Option("--all", help="Also entries no longer protected.")] = False):
    """The register, to maintain it (it is shown nowhere else but to admins in the web app)."""
    entries = State.store().sensitive_names(include_removed=all_)
    for e in entries:
        aliases = ", ".join(e["aliases"] or [])
        out.print(f"{e['id']:>4}  {escape(e['name'])}{'  (' + escape(aliases) + ')' if aliases else ''}  "
                  f"{escape('[' + e['role'] + ']')}{'' if e['active'] else '  removed'}", highlight=False)
    out.print(f"{len(entries)} names")


@protect_app.command("remove")
def protect_remove(entry: Annotated[int, typer.Argument(help="Entry id (see `protect list`).")]):
    """Stop protecting a name."""
    State.store().unprotect(entry, by=cli_actor())
    out.print(f"entry {entry} no longer protected")


# -- formatting helpers -----------------------------------------------------------------

def shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def source_label(c: dict) -> str:
    src = c["source"]
    return src["publisher"] or src["title"] or src["url"] or ""


def describe_about(c: dict) -> str:
    from .stations import operator_of, place_of
    if c["predicate"].startswith("station."):
        country, locality = place_of(c)
        op = operator_of(c)
        return ", ".join(x for x in (locality, country) if x) + (f" ← {op}" if op else "")
    if c["predicate"].startswith("incident."):
        o = c["object"] or {}
        return ", ".join(x for x in (o.get("locality"), o.get("country")) if x)
    if c["predicate"].startswith("count."):
        return fmt_scope(c["scope"] or {})
    return (c["subject"] or {}).get("country") or ""


def fmt_value(c: dict) -> str:
    if c["predicate"] == "station.operator":
        o = c["object"] or {}
        return o.get("seat") or o.get("name") or ""
    if c["predicate"] in ("station.opened", "station.closed"):
        return c["valid"]["from"] or ""
    if c["value"] is None:
        return ""
    return fmt_figure(c)


def fmt_figure(f: dict) -> str:
    q = {"more_than": "more than ", "at_least": "at least ", "about": "about ", "at_most": "at most "}
    return q.get(f.get("qualifier"), "") + str(f["value"])


def fmt_scope(scope: dict) -> str:
    """`global`, `IT`, or `IT, operator=Fuzhou`: a country needs no label."""
    parts = [scope["country"]] if scope.get("country") else []
    parts += [f"{k}={v}" for k, v in sorted(scope.items()) if k != "country"]
    return ", ".join(parts) or "global"


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on. Keep 127.0.0.1 unless others must reach it "
                                           "(then add accounts first, or serve --public).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    public: Annotated[bool, typer.Option("--public", help=(
        "Serve only the public view, read-only, to anyone: no claims about people, protected names "
        "redacted, no original files, no review or accounts."))] = False,
    https: Annotated[bool, typer.Option("--https", help=(
        "The app is reached over https (behind a TLS proxy): session cookies are marked Secure."))] = False,
):
    """Serve the web app: map, station register, sources, review queue, search, JSON API (/docs).

    Without accounts it serves this machine only; with accounts (`stationwatch user add`)
    everything needs a login."""
    import uvicorn

    from .web import create_app
    from .web.security import loopback_hosts
    store = State.store()
    local = loopback_hosts(host) is not None
    accounts = store.has_users()
    if not local and not public and not accounts:
        raise fail(f"no accounts in this store, so it serves this machine only: add a user first "
                   f"(stationwatch user add NAME --role admin) to serve on {host}, or serve --public")
    web_app = create_app(store=store, allowed_hosts=loopback_hosts(host), public=public, https=https)
    shown = f"[{host}]" if ":" in host else host
    mode = ("the public view, read-only" if public else "with accounts: log in at /login" if accounts
            else "no accounts: this machine only (add one with `stationwatch user add NAME --role admin`)")
    err.print(f"stationwatch: serving {State.db} on http://{shown}:{port}, {mode} (Ctrl-C stops)", highlight=False)
    if not local and not https and accounts and not public:
        err.print("warning: passwords and session cookies cross the network unencrypted; put a TLS proxy "
                  "in front and pass --https", highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
