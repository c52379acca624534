"""DOCX via python-docx: body paragraphs and table rows in document order.

Table rows become one line each with cells separated by tabs, so a row such as
"Milan <tab> 2018" stays together. Headers, footers, footnotes and text boxes
are not read.
"""
from __future__ import annotations

import io
import zipfile

from ..base import IngestError, Reader, ReadResult, clean_meta, partial_date

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_MEMBERS = 10_000
# Small XML parts can legitimately compress very well; only big ones are judged.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
_DOCUMENT_PART = "word/document.xml"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# python-docx's blank template carries these; they describe the template, not the document.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = "2013-12-23"


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def zip_names(data: bytes) -> set[str] | None:
    """Member names from the central directory, None if it is not a readable zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _check_not_a_bomb(data: bytes) -> None:
    # zipfile never returns more than a member's declared size, so checking the
    # declared sizes bounds what python-docx can inflate.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise IngestError(f"not a valid DOCX (damaged zip: {e})") from None
    if len(members) > MAX_MEMBERS:
        raise IngestError(f"DOCX has {len(members):,} zip members, over {MAX_MEMBERS:,} (zip bomb?)")
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise IngestError(f"DOCX expands to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB (zip bomb?)")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= _RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise IngestError(f"DOCX part {member.filename} compresses {ratio:.0f}:1, "
                              f"over {MAX_COMPRESSION_RATIO}:1 (zip bomb?)")


def _open(data: bytes):
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, lxml errors, PackageNotFoundError...
        raise IngestError(f"not a valid DOCX ({type(e).__name__}: {e})") from None


def _paragraph_text(p_element) -> str:
    # CT_P.text renders runs, hyperlinks, tabs and breaks the way Paragraph.text does.
    return p_element.text.strip()


def _cell_text(tc_element) -> str:
    return " ".join(block for block in _blocks(tc_element) if block)


def _row_text(tr_element) -> str:
    # Merged cells appear once per spanned column in python-docx; reading the
    # raw <w:tc> elements gives each cell once.
    cells = [_cell_text(tc) for tc in tr_element.iterchildren(f"{_W}tc")]
    return "\t".join(cells).strip()


def _blocks(container) -> list[str]:
    """Text blocks of a body or cell in order: paragraphs, table rows, content controls."""
    blocks: list[str] = []
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            blocks.append(_paragraph_text(child))
        elif child.tag == f"{_W}tbl":
            blocks.extend(_row_text(tr) for tr in child.iterchildren(f"{_W}tr"))
        elif child.tag == f"{_W}sdt":
            for content in child.iterchildren(f"{_W}sdtContent"):
                blocks.extend(_blocks(content))
    return blocks


def _created(props) -> str | None:
    created = props.created
    if created is None:
        return None
    return partial_date(created.year, created.month, created.day)


def _core_metadata(document) -> tuple[str | None, str | None, str | None]:
    props = document.core_properties
    author = clean_meta(props.author)
    created = _created(props)
    if author == _TEMPLATE_AUTHOR and created == _TEMPLATE_CREATED:
        author = created = None
    return clean_meta(props.title), author, created


class DocxReader(Reader):
    name = "docx"
    order = 20
    extensions = (".docx", ".docm", ".dotx")
    junk_message = "not a DOCX (not a zip archive; unrecognised binary data)"

    def sniff(self, data: bytes, name: str) -> bool:
        return is_zip(data) and _DOCUMENT_PART in (zip_names(data) or set())

    def read(self, data: bytes, name: str) -> ReadResult:
        _check_not_a_bomb(data)
        document = _open(data)
        text = "\n".join(block for block in _blocks(document.element.body) if block)
        if not text.strip():
            raise IngestError("DOCX has no text in its body")
        title, author, published = _core_metadata(document)
        return ReadResult(
            text=text,
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            title=title,
            author=author,
            published=published,
            reader=self.name,
        )
