"""read_bytes: pick the reader from the content, run it, add the language."""
from __future__ import annotations

from .base import MAX_BYTES, IngestError, Reader, ReadResult, extension, human_cap, human_size
from .language import detect_language
from .readers import readers_in_sniff_order

_GENERIC_JUNK = "unrecognised binary data (not PDF, DOCX, image, HTML or text)"


def _check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise IngestError("empty file")
    if len(data) > max_bytes:
        raise IngestError(f"file is {human_size(len(data))}, over the {human_cap(max_bytes)} cap")


def _reader_named_by(name: str) -> Reader | None:
    ext = extension(name)
    return next((r for r in readers_in_sniff_order() if ext and ext in r.extensions), None)


def _junk_message(name: str) -> str:
    claimed = _reader_named_by(name)
    if claimed and claimed.junk_message:
        return claimed.junk_message.format(ext=extension(name)[1:].upper())
    return _GENERIC_JUNK


def _pick_reader(data: bytes, name: str) -> Reader:
    for reader in readers_in_sniff_order():
        if reader.sniff(data, name):
            return reader
    raise IngestError(_junk_message(name))


def _name_mismatch(name: str, reader: Reader) -> list[str]:
    """Content decides the format; a misleading extension is still worth flagging."""
    claimed = _reader_named_by(name)
    if claimed is None or claimed.name == reader.name:
        return []
    return [f"name ends in {extension(name)} but the content is {reader.name}; read as {reader.name}"]


def _run(reader: Reader, data: bytes, name: str) -> ReadResult:
    try:
        return reader.read(data, name)
    except IngestError:
        raise
    except Exception as e:
        # A malformed file can trip any library in a new way; callers handle
        # one error type per file and the cause stays chained for debugging.
        raise IngestError(f"{reader.name} reader failed: {type(e).__name__}: {e}") from e


def read_bytes(data: bytes, *, name: str = "<bytes>", max_bytes: int = MAX_BYTES) -> ReadResult:
    """Plain text and metadata of a document, its format detected from the content.

    `name` is used only in warnings and errors. Raises IngestError (one-line
    message) for empty, oversized, damaged, unsupported or textless input.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    _check_size(data, max_bytes)
    reader = _pick_reader(data, name)
    result = _run(reader, data, name)
    if not result.text.strip():
        raise IngestError(f"no text found ({reader.name} reader)")
    result.language = detect_language(result.text) or result.language
    result.warnings = _name_mismatch(name, reader) + result.warnings
    return result
