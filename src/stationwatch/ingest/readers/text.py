"""Plain text and Markdown.

The text is the file's text exactly as decoded (BOM removed, CRLF kept), so
offsets found in it point into the file itself.
"""
from __future__ import annotations

import re

from ..base import IngestError, Reader, ReadResult, extension, partial_date_from_text
from ..textcodec import decode_text

_MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")
_TITLE_MAX_CHARS = 150
_LINES_SEARCHED_FOR_TITLE = 40
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_INLINE_MARKUP = re.compile(r"[*_`]+|!?\[([^\]]*)\]\([^)]*\)")
_FRONT_MATTER_FIELD = re.compile(r"^(title|author|date)\s*:\s*(.+?)\s*$", re.I)


def _strip_inline_markup(title: str) -> str:
    return _INLINE_MARKUP.sub(lambda m: m.group(1) or "", title).strip().strip("\"'")


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """title/author/date from a leading '---' block, and the index of the line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, str] = {}
    for i, line in enumerate(lines[1:_LINES_SEARCHED_FOR_TITLE], start=1):
        if line.strip() in ("---", "..."):
            return fields, i + 1
        m = _FRONT_MATTER_FIELD.match(line)
        if m:
            fields[m[1].lower()] = m[2].strip().strip("\"'")
    return {}, 0


def _markdown_heading(lines: list[str]) -> str | None:
    for i, line in enumerate(lines[:_LINES_SEARCHED_FOR_TITLE]):
        if m := _ATX_HEADING.match(line):
            return _strip_inline_markup(m[1])
        is_setext = i + 1 < len(lines) and line.strip() and _SETEXT_UNDERLINE.match(lines[i + 1])
        if is_setext and not line.strip().startswith("---"):
            return _strip_inline_markup(line.strip())
    return None


def _short_first_line(lines: list[str]) -> str | None:
    first = next((line.strip() for line in lines if line.strip()), None)
    if first and len(first) <= _TITLE_MAX_CHARS:
        return _strip_inline_markup(first) or None
    return None


def _is_markdown(name: str, lines: list[str], has_front_matter: bool) -> bool:
    if extension(name) in _MARKDOWN_EXTENSIONS or has_front_matter:
        return True
    first = next((line for line in lines if line.strip()), "")
    return bool(_ATX_HEADING.match(first))


class TextReader(Reader):
    name = "text"
    order = 90
    extensions = (".txt", ".text", *_MARKDOWN_EXTENSIONS)
    junk_message = "binary data, not text"

    def sniff(self, data: bytes, name: str) -> bool:
        return decode_text(data) is not None

    def read(self, data: bytes, name: str) -> ReadResult:
        decoded = decode_text(data)
        if decoded is None:
            raise IngestError("binary data, not text")
        if not decoded.text.strip():
            raise IngestError("text file has only whitespace")
        front, body_start = _front_matter(decoded.text.splitlines())
        lines = decoded.text.splitlines()[body_start:]
        markdown = _is_markdown(name, lines, body_start > 0)
        title = front.get("title") or (_markdown_heading(lines) if markdown else None) or _short_first_line(lines)
        return ReadResult(
            text=decoded.text,
            media_type="text/markdown" if markdown else "text/plain",
            title=title,
            author=front.get("author"),
            published=partial_date_from_text(front.get("date")),
            reader=self.name,
            warnings=[decoded.warning] if decoded.warning else [],
        )
