"""Formats we recognise but do not read, so the error names them instead of
calling them binary junk."""
from __future__ import annotations

from ..base import IngestError, Reader, ReadResult
from .word import is_zip, zip_names

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = (
    (_OLE2, "legacy Office file (.doc/.xls/.ppt) is not supported; convert it to DOCX or PDF"),
    (b"{\\rtf", "RTF is not supported; convert it to DOCX or PDF"),
    (b"\x1f\x8b", "gzip-compressed data; decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive is not supported"),
    (b"Rar!", "RAR archive is not supported"),
)
_ZIP_KINDS = (
    ("xl/workbook.xml", "XLSX spreadsheet is not supported"),
    ("ppt/presentation.xml", "PPTX presentation is not supported"),
    ("mimetype", "OpenDocument/EPUB file is not supported"),
)


def _zip_problem(data: bytes) -> str | None:
    names = zip_names(data)
    if names is None:
        return "not a valid zip/DOCX (damaged or truncated archive)"
    for part, message in _ZIP_KINDS:
        if part in names:
            return message
    return "zip archive that is not a DOCX (no word/document.xml)"


def _problem(data: bytes) -> str | None:
    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            return message
    if is_zip(data):
        return _zip_problem(data)
    return None


class UnsupportedReader(Reader):
    name = "unsupported"
    order = 40  # after DOCX has claimed its zips, before text would misread RTF

    def sniff(self, data: bytes, name: str) -> bool:
        return _problem(data) is not None

    def read(self, data: bytes, name: str) -> ReadResult:
        raise IngestError(_problem(data) or "unsupported format")
