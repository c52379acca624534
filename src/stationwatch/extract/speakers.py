"""Who says what: speech cues, their agents, and the speaker carried between sentences.

A speaker is found next to a speech cue ('X said', 'according to X', 'X表示', 'X에 따르면'):
a named organization, a state body ('the German government', 'China's Ministry of
Foreign Affairs', 'governo italiano', '德国政府'), a state metonym ('Beijing', 'the
communist regime'), an anaphor ('the NGO', 'the report') resolved to the last named
organization, an unqualified state noun ('the ministry') resolved to the last state body
of that kind, or a capitalized name. Within a paragraph, sentences without a cue of
their own keep the last speaker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import resources
from .document import Mention, View
from .normalize import CJK

CN = "CN"
MINISTRY_TYPES = ("foreign_ministry", "interior_ministry", "ministry")
_BREAK = re.compile(r"[,;:.!?()—–，；：。]")
_PHRASE_END = re.compile(r"[,;:.!?—–，；：。]")
_MARKUP = re.compile(r"</?\w+>|[*_]")
_GENERIC_NAME = re.compile(
    r"((?:[A-ZÀ-Ý][\w'’&.-]*|of|for|the|de|la|le|del|di|der|van|von|and|&|el|il)\s+){0,5}[A-ZÀ-Ý][\w'’&.-]*\s*$")
_NOT_NAMES = frozenset({"the", "it", "this", "that", "he", "she", "they", "we", "i", "you", "but", "and",
                        "yet", "also", "however", "meanwhile", "previously", "recently", "in", "on", "at"})
_PRONOUN_BEFORE = re.compile(r"(?:^|\s)(it|they|he|she|we|esso|essa|es|sie|er|il|elle|ils|ello|ella|hij|zij|het|ele|ela)\s+$", re.I)
_POSSESSIVE = re.compile(r"^(?:['’]s)?\s*$")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_OF_LINK = re.compile(r"^\s*(?:'s|’s|of|in|at|de|del|della|di|du|des|da|do|dos|das|van|von|der|den|the|la|le|el|il)?\s*"
                      r"(?:the|la|le|el|il|l'|l’)?\s*$", re.I)


@dataclass(frozen=True)
class Speaker:
    name: str | None
    country: str | None
    kind: str  # state, ngo, media, party, generic
    gtype: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "country": self.country}


@dataclass
class Candidate:
    start: int
    end: int
    kind: str  # entity, gov, anaphor, country
    speaker: Speaker | None = None
    gtype: str = ""


@dataclass
class Context:
    """What a document has said so far that later sentences refer back to."""
    para: int = -1
    current: Speaker | None = None
    last_org: Speaker | None = None  # the last NGO or other named non-state speaker
    last_media: Speaker | None = None
    state_by_type: dict[str, Speaker] = field(default_factory=dict)
    last_state: Speaker | None = None
    host: str | None = None  # the last non-Chinese government named: whose response this is
    station_places: list = field(default_factory=list)  # towns the last station sentence tied to a station
    station_age: int = 0  # sentences read since then

    def note(self, sp: Speaker | None) -> None:
        if sp is None:
            return
        if sp.kind == "state":
            self.last_state = sp
            if sp.gtype:
                self.state_by_type[sp.gtype] = sp
            if sp.country and sp.country != CN:
                self.host = sp.country
        elif sp.kind == "media":
            self.last_media = sp
        elif sp.kind in ("ngo", "generic", "party"):
            self.last_org = sp

    def resolve_gov(self, gtype: str, surface: str) -> Speaker | None:
        """'the ministry' is the last ministry named; 'the interior ministry', when no
        interior ministry was named, is that of the last government named."""
        if gtype in self.state_by_type:
            return self.state_by_type[gtype]
        if gtype == "ministry":
            for t in MINISTRY_TYPES:
                if t in self.state_by_type:
                    return self.state_by_type[t]
        if gtype == "embassy":
            # In reporting on these stations 'the embassy' with no country named is China's.
            return Speaker(surface, CN, "state", gtype)
        if self.last_state is None:
            return None
        country = self.host if gtype in ("interior_ministry", "police") and self.host else self.last_state.country
        return Speaker(surface, country, "state", gtype)

    def host_for(self, gtype: str) -> str | None:
        """Country of an unqualified state noun in a host government's response."""
        sp = self.state_by_type.get(gtype)
        if sp and sp.country and sp.country != CN:
            return sp.country
        return self.host


def _clean(text: str) -> str:
    text = _MARKUP.sub(" ", text)
    text = _ARTICLE.sub("", " ".join(text.split()))
    return text.strip(" ,\"'“”‘’")


def country_of(m: Mention, towns: bool = False) -> str | None:
    """The country a mention stands for when it qualifies a noun or is an actor
    (a town only with `towns`: 'the police in Toronto', 'procura di Firenze')."""
    if m.kind == "demonym":
        return m.country
    if m.kind == "place" and m.place is not None and (m.place.locality is None or m.place.capital or towns):
        return m.country
    if m.kind == "org" and m.cat == "state":
        return m.country
    return None


