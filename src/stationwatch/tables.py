"""Structured imports: rows of CSV, JSON or XLSX become claims through a declarative mapping.

A mapping (YAML) names, for each claim a row yields, its fields as templates over the
row's columns: `"{city}"`, `"{country|country}"`, `"{closed|date}"`. A template that is one
placeholder keeps the value's type; filters convert (`country`: a name or code to ISO
alpha-2, `date`: to a partial ISO date, `int`, `map:NAME`: through a table in the mapping).
A claim with `if: COLUMN` is made only for rows where that column has a value; with
`if: {column: C, in: [...]}` only where it has one of those values.

The table file is stored as the claims' document; each claim's excerpt is its row in the
document's text (the file's own text for CSV; one line per record for JSON and XLSX).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .store import Document

MAPPINGS_DIR = Path(__file__).resolve().parent / "data" / "mappings"
_PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([^{}]+))?\}")


class MappingError(ValueError):
    """A problem with the mapping or with one row; the message names the file, row and column."""


@dataclass
class Row:
    number: int  # 1-based data row, as a spreadsheet user counts them after the header
    values: dict[str, str]
    start: int  # span of the row in the document text
    end: int


@dataclass
class Table:
    rows: list[Row]
    columns: list[str]
    document: Document


# -- reading tables ------------------------------------------------------------------------

def load_mapping(ref: str) -> tuple[str, dict]:
    """A mapping by path, or by the name of one shipped with stationwatch (`station-list`)."""
    path = Path(ref)
    if not path.exists():
        shipped = MAPPINGS_DIR / f"{ref}.yaml"
        if not shipped.exists():
            names = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml")))
            raise MappingError(f"{ref}: no such mapping file, and no shipped mapping of that name ({names})")
        path = shipped
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise MappingError(f"{path}: not valid YAML ({' '.join(str(e).split())})") from None
    if not isinstance(mapping, dict) or not isinstance(mapping.get("claims"), list) or not mapping["claims"]:
        raise MappingError(f"{path}: a mapping needs a non-empty `claims:` list")
    return str(path), mapping


def read_table(path: Path, mapping: dict) -> Table:
    data = path.read_bytes()
    fmt = (mapping.get("read") or {}).get("format") or _sniff(data)
    if fmt == "csv":
        return _read_csv(path, data, mapping)
    if fmt == "json":
        return _read_json(path, data, mapping)
    if fmt == "xlsx":
        return _read_xlsx(path, data, mapping)
    raise MappingError(f"{path}: unknown table format {fmt!r} (csv, json or xlsx)")


def _sniff(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data.lstrip()[:1]
    return "json" if head in (b"{", b"[") else "csv"


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise MappingError(f"{path}: not UTF-8 text (byte {e.start})") from None


def _read_csv(path: Path, data: bytes, mapping: dict) -> Table:
    text = _decode(path, data)
    delimiter = (mapping.get("read") or {}).get("delimiter") or _csv_delimiter(text)
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    offsets.append(pos)
    tracker = _LineTracker(lines)
    reader = csv.reader(tracker, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise MappingError(f"{path}: the table is empty") from None
    rows = []
    for number, record in enumerate(reader, 1):
        first, last = tracker.record_lines()
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise MappingError(f"{path} row {number}: {len(record)} cells where the header has {len(header)}")
        start, end = offsets[first], offsets[last + 1]
        end -= len(text[start:end]) - len(text[start:end].rstrip("\r\n"))
        rows.append(Row(number, dict(zip(header, (c.strip() for c in record))), start, end))
    return Table(rows, header, Document(original=data, text=text, media_type="text/csv", name=str(path)))


class _LineTracker:
    """Feeds csv.reader line by line and remembers which lines each record used."""

    def __init__(self, lines: list[str]):
        self.lines, self.next_line, self.record_start = lines, 0, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.next_line >= len(self.lines):
            raise StopIteration
        self.next_line += 1
        return self.lines[self.next_line - 1]

    def record_lines(self) -> tuple[int, int]:
        first, last = self.record_start, self.next_line - 1
        self.record_start = self.next_line
        return first, last


def _csv_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _rendered(path: Path, data: bytes, media_type: str, header: list[str], records: list[dict]) -> Table:
    """A table whose text is one line per record (JSON objects, or a spreadsheet's rows)."""
    lines, rows, pos = [], [], 0
    for number, rec in enumerate(records, 1):
        line = json.dumps(rec, ensure_ascii=False)
        rows.append(Row(number, rec, pos, pos + len(line)))
        lines.append(line)
        pos += len(line) + 1
    text = "\n".join(lines) + "\n"
    return Table(rows, header, Document(original=data, text=text, media_type=media_type, name=str(path)))


def _read_json(path: Path, data: bytes, mapping: dict) -> Table:
    try:
        doc = json.loads(_decode(path, data))
    except json.JSONDecodeError as e:
        raise MappingError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from None
    where = (mapping.get("read") or {}).get("records") or "$"
    records = doc
    for key in [k for k in where.lstrip("$").split(".") if k]:
        if not isinstance(records, dict) or key not in records:
            raise MappingError(f"{path}: no records at {where} (missing {key!r})")
        records = records[key]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise MappingError(f"{path}: the records at {where} are not a list of objects")
    flat = [{k: "" if v is None else str(v) for k, v in r.items()} for r in records]
    header = sorted({k for r in flat for k in r})
    return _rendered(path, data, "application/json", header, flat)


def _read_xlsx(path: Path, data: bytes, mapping: dict) -> Table:
    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise MappingError(f"{path}: not a readable XLSX workbook ({type(e).__name__})") from None
    sheet_name = (mapping.get("read") or {}).get("sheet")
    if sheet_name and sheet_name not in book.sheetnames:
        raise MappingError(f"{path}: no sheet {sheet_name!r} (sheets: {', '.join(book.sheetnames)})")
    sheet = book[sheet_name] if sheet_name else book.worksheets[0]
    cells = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if not cells:
        raise MappingError(f"{path}: the sheet is empty")
    header = [h.strip() for h in cells[0]]
    records = [dict(zip(header, row)) for row in cells[1:] if any(v.strip() for v in row)]
    return _rendered(path, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", header, records)


def _cell_text(value) -> str:
    import datetime as dt
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- rows to claims ------------------------------------------------------------------------

class _RowProblem(ValueError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _filter(value: str, name: str, mapping: dict, column: str):
    if not name:
        return value
    kind, _, arg = name.partition(":")
    if kind == "country":
        return _country(value, column)
    if kind == "date":
        return _date(value, column)
    if kind == "int":
        try:
            return int(value.replace(",", ""))
        except ValueError:
            raise _RowProblem(column, f"{value!r} is not a whole number") from None
    if kind == "map":
        table = (mapping.get("maps") or {}).get(arg)
        if table is None:
            raise MappingError(f"the mapping has no `maps: {arg}` table")
        key = value.strip().casefold()
        for k, v in table.items():
            if str(k).casefold() == key:
                return v
        raise _RowProblem(column, f"{value!r} is not one of {', '.join(map(str, table))}")
    if kind in ("lower", "upper", "title"):
        return getattr(value, kind)()
    raise MappingError(f"unknown filter {name!r} (country, date, int, map:NAME, lower, upper, title)")


def _country(value: str, column: str) -> str:
    import countrynames
    from .model import is_country
    v = value.strip()
    if is_country(v.upper()) and len(v) == 2:
        return v.upper()
    code = countrynames.to_code(v)
    if not code or not is_country(code):
        raise _RowProblem(column, f"{value!r} is not a country name or ISO code")
    return code


def _date(value: str, column: str) -> str:
    from . import dates
    v = value.strip()
    try:
        return dates.normalize(v)
    except dates.BadDate:
        pass
    from dateparser.date import DateDataParser
    data = DateDataParser(settings={"PREFER_DAY_OF_MONTH": "first"}).get_date_data(v)
    if data.date_obj is None:
        raise _RowProblem(column, f"{value!r} is not a date")
    d = data.date_obj.date()
    return {"year": f"{d:%Y}", "month": f"{d:%Y-%m}"}.get(data.period, d.isoformat())


def _fill(template, row: Row, mapping: dict):
    """A template with its placeholders filled from the row; None where a cell is empty."""
    if isinstance(template, dict):
        filled = {k: _fill(v, row, mapping) for k, v in template.items()}
        return {k: v for k, v in filled.items() if v is not None} or None
    if not isinstance(template, str):
        return template
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return _cell(whole[1].strip(), whole[2], row, mapping)
    missing = False

    def substitute(m):
        nonlocal missing
        value = _cell(m[1].strip(), m[2], row, mapping)
        missing = missing or value is None
        return "" if value is None else str(value)

    text = _PLACEHOLDER.sub(substitute, template)
    return None if missing else text


def _cell(column: str, filter_name: str | None, row: Row, mapping: dict):
    if column not in row.values:
        raise MappingError(f"column {column!r} is not in the table (columns: {', '.join(row.values)})")
    value = row.values[column].strip()
    if not value:
        return None
    return _filter(value, (filter_name or "").strip(), mapping, column)


def _applies(condition, row: Row) -> bool:
    if condition is None:
        return True
    if isinstance(condition, str):
        condition = {"column": condition}
    column = condition["column"]
    if column not in row.values:
        raise MappingError(f"column {column!r} in `if:` is not in the table")
    value = row.values[column].strip()
    if "in" in condition:
        return value.casefold() in {str(v).casefold() for v in condition["in"]}
    return bool(value)


CLAIM_FIELDS = ("predicate", "subject", "object", "value", "scope", "qualifier", "stance", "said_by",
                "valid", "confidence", "credibility", "note")


def row_claims(row: Row, mapping: dict, text: str) -> list[dict]:
    defaults = {k: mapping[k] for k in ("said_by", "stance", "confidence") if k in mapping}
    out = []
    for spec in mapping["claims"]:
        if not _applies(spec.get("if"), row):
            continue
        template = {**defaults, **{k: v for k, v in spec.items() if k in CLAIM_FIELDS}}
        claim = {k: _fill(v, row, mapping) for k, v in template.items()}
        claim.setdefault("confidence", 1.0)
        claim["excerpt"] = {"start": row.start, "end": row.end, "text": text[row.start:row.end]}
        out.append(claim)
    return out


def table_claims(path: Path, mapping_ref: str) -> tuple[Table, list[tuple[int, dict]]]:
    """Read a table through a mapping: the table (its document) and (row number, claim) pairs."""
    mapping_path, mapping = load_mapping(mapping_ref)
    table = read_table(path, mapping)
    required = [c for spec in mapping["claims"] for c in _columns_used(spec)] + _columns_used(mapping.get("said_by"))
    missing = sorted({c for c in required if c not in table.columns})
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise MappingError(f"{mapping_path}: {noun} {', '.join(map(repr, missing))} "
                           f"{'is' if len(missing) == 1 else 'are'} not in {path} (columns: {', '.join(table.columns)})")
    claims = []
    for row in table.rows:
        try:
            claims += [(row.number, c) for c in row_claims(row, mapping, table.document.text)]
        except _RowProblem as e:
            raise MappingError(f"{path} row {row.number}, column {e.column!r}: {e}") from None
    return table, claims


def _columns_used(template) -> list[str]:
    if isinstance(template, dict):
        cols = [c for v in template.values() for c in _columns_used(v)]
        cond = template.get("if")
        if isinstance(cond, str):
            cols.append(cond)
        elif isinstance(cond, dict) and "column" in cond:
            cols.append(cond["column"])
        return cols
    if isinstance(template, list):
        return [c for v in template for c in _columns_used(v)]
    if isinstance(template, str):
        return [m[1].strip() for m in _PLACEHOLDER.finditer(template)]
    return []
