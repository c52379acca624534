"""What may leave the project, or be shown to a viewer: the one place that decides it.

The people in this record (exiles, relatives, witnesses) are at risk, so the public view
(`export --public`, `serve --public`, the report, and what a viewer account sees) keeps
institutions and protects people:

1. A claim is not public when its `subject` or `object` has `"type": "person"`, when its
   `said_by` is marked as a person (`"type": "person"`), or when its speaker's name is a
   registered name to protect. Such claims are left out whole.
2. Registered names (`Store.protect`: names and aliases of people to protect, any script)
   are replaced by "[person]" in what remains: excerpts, notes, speaker and source
   names, document text. Matching ignores case, spacing and separators between the parts
   of a name ("Wang Jingyu", "WANG-Jingyu", "wang_jingyu" in a URL), and covers simplified
   and traditional spellings of a Chinese name.
3. A source URL that contains a registered name is withheld (a link cannot be redacted).

Every exporter, the report and the web app's public view go through `public_claims`,
`Redactor` and `redactor_for`; a richer rule extends this module, not its callers.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

from ..model import PERSON, source_id
from ..store import Sharing, slim_claim

REDACTED = "[person]"

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]")
_SEPARATORS = r"[\W_]{0,3}"  # between the parts of a name: space, hyphen, comma, underscore, dot...
_SPLIT = re.compile(r"[\s\-_.,·・‧]+")


def _is_person(part: object) -> bool:
    return isinstance(part, dict) and part.get("type") == PERSON


@lru_cache(maxsize=1)
def _converters():
    try:
        import opencc
        return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a dependency; degrade to the names as given
        return ()


def _variants(name: str) -> set[str]:
    """The name, and its simplified and traditional spellings when it has Chinese characters."""
    out = {name}
    if _CJK.search(name):
        for conv in _converters():
            out.add(conv.convert(name))
    return out


def _pattern(name: str) -> str | None:
    tokens = [t for t in _SPLIT.split(name.strip()) if t]
    if not tokens:
        return None
    parts = []
    for tok in tokens:
        # Chinese and Japanese text may put a space between characters; Latin words stay whole
        parts.append(r"\s?".join(re.escape(ch) for ch in tok) if _CJK.search(tok) else re.escape(tok))
    body = _SEPARATORS.join(parts)
    first, last = tokens[0][0], tokens[-1][-1]
    # a word boundary only where the name starts or ends with a letter of a spaced script:
    # "Li" must not match inside "Lisbon", but 王靖渝 must match inside 王靖渝说
    left = r"(?<!\w)" if first.isalnum() and not _CJK.match(first) else ""
    right = r"(?!\w)" if last.isalnum() and not _CJK.match(last) else ""
    return left + body + right


def _fold(name: str | None) -> str:
    return " ".join(_SPLIT.split((name or "").casefold())).strip()


class Redactor:
    """Finds and replaces registered names. Built from `Store.sensitive_names()` rows (or
    plain strings); an empty Redactor changes nothing."""

    def __init__(self, entries: Iterable[dict | str] = ()):
        names: set[str] = set()
        for e in entries:
            if isinstance(e, str):
                names.add(e)
            else:
                names.add(e["name"])
                names.update(e.get("aliases") or ())
        names = {v for n in names if n and n.strip() for v in _variants(n.strip())}
        self.names = frozenset(names)
        self._folded = frozenset(_fold(n) for n in names)
        patterns = [p for p in (_pattern(n) for n in sorted(names, key=len, reverse=True)) if p]
        self._re = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None

    def __bool__(self) -> bool:
        return self._re is not None

    def spans(self, text: str | None) -> list[tuple[int, int]]:
        if not text or self._re is None:
            return []
        return [m.span() for m in self._re.finditer(text)]

    def mentions(self, text: str | None) -> bool:
        return bool(text) and self._re is not None and self._re.search(text) is not None

    def redact(self, text: str | None) -> str | None:
        if not text or self._re is None:
            return text
        return self._re.sub(REDACTED, text)

    def pieces(self, text: str, cuts: Iterable[int]) -> list[str]:
        """`text` cut at `cuts`, each piece redacted; a cut inside a name moves to its start,
        so that no piece shows half a name."""
        spans = self.spans(text)
        points = []
        for at in cuts:
            for s, e in spans:
                if s < at < e:
                    at = s
                    break
            points.append(at)
        bounds = [0, *points, len(text)]
        return [self.redact(text[a:b]) or "" for a, b in zip(bounds, bounds[1:])]

    def redact_label(self, text: str | None) -> str | None:
        """A file name or address, redacted: a percent-encoded name ("%E6%9E%97...") is found
        too, and then the label is shown decoded and redacted."""
        if not text or self._re is None:
            return text
        plain = unquote(text).replace("+", " ") if ("%" in text or "+" in text) else text
        return self.redact(plain) if self.mentions(plain) else text

    def is_name(self, name: str | None) -> bool:
        """Whether a speaker's name is (or names) a registered person."""
        return bool(name) and (_fold(name) in self._folded or self.mentions(name))

    def url(self, url: str | None) -> str | None:
        """The URL, or None when it names a registered person (a link cannot be redacted)."""
        if not url or self._re is None:
            return url
        plain = unquote(url)
        return None if self._re.search(plain) or self._re.search(plain.replace("+", " ")) else url


