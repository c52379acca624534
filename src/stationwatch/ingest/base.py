"""What every reader shares: the result type, the error type, the size cap and
the reader registry.

A reader is a subclass of `Reader` living in `stationwatch.ingest.readers`.
Subclassing registers it, and the readers package imports every module in it,
so a new format is one new file there.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

MAX_BYTES = 50 * 1024 * 1024
_MB = 1024 * 1024


class IngestError(Exception):
    """A document that cannot be turned into text; str() is one line naming why."""

    def __init__(self, message: str):
        # Callers print "<file>: <message>" on one line, so fold any newlines a
        # library put into the message we wrap.
        super().__init__(" ".join(str(message).split()))


@dataclass
class ReadResult:
    text: str
    media_type: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    reader: str = ""
    warnings: list[str] = field(default_factory=list)


class Reader:
    """One media type: recognise it from the bytes, turn it into a ReadResult.

    `order` ranks sniffing: exact signatures (PDF, zip, images) come before
    HTML sniffing, which comes before the catch-all text reader.
    `extensions` are only used to word warnings and errors, never to choose;
    `junk_message` is the error for unrecognisable bytes named with one of
    them ({ext} becomes e.g. "PNG").
    """

    name: ClassVar[str] = ""
    order: ClassVar[int] = 50
    extensions: ClassVar[tuple[str, ...]] = ()
    junk_message: ClassVar[str] = ""
    registry: ClassVar[list[type[Reader]]] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            Reader.registry.append(cls)

    def sniff(self, data: bytes, name: str) -> bool:
        raise NotImplementedError

    def read(self, data: bytes, name: str) -> ReadResult:
        raise NotImplementedError


PAGE_SEPARATOR = "\n\n"


def join_pages(texts: list[str]) -> tuple[str, list[tuple[int, int, int]]]:
    """Page texts joined by a blank line, with each page's (start, end, number) span."""
    pages, position = [], 0
    for number, text in enumerate(texts, start=1):
        if number > 1:
            position += len(PAGE_SEPARATOR)
        pages.append((position, position + len(text), number))
        position += len(text)
    return PAGE_SEPARATOR.join(texts), pages


def human_size(n: int) -> str:
    """'60.0 MB' for big sizes, '1,200 bytes' for small ones (tests use tiny caps)."""
    if n >= _MB:
        return f"{n / _MB:.1f} MB"
    return f"{n:,} bytes"


def human_cap(n: int) -> str:
    """A cap reads best without decimals when it is a round number of MB."""
    if n >= _MB and n % _MB == 0:
        return f"{n // _MB} MB"
    return human_size(n)


def extension(name: str) -> str:
    """Lower-case extension with the dot, '' when there is none; names may be URLs."""
    base = name.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def partial_date(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """'2022', '2022-09' or '2022-09-12', or None when it is not a real calendar date."""
    if not 1000 <= year <= 2999:
        return None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")


def partial_date_from_text(value: str | None) -> str | None:
    """First ISO-looking date at the start of a metadata string, as a partial date."""
    if not value:
        return None
    m = _PARTIAL_DATE.match(value.strip())
    if not m:
        return None
    return partial_date(int(m[1]), m[2] and int(m[2]), m[3] and int(m[3]))


def clean_meta(value: object) -> str | None:
    """Metadata string with whitespace folded; empty becomes None."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
