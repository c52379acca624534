"""Exports out of the store: FollowTheMoney, GeoJSON, CSV, JSONL, and the briefing report.

One module per format; all read through `stationwatch.query` (via
`stationwatch.query.export_views`), never SQL. Every file is written atomically: to a
temporary file beside the target, then renamed over it, so a failed export leaves no
half-written file and an existing one untouched.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..store import StoreError


class ExportError(StoreError):
    """A problem with an export the user can act on; str() is one line."""


def write_atomic(path: Path | str, data: str | bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same directory, then rename."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
           output: Path | str | None = None, table: str | None = None) -> tuple[str | None, str]:
    """Run one export. Returns (text for stdout or None, a one-line summary of what was written).

    `csv` writes its three tables into the directory `output`, or one `table` to `output`
    (a file) or stdout; the other formats write one file, or stdout without `output`.
    """
    from ..query.export_views import document_names, snapshot
    from .public import public_filter, redactor_for
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    snap = snapshot(store, as_of=as_of, known_at=known_at, claim_filter=public_filter(store) if public else None,
                    public=public)
    scope = f"as of {snap.as_of.isoformat()}" + (f", known at {snap.known_at.isoformat()}" if snap.known_at else "") \
        + (", public" if public else "")
    if fmt == "csv":
        from . import csv as csv_export
        tables = csv_export.tables(snap)
        if table is not None:
            if table not in tables:
                raise ExportError(f"unknown table {table!r} (one of {', '.join(csv_export.TABLES)})")
            text = csv_export.render(*tables[table])
            if output is None:
                return text, f"{len(tables[table][1])} {table} rows ({scope})"
            write_atomic(output, text)
            return None, f"{len(tables[table][1])} {table} rows written to {output} ({scope})"
        if output is None:
            raise ExportError("csv writes three tables (stations, claims, responses): give -o DIRECTORY, "
                              "or --table NAME for one table on stdout")
        folder = ensure_dir(output)
        counts = []
        for name, (columns, rows) in tables.items():
            write_atomic(folder / f"{name}.csv", csv_export.render(columns, rows))
            counts.append(f"{len(rows)} {name}")
        return None, f"{', '.join(counts)} written to {folder}/ ({scope})"
    if table is not None:
        raise ExportError("--table applies to --format csv only")
    if fmt == "ftm":
        from . import ftm
        names = document_names(store)
        if public:  # a file name can name a person too
            redactor = redactor_for(store)
            names = {k: redactor.redact_label(v) for k, v in names.items()}
        text = ftm.render(snap, names)
        what = f"{text.count(chr(10))} FollowTheMoney entities"
    elif fmt == "geojson":
        from . import geojson
        fc = geojson.feature_collection(snap)
        text = geojson.json.dumps(fc, ensure_ascii=False, indent=1) + "\n"
        what = f"{len(fc['features'])} station features"
    else:
        from . import jsonl
        text = jsonl.render(snap)
        what = f"{text.count(chr(10))} claims"
    if output is None:
        return text, f"{what} ({scope})"
    write_atomic(output, text)
    return None, f"{what} written to {output} ({scope})"
