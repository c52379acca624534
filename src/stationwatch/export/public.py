"""What may leave the project in a public export.

The people in this record (exiles, relatives, witnesses) are at risk, so a `--public`
export keeps institutions and drops every claim that is about, or spoken by, a person.
This is the one place that decides it: every exporter and the report call
`public_claims`, and a richer person model extends `is_public`, not the exporters.

Today a claim is not public when
- its `subject` or `object` has `"type": "person"`, or
- its `said_by` is marked as a person (`"type": "person"`).
Nothing else is redacted: a public export is the full record minus those claims.
"""
from __future__ import annotations

from collections.abc import Iterable

PERSON = "person"


def _is_person(part: object) -> bool:
    return isinstance(part, dict) and part.get("type") == PERSON


def is_public(claim: dict) -> bool:
    """May this claim appear in a public export?"""
    return not any(_is_person(claim.get(part)) for part in ("subject", "object", "said_by"))


def public_claims(claims: Iterable[dict]) -> list[dict]:
    """The claims of `claims` that may appear in a public export, in their order."""
    return [c for c in claims if is_public(c)]
