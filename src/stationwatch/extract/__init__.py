"""Claim extraction: from a document's plain text to claims in the interchange format.

    from stationwatch.extract import extract_claims
    claims = extract_claims(text, published="2022-12-15")

Every claim passes `stationwatch.model.validate_claim`, and its excerpt is the sentence
that supports it, `excerpt.text == text[start:end]`. See ../../../shared/spec/claims.md.
"""
from __future__ import annotations

import datetime as dt

from .document import Doc, View
from .gazetteer import F_PLACE
from .language import detect
from .rules import Draft, SentenceRules
from .speakers import CN, Context, SentenceSpeech

__all__ = ["extract_claims"]


def extract_claims(text: str, *, published: str | None = None, language: str | None = None) -> list[dict]:
    """Claims found in `text`.

    `published` (YYYY-MM-DD) anchors relative dates ('in November', 'last year');
    `language` is an ISO 639-1 code, detected from a sample of the text when not given.
    """
    if published is not None:
        dt.date.fromisoformat(published)  # a bad date is the caller's error, said early
    if not text or not text.strip():
        return []
    lang = (language or "").lower()[:2] or None
    doc = Doc(text, lang, published, detect=None if lang else detect)
    ctx = Context()
    claims: list[dict] = []
    for sent in doc.sentences_to_read():
        if sent.para != ctx.para:
            ctx.para, ctx.current = sent.para, None
        view = View(doc, sent)
        speech = SentenceSpeech(view, ctx)
        ctx.station_age += 1
        if view.triggered:
            before = lambda s=sent: _previous_countries(doc, s)  # noqa: E731 - read only if needed
            rules = SentenceRules(view, speech, ctx, before)
            for draft in rules.run():
                claims.append(_finish(draft, view, speech))
            if rules.linked:
                ctx.station_places, ctx.station_age = rules.linked, 0
            elif rules.carried:
                ctx.station_age = 0  # 'the stations' again: still the same ones
    claims += _acknowledgements(claims)
    return _dedupe(claims)


def _compact(d: dict | None) -> dict | None:
    """Members sorted, nulls dropped: the normalized form `validate_claim` returns."""
    if not d:
        return None
    out = {k: v for k, v in sorted(d.items()) if v is not None and v != {}}
    return out or None


def _finish(d: Draft, view: View, speech: SentenceSpeech) -> dict:
    """The claim in the normalized interchange form (the tests hold it to `validate_claim`)."""
    speaker, carried = (d.said_by, False) if d.said_by is not None else speech.speaker_at(d.pos)
    confidence = d.confidence * (0.9 if carried else 1.0)
    return {
        "predicate": d.predicate,
        "subject": _compact(d.subject),
        "object": _compact(d.object),
        "value": d.value,
        "scope": _compact(d.scope),
        "qualifier": d.qualifier,
        "stance": d.stance,
        "said_by": speaker.as_json() if speaker else {"name": None, "country": None},
        "valid": {"from": d.valid_from, "to": d.valid_to},
        "excerpt": view.excerpt(),
        "confidence": round(min(1.0, max(0.0, confidence)), 2),
    }


def _previous_countries(doc: Doc, sent) -> list[str]:
    """Non-Chinese countries the sentence before is about, for this sentence's 'there'."""
    before = doc.segmenter.sentence_before(sent)
    return _countries(View(doc, before)) if before is not None and doc.flags(before) & F_PLACE else []


def _countries(view: View) -> list[str]:
    out = []
    for m in view.mentions:
        if m.kind in ("place", "demonym") and m.country and m.country != CN:
            out.append(m.country)
    return out


def _acknowledgements(claims: list[dict]) -> list[dict]:
    """A host government that counts stations on its own soil acknowledges they exist
    (not when what it counts is what it investigates: 'investigating reports of three')."""
    probed = {(c["excerpt"]["start"], c["subject"]["country"]) for c in claims
              if c["predicate"] == "response.investigation"}
    out = []
    for c in claims:
        country = (c["scope"] or {}).get("country")
        if c["predicate"] == "count.stations" and country and country != CN \
                and c["said_by"]["country"] == country and (c["excerpt"]["start"], country) not in probed:
            out.append(dict(c, predicate="response.acknowledgement",
                            subject={"country": country, "type": "government"},
                            value=None, scope=None, qualifier=None,
                            confidence=round(c["confidence"] * 0.9, 2)))
    return out


def _frozen(d: dict | None) -> tuple | None:
    # Every dict of a finished claim is built in sorted key order (_compact) or in one
    # fixed order (said_by, valid), so equal dicts give equal items without sorting.
    return None if d is None else tuple(d.items())


def _dedupe(claims: list[dict]) -> list[dict]:
    best: dict[tuple, dict] = {}
    for c in claims:
        key = (c["predicate"], _frozen(c["subject"]), _frozen(c["object"]), c["value"], _frozen(c["scope"]),
               c["qualifier"], c["stance"], _frozen(c["said_by"]), _frozen(c["valid"]),
               c["excerpt"]["start"], c["excerpt"]["end"])
        if key not in best or best[key]["confidence"] < c["confidence"]:
            best[key] = c
    return list(best.values())
