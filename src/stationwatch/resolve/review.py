"""Resolution over a store: candidate pairs to review, judgements, recorded auto-merges, clusters.

What `stationwatch resolve` calls. Judgements are stored by Store.judge (who, when, the
score and reasons at the time) and never deleted: the latest one for a pair is in force,
and clusters are recomputed from all of them every time, so a merge is undone by judging
the same pair "different".
"""
from __future__ import annotations

from ..store import Store, StoreError
from ..stations import claim_mentions
from .resolver import DEFAULT_THRESHOLD, Record, Resolution, resolve

JUDGEMENTS = ("same", "different", "unsure")


def resolution(store: Store, *, threshold: float = DEFAULT_THRESHOLD,
               judgements: list[dict] | None = None) -> tuple[Resolution, list[dict]]:
    """The resolution of the accepted station claims, and those claims (mention i = claim i)."""
    claims, mentions = claim_mentions(store.claims(status="accepted"))
    res = resolve(mentions, store.judgements() if judgements is None else judgements, threshold=threshold)
    return res, claims


def _pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _status(res: Resolution, a: str, b: str) -> str:
    ca, cb = res.cluster_of_record.get(a), res.cluster_of_record.get(b)
    if ca and ca == cb:
        return "merged"
    attached = res.attached_to
    if cb in attached.get(a, ()) or ca in attached.get(b, ()):
        return "attached"
    return "separate"


def _record_json(r: Record) -> dict:
    return {"id": r.id, "label": r.label, "names": r.names, "mentions": len(r.mentions)}


def pairs(store: Store, *, country: str | None = None, min_score: float = 0.5, include_judged: bool = False,
          threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Candidate pairs of station records, best first, each with its score and reasons."""
    res, _ = resolution(store, threshold=threshold)
    judged = {_pair_key(j["left_id"], j["right_id"]): j for j in store.judgements()}
    out = []
    for p in sorted(res.pairs, key=lambda p: (-p.score, p.left, p.right)):
        a, b = res.records[p.left], res.records[p.right]
        if p.score < min_score or (country and a.country != country.upper()):
            continue
        j = judged.get(_pair_key(a.id, b.id))
        if j and not include_judged:
            continue
        out.append({**p.as_json(), "left": _record_json(a), "right": _record_json(b),
                    "status": _status(res, a.id, b.id),
                    "judgement": {"judgement": j["judgement"], "by": j["judged_by"],
                                  "at": str(j["judged_at"])} if j else None})
    return out


def _find(res: Resolution, ref: str) -> str:
    """A record id from a record id, a station (cluster) id, or a unique prefix of either."""
    ref = ref.strip()
    clusters = {c.id: c for c in res.clusters}
    if ref in res.records:
        return ref
    if ref in clusters:
        return clusters[ref].records[0].id
    if len(ref) >= 6:
        hits = {rid for rid in res.records if rid.startswith(ref)}
        hits |= {c.records[0].id for cid, c in clusters.items() if cid.startswith(ref)}
        if len(hits) == 1:
            return hits.pop()
        if len(hits) > 1:
            raise StoreError(f"station id prefix {ref} is ambiguous")
    raise StoreError(f"no station or record with id {ref} (see `stationwatch resolve clusters --all`)")


def judge(store: Store, left: str, right: str, judgement: str, *, by: str | None = None) -> dict:
    """Record a judgement between two stations (or records) and say what it changed."""
    if judgement not in JUDGEMENTS:
        raise StoreError(f"judgement {judgement!r} is not one of {', '.join(JUDGEMENTS)}")
    res, _ = resolution(store)
    a, b = _find(res, left), _find(res, right)
    if a == b:
        raise StoreError("both ids name the same record")
    scored = next((p for p in res.pairs if _pair_key(p.left, p.right) == _pair_key(a, b)), None)
    store.judge(a, b, judgement, by=by, score=scored.score if scored else None,
                reasons=[r.as_json() for r in scored.reasons] if scored else None)
    after, _ = resolution(store)
    return {"left": _record_json(res.records[a]), "right": _record_json(res.records[b]),
            "judgement": judgement, "by": by, "status": _status(after, a, b),
            "station": after.cluster_of_record.get(a)}


def auto(store: Store, above: float, *, by: str | None = None) -> dict:
    """Record as "same" judgements (by "auto:X") the merges the resolver makes at threshold
    `above`: pairs scoring at least that which end in one station. Pairs whose vaguer side
    fits several stations are left for review."""
    by = by or f"auto:{above:g}"
    res, _ = resolution(store, threshold=above)
    judged = {_pair_key(j["left_id"], j["right_id"]) for j in store.judgements()}
    recorded, left_for_review = [], []
    for p in sorted(res.pairs, key=lambda p: (-p.score, p.left, p.right)):
        if p.score < above or p.conflict or _pair_key(p.left, p.right) in judged:
            continue
        if _status(res, p.left, p.right) == "merged":
            store.judge(p.left, p.right, "same", by=by, score=p.score, reasons=[r.as_json() for r in p.reasons])
            recorded.append(p.as_json())
        else:
            left_for_review.append(p.as_json())
    return {"by": by, "recorded": recorded, "left_for_review": left_for_review}


def clusters(store: Store, *, country: str | None = None, everything: bool = False,
             threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Stations as merged: their records (one per canonical key) with the mentions (claims) in
    them as written, and records attached to them. Without `everything`, only stations that
    merge something: several records, several names (Milano, 米兰), or attached records."""
    res, claims = resolution(store, threshold=threshold)
    out = []
    for c in res.clusters:
        if country and c.country != country.upper():
            continue
        names = {n for r in c.records for n in r.names}
        if not everything and len(c.records) < 2 and not c.attached and len(names) < 2:
            continue
        row = c.as_json()
        for part, recs in (("records", c.records), ("attached", c.attached)):
            for r, rec in zip(row[part], recs):
                r["claim_ids"] = [claims[int(m.id)]["id"] for m in rec.mentions]
                r["mentions"] = [{"claim_id": claims[int(m.id)]["id"], "predicate": claims[int(m.id)]["predicate"],
                                  "locality": m.locality, "operator": m.operator,
                                  "source": (claims[int(m.id)].get("source") or {}).get("publisher")}
                                 for m in rec.mentions]
        out.append(row)
    return out
