"""JSONL export: the accepted claims in view, one per line, in the interchange format of the
spec with ids, review status and sources (what `stationwatch claims import` reads back)."""
from __future__ import annotations

import json

from ..query.export_views import Snapshot


def render(snap: Snapshot) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in snap.in_view)