NO_NAMES = Redactor()


def redactor_for(store) -> Redactor:
    """The redactor of a store's register of names to protect (empty for a store without one)."""
    get = getattr(store, "sensitive_names", None)
    return Redactor(get()) if get else NO_NAMES


def is_public(claim: dict, redactor: Redactor | None = None) -> bool:
    """May this claim appear in the public view at all?"""
    if any(_is_person(claim.get(part)) for part in ("subject", "object", "said_by")):
        return False
    if redactor and redactor.is_name((claim.get("said_by") or {}).get("name")):
        return False
    return True


def redact_claim(claim: dict, redactor: Redactor) -> dict:
    """A copy of a public claim with registered names replaced in its free text. An excerpt
    whose text changed is marked `"redacted": true` (its offsets still point into the
    original document, which the public view does not serve)."""
    if not redactor:
        return claim
    c = copy.deepcopy(claim)
    ex = c.get("excerpt")
    if ex and ex.get("text"):
        text = redactor.redact(ex["text"])
        if text != ex["text"]:
            ex["text"], ex["redacted"] = text, True
    if c.get("note"):
        c["note"] = redactor.redact(c["note"])
    for part in ("subject", "object", "said_by"):
        d = c.get(part)
        if isinstance(d, dict) and isinstance(d.get("name"), str):
            d["name"] = redactor.redact(d["name"])
    src = c.get("source")
    if isinstance(src, dict):
        for k in ("title", "publisher"):
            if isinstance(src.get(k), str):
                src[k] = redactor.redact(src[k])
        if src.get("url") and redactor.url(src["url"]) is None:
            src["url"] = None
    return c


def public_claims(claims: Iterable[dict], redactor: Redactor | None = None) -> list[dict]:
    """The claims of `claims` that may appear in public, in their order; with a `redactor`,
    as redacted copies."""
    out = [c for c in claims if is_public(c, redactor)]
    return [redact_claim(c, redactor) for c in out] if redactor else out


class PublicReader:
    """A store as the public view reads it: the read side of `Store` the query layer and the
    web views use (`iter_claims`, `find_claims`, `count_claims`, `claim_heads`, `source_rows`,
    `judgements`, the ledger), over
    public claims only, redacted. The store selects them in SQL (`public_speakers`: the
    speakers whose names are registered to protect), and every claim is checked again with
    `is_public` before it leaves, so the two rules cannot drift apart unnoticed.

    Made per store version: the register of names and the speakers both change with writes."""

    public = True

    def __init__(self, store):
        self.store = store
        self.url = f"{store.url}#public"  # its own entry in caches keyed by store
        self.redactor = redactor_for(store)
        self.hidden = tuple(n for n in store.speakers() if self.redactor.is_name(n)) if self.redactor else ()

    def ledger_head(self):
        return self.store.ledger_head()

    def ledger_entry(self, seq: int):
        return self.store.ledger_entry(seq)

    def ledger_since(self, seq: int, **kw):
        return self.store.ledger_since(seq, **kw)

    def judgements(self, **kw):
        return self.store.judgements(**kw)

    def _filters(self, status: str | None, filters: dict) -> dict | None:
        if status not in (None, "accepted"):
            return None  # the public view holds accepted claims only
        return {**filters, "status": "accepted", "public_speakers": self.hidden}

    def _shown(self, claims: Iterable[dict]) -> Iterable[dict]:
        for c in claims:
            if is_public(c, self.redactor):
                yield redact_claim(c, self.redactor)

    def iter_claims(self, *, status: str | None = None, keyed: bool = False, slim: bool = False, **filters):
        """The store's `iter_claims`, public claims only, redacted; `slim` ones are made slim
        after redaction (from the whole claim, which the public check reads)."""
        f = self._filters(status, filters)
        if f is None:
            return iter(())
        made = lambda c: c  # noqa: E731
        if slim:
            one = Sharing().part
            made = lambda c: slim_claim(c, one)  # noqa: E731
        if not keyed:
            return (made(c) for c in self._shown(self.store.iter_claims(**f)))
        return ((k, made(shown)) for k, c in self.store.iter_claims(keyed=True, **f) for shown in self._shown((c,)))

    def find_claims(self, *, status: str | None = None, order: str = "stored", limit: int | None = None,
                    offset: int = 0, **filters) -> list[dict]:
        f = self._filters(status, filters)
        return [] if f is None else list(self._shown(self.store.find_claims(order=order, limit=limit,
                                                                            offset=offset, **f)))

    def count_claims(self, *, status: str | None = None, by: str | None = None, **filters):
        f = self._filters(status, filters)
        if f is None:
            return {} if by else 0
        return self.store.count_claims(by=by, **f)

    def claim_heads(self, *, status: str | None = None, **filters) -> list[dict]:
        f = self._filters(status, filters)
        return [] if f is None else self.store.claim_heads(**f)

    def source_rows(self, *, status: str | None = None, **filters) -> list[dict]:
        f = self._filters(status, filters)
        if f is None:
            return []
        out = []
        for r in self.store.source_rows(**f):
            shown = dict(r, title=self.redactor.redact(r["title"]), publisher=self.redactor.redact(r["publisher"]),
                         url=self.redactor.url(r["url"]), store_id=r["id"])
            shown["id"] = source_id(shown)  # as the redacted claims' sources give it, for their links
            out.append(shown)
        return out