def qualify_gov(view: View, g: Mention) -> tuple[str | None, int, int]:
    """Country of a government noun ('the German government', 'governo italiano',
    'government in Berlin', '中国外交部') and where the qualified phrase starts."""
    text = view.text
    before = [m for m in view.mentions if m.end <= g.start and m is not g]
    for m in reversed(before):
        gap = text[m.end:g.start]
        if view.words(m.end, g.start) > 3 or _BREAK.search(gap.replace("'s", "").replace("’s", "")):
            break
        if view.folded(max(0, m.start - 1), m.start) == "驻":
            continue  # 中国驻意大利大使馆: Italy is where the Chinese embassy is
        c = country_of(m)
        if c is None and m.kind == "place" and m.end <= g.start and _POSSESSIVE.match(gap):
            c = m.country  # 'Toronto police', '多伦多警方', '서울경찰청': a town's own body
        if c:
            return c, m.start, g.end
    after = [m for m in view.mentions if m.start >= g.end]
    for m in after:
        gap = text[g.end:m.start]
        if view.words(g.end, m.start) > 2 or _BREAK.search(gap):
            break
        c = country_of(m, towns=True)
        if c and _OF_LINK.match(gap):
            return c, g.start, m.end
    return None, g.start, g.end


def _preceded_by_preposition(view: View, m: Mention) -> bool:
    before = view.text[max(view.start, m.start - 12):m.start].lower().split()
    return bool(before) and before[-1] in _prepositions(view.doc.lang)


@lru_cache(maxsize=16)
def _prepositions(lang: str | None) -> frozenset[str]:
    g = resources.table("grammar")
    words = set(resources.per_language(g["locative"], lang))
    words |= {"from", "to", "with", "by", "against", "for", "about", "da", "con", "mit", "aus", "avec", "con", "met", "com"}
    return frozenset(words)


def candidates(view: View, ctx: Context) -> list[Candidate]:
    """Possible speakers in a sentence, resolved against the context in reading order."""
    out: list[Candidate] = []
    org_spans = {(m.start, m.end) for m in view.mentions if m.kind == "org"}
    for m in view.mentions:
        if m.kind == "gov" and (m.start, m.end) in org_spans:
            continue  # 'Auswärtiges Amt' is named: no need to guess whose it is
        if m.kind == "org":
            kind = "state" if m.country else m.cat
            sp = Speaker(m.name, m.country, kind, "government" if kind == "state" else "")
            out.append(Candidate(m.start, m.end, "entity", sp))
        elif m.kind == "gov":
            country, start, end = qualify_gov(view, m)
            if country:
                name = _clean(view.text[start:end])
                out.append(Candidate(start, end, "entity", Speaker(name, country, "state", m.cat), m.cat))
            else:
                out.append(Candidate(m.start, m.end, "gov", None, m.cat))
        elif m.kind == "kw" and m.cat == "anaphor_org":
            out.append(Candidate(m.start, m.end, "anaphor"))
        elif m.kind == "place" and country_of(m) and not _preceded_by_preposition(view, m):
            sp = Speaker(_clean(view.text[m.start:m.end]), m.country, "state", "government")
            out.append(Candidate(m.start, m.end, "country", sp))
    out = _drop_nested(out)
    for c in out:
        if c.kind == "anaphor":
            c.speaker = ctx.last_org
        elif c.kind == "gov" and c.gtype == "spokesperson":
            # 'Das Auswärtige Amt habe protestiert, sagte ein Sprecher': the spokesperson
            # of the sentence's own state actor, else of the last one named.
            own = next((x.speaker for x in out if x.kind == "entity" and x.start < c.start and x.speaker
                        and x.speaker.kind == "state"), None)
            surface = _clean(view.text[c.start:c.end])
            c.speaker = Speaker(surface, own.country, "state", own.gtype) if own \
                else ctx.resolve_gov(c.gtype, surface)
        elif c.kind == "gov":
            c.speaker = ctx.resolve_gov(c.gtype, _clean(view.text[c.start:c.end]))
        elif c.kind == "entity":
            ctx.note(c.speaker)
    return out


def _drop_nested(cands: list[Candidate]) -> list[Candidate]:
    """A government noun qualified by a country swallows the country mention."""
    out = []
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


@dataclass
class Cue:
    start: int
    end: int
    agent: Speaker | None
    forward: bool = False  # 'allegations made by X': says who stands behind what follows only
    phrase_end: int = 0  # where 'according to X' ends


