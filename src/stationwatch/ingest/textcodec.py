"""Bytes to str for text-like formats, and telling text from binary junk."""
from __future__ import annotations

import codecs
from dataclasses import dataclass

_SAMPLE = 64 * 1024
# C0 controls that never occur in real text; tab, LF, FF, CR and ESC are allowed.
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | {0x0B} | frozenset(range(0x0E, 0x1B)) | frozenset(range(0x1C, 0x20)) | {0x7F}
_MAX_CONTROL_RATIO = 0.01


@dataclass
class Decoded:
    text: str
    encoding: str
    warning: str | None = None


def _utf16_bom(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0:
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM shows as NULs on every other byte in Latin text."""
    sample = data[:_SAMPLE]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """True when the sample has NULs or more stray control bytes than text ever has."""
    sample = data[:_SAMPLE]
    if not sample:
        return False
    if 0 in sample:
        return True
    controls = sum(1 for b in sample if b in _CONTROL_BYTES)
    return controls / len(sample) > _MAX_CONTROL_RATIO


def _decode_utf8(data: bytes) -> Decoded | None:
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as e:
        # A download cut mid-character still is UTF-8 text; keep it and say so.
        if e.start >= len(body) - 3 and e.reason == "unexpected end of data":
            text = body[: e.start].decode("utf-8")
            return Decoded(text, "utf-8", "file ends in the middle of a UTF-8 character (truncated?); last bytes dropped")
        return None


# Legacy encodings the project's sources use. Letting charset_normalizer pick
# from every codec makes it guess exotic ones (cp775, cp1006) for short texts.
_LEGACY_ENCODINGS = ["gb18030", "big5", "cp1252", "iso8859_15", "shift_jis", "euc_jp",
                     "euc_kr", "cp1251", "koi8_r", "cp1250"]


def _decode_guessed(data: bytes) -> Decoded | None:
    """Legacy encodings (GB18030, Big5, Windows-1252 ...) guessed by charset_normalizer."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * _SAMPLE], cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None or best.encoding is None:
        return None
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return Decoded(text, best.encoding, f"not UTF-8; decoded as {best.encoding} (guessed)")


def decode_text(data: bytes) -> Decoded | None:
    """The file's text, or None when the bytes are not text in any encoding we accept.

    The text is the whole file decoded with nothing else changed (line endings
    included), so offsets into it are offsets into the file's text.
    """
    wide = _utf16_bom(data) or _bomless_utf16(data)
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            return None
        return Decoded(text.removeprefix("\ufeff"), wide)
    if looks_binary(data):
        return None
    return _decode_utf8(data) or _decode_guessed(data)


def is_binary(data: bytes) -> bool:
    """Binary junk, as opposed to text in UTF-8, UTF-16 or a legacy 8-bit encoding."""
    return not (_utf16_bom(data) or _bomless_utf16(data)) and looks_binary(data)


def wide_encoding(data: bytes) -> str | None:
    """'utf-16'/'utf-32'/'utf-16-le'/'utf-16-be' when the bytes are wide text, else None."""
    return _utf16_bom(data) or _bomless_utf16(data)


def head_text(data: bytes, size: int = 4096) -> str:
    """A lenient decode of the first bytes, for sniffing markup."""
    wide = _utf16_bom(data) or _bomless_utf16(data)
    head = data[: size * (2 if wide else 1)]
    return head.decode(wide or "utf-8", errors="ignore").lstrip("\ufeff")
