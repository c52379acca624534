"""Partial dates: `2016`, `2022-09`, `2022-09-12`.

A partial date names an interval. It starts where the interval starts (`2022-12`
holds from 2022-12-01) and, used as an end, lasts until the interval ends.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class BadDate(ValueError):
    pass


def parse_partial(value: str) -> tuple[int, int | None, int | None]:
    """Split a partial ISO date into (year, month, day); raise BadDate if it is none."""
    if not isinstance(value, str):
        raise BadDate(f"date must be a string like 2022, 2022-09 or 2022-09-12, got {value!r}")
    m = _PARTIAL.match(value.strip())
    if not m:
        raise BadDate(f"not a date (want 2022, 2022-09 or 2022-09-12): {value!r}")
    year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as e:
        raise BadDate(f"not a calendar date: {value!r} ({e})") from None
    return year, month, day


def normalize(value: str | None) -> str | None:
    """Canonical text of a partial date (validates it); None stays None."""
    if value is None:
        return None
    y, m, d = parse_partial(value)
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if d else "")


def start_of(value: str | None) -> dt.date | None:
    """First day of the interval a partial date names."""
    if value is None:
        return None
    return _start_of(value) if isinstance(value, str) else _start_of.__wrapped__(value)


def end_of(value: str | None) -> dt.date | None:
    """Last day of the interval a partial date names."""
    if value is None:
        return None
    return _end_of(value) if isinstance(value, str) else _end_of.__wrapped__(value)


# A record names a few thousand distinct dates, each read again and again by the figures.
@lru_cache(maxsize=1 << 16)
def _start_of(value: str) -> dt.date:
    y, m, d = parse_partial(value)
    return dt.date(y, m or 1, d or 1)


@lru_cache(maxsize=1 << 16)
def _end_of(value: str) -> dt.date:
    y, m, d = parse_partial(value)
    if d:
        return dt.date(y, m, d)
    if m:
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    return dt.date(y, 12, 31)


def as_day(value: str | dt.date | None) -> dt.date | None:
    """A query date (`--as-of 2022-10`) taken at the start of what it names."""
    if value is None or isinstance(value, dt.date):
        return value
    return start_of(value)
