"""JSONL export: the accepted claims in view, one per line, in the interchange format of the
spec with ids, review status and sources (what `stationwatch claims import` reads back)."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

from ..query import claim_start


def lines(accepted: Iterable[dict], as_of: dt.date) -> Iterator[str]:
    """The accepted claims that had started to hold by `as_of` (`Snapshot.in_view`), a line each."""
    return (json.dumps(c, ensure_ascii=False) + "\n" for c in accepted if claim_start(c) <= as_of)