class SentenceSpeech:
    """The speech cues of one sentence and who each one is said by."""

    def __init__(self, view: View, ctx: Context) -> None:
        self.view = view
        self.cands = candidates(view, ctx)
        # Reported speech runs on until a sentence opens with an actor of its own
        # ('The ministry has opened an investigation' is no longer the NGO talking).
        self.carried = None if self._opens_with_actor() else ctx.current
        self.cues = self._cues(ctx)
        agents = [c.agent for c in self.cues if c.agent is not None]
        if agents:
            ctx.current = agents[-1]
            ctx.note(agents[-1])

    def _cues(self, ctx: Context) -> list[Cue]:
        view = self.view
        out: list[Cue] = []
        previous: Speaker | None = None
        speech_words = {(m.start, m.end) for m in view.mentions
                         if m.kind == "kw" and m.cat in ("speech_before", "speech_after", "speech_forward")}
        for m in view.mentions:
            if m.kind == "kw" and m.cat == "acknowledge" and (m.start, m.end) not in speech_words:
                # 'Die Bundesregierung hat Kenntnis von ...', 'the ministry is aware of ...':
                # a state body acknowledging says what it acknowledges.
                agent = self._before(m, previous, ctx)
                if agent is not None and agent.kind == "state":
                    out.append(Cue(m.start, m.end, agent, False, m.end))
                    previous = agent
                continue
            if m.kind != "kw" or m.cat not in ("speech_before", "speech_after", "speech_forward"):
                continue
            if m.cat in ("speech_after", "speech_forward"):
                agent, phrase_end = self._after(m)
            else:
                agent, phrase_end = self._before(m, previous, ctx), m.end
            out.append(Cue(m.start, m.end, agent, m.cat == "speech_forward", phrase_end))
            previous = agent or previous
        return out

    def _after(self, cue: Mention) -> tuple[Speaker | None, int]:
        """'according to X': the best candidate up to the next comma, and where X ends."""
        view = self.view
        stop = view.end
        brk = _PHRASE_END.search(view.text, cue.end, view.end)
        if brk:
            stop = brk.start()
        found = [c for c in self.cands if cue.end <= c.start < stop and c.speaker is not None]
        if not found:
            name = _clean(view.text[cue.end:stop])
            return (Speaker(name, None, "generic") if _looks_like_name(name) else None), stop
        rank = {"entity": 0, "country": 1, "gov": 2, "anaphor": 3}
        best = min(found, key=lambda c: (rank[c.kind], c.start))
        return best.speaker, best.end

    def _before(self, cue: Mention, previous: Speaker | None, ctx: Context) -> Speaker | None:
        """'X said': the nearest candidate just before, else a pronoun, else 'said X'."""
        view = self.view
        cjk = bool(CJK.search(view.text[cue.start:cue.end]))
        best = None
        for c in reversed(self.cands):
            if c.end > cue.start:
                continue
            if c.speaker is None:
                if c.kind == "anaphor" and view.words(c.end, cue.start) <= 2:
                    return None  # 'the report said', with no report named before: unknown
                continue
            gap = view.text[c.end:cue.start]
            if not cjk and (view.words(c.end, cue.start) > 6 or _BREAK.search(gap.replace("'s", "")
                                                                                .replace("’s", ""))):
                break
            best = c
            break
        if best is not None:
            return best.speaker
        head = view.text[view.start:cue.start]
        if _PRONOUN_BEFORE.search(head):
            subject = next((c for c in self.cands if c.speaker is not None and c.start < cue.start), None)
            return subject.speaker if subject else (previous or self.carried)
        for c in self.cands:
            if not cjk and cue.end <= c.start and view.words(cue.end, c.start) <= 3 and c.speaker is not None:
                return c.speaker  # '"...", said the ministry'
        if previous is not None:
            return previous  # 'X asserts ..., but claimed ...'
        window_start = max(view.start, cue.start - 80)
        m = _GENERIC_NAME.search(_MARKUP.sub(" ", view.text[window_start:cue.start]))
        if m:
            name = _clean(m.group(0))
            at_sentence_start = not view.text[view.start:window_start + m.start()].strip(" \"'“‘*")
            before = view.text[max(view.start, window_start + m.start() - 12):window_start + m.start()].split()
            after_preposition = bool(before) and before[-1].lower() in _prepositions(view.doc.lang)
            a, b = window_start + m.start(), window_start + m.end()
            a_place = any(x.kind == "place" and x.start < b and a < x.end for x in view.mentions)
            if _looks_like_name(name) and not (at_sentence_start and len(name.split()) == 1) \
                    and not after_preposition and not a_place:
                sp = Speaker(name, None, "generic")
                ctx.note(sp)
                return sp
        return None

    def _opens_with_actor(self) -> bool:
        view = self.view
        for c in self.cands:
            if c.kind in ("entity", "gov", "country") and view.words(view.start, c.start) <= 4:
                return True
        return False

    def speaker_at(self, pos: int) -> tuple[Speaker | None, bool]:
        """Who says the words at `pos`, and whether that was carried from earlier sentences."""
        before = [c for c in self.cues if c.start <= pos and c.agent is not None]
        if before:
            return before[-1].agent, False
        after = [c for c in self.cues if c.agent is not None and not c.forward]
        if after:
            return after[0].agent, False
        if any(not c.forward for c in self.cues):
            return None, False  # 'According to reports': said, but by no one we can name
        return self.carried, self.carried is not None


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 7:
        return False
    if all(w.lower() in _NOT_NAMES for w in words):
        return False
    return words[0][:1].isupper() and not words[0].isdigit()
