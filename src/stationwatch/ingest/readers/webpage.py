"""HTML pages: main text and metadata via trafilatura, boilerplate dropped."""
from __future__ import annotations

import codecs
import logging
import re

from ..base import IngestError, Reader, ReadResult, clean_meta, extension, partial_date_from_text
from ..textcodec import decode_text, head_text, is_binary, wide_encoding

# Documents that open like this are HTML whatever else they contain.
_STRONG_START = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.I)
_XML_PROLOG_THEN_HTML = re.compile(r"^<\?xml[^>]*>.*?<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
# Documents that merely open with a common tag: a Markdown README can start
# with <div align=center> too, so these lose to a text/Markdown file name.
_WEAK_START = re.compile(
    r"<(?:!--|script|iframe|h[1-6]|div|font|table|a|style|title|b|br|p|meta|link|"
    r"section|article|header|nav|span|ul)[\s>/]", re.I)
_TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".mdown", ".mkd")
_CHARSET_SEARCH_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Pages labelled GB2312/GBK routinely contain GB18030-only characters (and
# ISO-8859-1 pages Windows-1252 quotes); decode with the superset.
_CHARSET_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso-8859-1": "cp1252",
                      "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "big5": "big5hkscs"}


def _start_of_markup(data: bytes) -> str:
    return head_text(data).lstrip()


def _is_whole_document(start: str) -> bool:
    return bool(_STRONG_START.match(start) or _XML_PROLOG_THEN_HTML.match(start))


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:_CHARSET_SEARCH_BYTES])
    if not m:
        return None
    charset = m[1].decode("ascii").lower()
    charset = _CHARSET_SUPERSETS.get(charset, charset)
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _decode_html(data: bytes) -> str:
    """Unicode BOMs first, then valid UTF-8, then the page's own <meta charset>,
    then a guess. trafilatura alone would skip the meta tag and guess."""
    wide = wide_encoding(data)
    if wide:
        return data.decode(wide, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared:
        return data.decode(declared, errors="replace")
    decoded = decode_text(data)
    return decoded.text if decoded else data.decode("utf-8", errors="replace")


def _markup(data: bytes) -> str:
    """Fragments (e.g. a saved <div>) get an <html><body> wrapper, without
    which trafilatura refuses them as not HTML."""
    html = _decode_html(data)
    if _is_whole_document(_start_of_markup(data)):
        return html
    return f"<html><body>{html}</body></html>"


def _extract(markup: str):
    import trafilatura

    # trafilatura logs every page it finds thin; that is our error to report, not its.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    return trafilatura.bare_extraction(markup, include_comments=False, with_metadata=True,
                                       include_tables=True, include_images=False, include_links=False)


def _metadata_only(markup: str):
    from trafilatura import extract_metadata
    from trafilatura.utils import load_html

    tree = load_html(markup)
    return extract_metadata(tree) if tree is not None else None


def _whole_page_text(markup: str) -> str:
    """Fallback for pages too short for main-text extraction; scripts and styles are dropped."""
    from trafilatura import html2txt

    return (html2txt(markup) or "").strip()


class HtmlReader(Reader):
    name = "html"
    order = 60
    extensions = (".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx")
    junk_message = "binary data, not HTML text"

    def sniff(self, data: bytes, name: str) -> bool:
        start = _start_of_markup(data)
        if _is_whole_document(start):
            return True
        return bool(_WEAK_START.match(start)) and extension(name) not in _TEXT_EXTENSIONS

    def read(self, data: bytes, name: str) -> ReadResult:
        if is_binary(data):
            raise IngestError("binary data, not HTML text")
        markup = _markup(data)
        doc = _extract(markup)
        text = (doc.text or "").strip() if doc else ""
        warnings = []
        if not text:
            text = _whole_page_text(markup)
            doc = doc or _metadata_only(markup)
            warnings.append("no main article text found; used the whole page's text (may include boilerplate)")
        if not text:
            raise IngestError("HTML has no readable text (only scripts/markup)")
        return ReadResult(
            text=text,
            media_type="text/html",
            title=clean_meta(doc.title) if doc else None,
            author=clean_meta(doc.author) if doc else None,
            published=partial_date_from_text(doc.date) if doc else None,
            reader=self.name,
            warnings=warnings,
        )
