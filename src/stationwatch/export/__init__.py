"""Exports out of the store: FollowTheMoney, GeoJSON, CSV, JSONL, and the briefing report.

One module per format; all read through `stationwatch.query` (via
`stationwatch.query.export_views`), never SQL. Every file is written atomically: to a
temporary file beside the target, then renamed over it, so a failed export leaves no
half-written file and an existing one untouched.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..store import StoreError


class ExportError(StoreError):
    """A problem with an export the user can act on; str() is one line."""


def write_atomic(path: Path | str, data: str | bytes | Iterable[str]) -> Path:
    """Write `data` (or its pieces, one after another: a large export is never held whole)
    to `path` through a temporary file in the same directory, then rename."""
    return write_atomic_all([(path, data)])[0]


def write_atomic_all(files: Iterable[tuple[Path | str, str | bytes | Iterable[str]]]) -> list[Path]:
    """`write_atomic` for several files that go together: each is written to a temporary
    file, and only when all are written are they renamed into place, so a failure leaves
    every one of them as it was."""
    done: list[tuple[str | None, Path]] = []
    try:
        for path, data in files:
            path = Path(path)
            done.append((_written_beside(path, [data] if isinstance(data, (str, bytes)) else data), path))
        for tmp, path in done:
            if tmp is not None:
                os.replace(tmp, path)
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        for tmp, _ in done:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
    return [path for _, path in done]


def _written_beside(path: Path, pieces: Iterable[str | bytes]) -> str | None:
    """The pieces written to a temporary file beside `path` (its name returned), or straight
    into `path` when that is not a regular file (None returned)."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    if path.exists() and not path.is_file():  # /dev/null, /dev/stdout, a pipe: written to, never replaced
        with open(path, "wb") as fh:
            _write_all(fh, pieces)
        return None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, pieces)
        os.chmod(tmp, _file_mode())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _write_all(fh, pieces: Iterable[str | bytes]) -> None:
    for piece in pieces:
        fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)


def _file_mode() -> int:
    """The mode a plain `open(path, "w")` would give (mkstemp makes files private)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def ensure_dir(path: Path | str) -> Path:
    """A directory to write several files into, created if missing."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ExportError(f"cannot write into {path}: it is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"cannot create directory {path}: {e.strerror or e}") from None
    return path


FORMATS = ("ftm", "geojson", "csv", "jsonl")


def export(store, fmt: str, *, as_of=None, known_at=None, public: bool = False,
           output: Path | str | None = None, table: str | None = None, stdout=None) -> str:
    """Run one export; returns a one-line summary of what was written.

    `csv` writes its three tables into the directory `output`, or one `table` to `output`
    (a file) or `stdout`; the other formats write one file, or to `stdout` (a text stream)
    without `output`. JSON lines are written as they are made. The store is read at one
    version throughout (`Store.pinned`), however long the export takes and whatever is
    written meanwhile.
    """
    with store.pinned():
        return _export(store, fmt, as_of=as_of, known_at=known_at, public=public, output=output, table=table,
                       stdout=stdout)


def _export(store, fmt: str, *, as_of, known_at, public: bool, output, table, stdout) -> str:
    from ..query.export_views import document_names, snapshot
    from .public import PublicReader, redactor_for
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if output is None and stdout is None and not (fmt == "csv" and table is None):
        raise ExportError("no place to write: give an output file")
    as_of = as_of or dt.date.today()
    scope = f"as of {as_of.isoformat()}" + (f", known at {known_at.isoformat()}" if known_at else "") \
        + (", public" if public else "")
    if fmt == "jsonl" and table is None:  # the claims alone: streamed, never all held
        from . import jsonl
        reader = PublicReader(store) if public else store
        n = write_pieces(output, jsonl.lines(reader.iter_claims(status="accepted", known_at=known_at), as_of), stdout)
        return _summary(f"{n} claims", output, scope)
    snap = snapshot(store, as_of=as_of, known_at=known_at, public=public)
    if fmt == "csv":
        from . import csv as csv_export
        tables = csv_export.tables(snap)
        if table is not None:
            if table not in tables:
                raise ExportError(f"unknown table {table!r} (one of {', '.join(csv_export.TABLES)})")
            columns, rows = tables[table]
            n = write_pieces(output, csv_export.render(columns, rows()), stdout)
            return _summary(f"{n - 1} {table} rows", output, scope)  # the first piece is the header
        if output is None:
            raise ExportError("csv writes three tables (stations, claims, responses): give -o DIRECTORY, "
                              "or --table NAME for one table on stdout")
        folder = ensure_dir(output)
        counts: dict[str, int] = {}
        write_atomic_all((folder / f"{name}.csv", _counted(csv_export.render(columns, rows()), counts, name))
                         for name, (columns, rows) in tables.items())
        return f"{', '.join(f'{n - 1} {name}' for name, n in counts.items())} written to {folder}/ ({scope})"
    if table is not None:
        raise ExportError("--table applies to --format csv only")
    if fmt == "ftm":
        from . import ftm
        names = document_names(store)
        if public:  # a file name can name a person too
            redactor = redactor_for(store)
            names = {k: redactor.redact_label(v) for k, v in names.items()}
        n = write_pieces(output, ftm.lines(snap, names), stdout)
        return _summary(f"{n} FollowTheMoney entities", output, scope)
    from . import geojson
    fc = geojson.feature_collection(snap)
    write_pieces(output, geojson.render(fc), stdout)
    return _summary(f"{len(fc['features'])} station features", output, scope)


def _summary(what: str, output: Path | str | None, scope: str) -> str:
    return what + (f" written to {output}" if output else "") + f" ({scope})"


def write_pieces(output: Path | str | None, pieces: str | Iterable[str], stdout) -> int:
    """Write `pieces` to the file `output` (atomically), else to `stdout`; how many there were."""
    counts: dict[str, int] = {}
    pieces = _counted([pieces] if isinstance(pieces, str) else pieces, counts, "")
    if output is not None:
        write_atomic(output, pieces)
    else:
        for piece in pieces:
            stdout.write(piece)
    return counts[""]


def _counted(pieces: Iterable[str], counts: dict[str, int], name: str) -> Iterator[str]:
    """The pieces, counted into `counts[name]` as they go by."""
    counts[name] = 0
    for piece in pieces:
        counts[name] += 1
        yield piece
