"""PDF: the text layer page by page via pypdfium2; pages without one are OCR'd.

Pages are joined with a blank line and `pages` records each page's span, so
an excerpt can cite its page.
"""
from __future__ import annotations

import re
import threading

from ..base import IngestError, Reader, ReadResult, clean_meta, join_pages, partial_date
from ..ocr import is_blank, ocr_image

MAX_OCR_PAGES = 200
_OCR_DPI = 300
_MIN_OCR_DPI, _MAX_OCR_DPI = 150, 400
_MAX_RENDER_PIXELS = 35_000_000
_TAIL_SEARCHED_FOR_EOF = 64 * 1024
_MIN_REAL_TEXT_CHARS = 40
_SCAN_PAGE_COVERAGE = 0.5
# pdfium is not thread-safe; a process-wide lock keeps concurrent callers correct.
_PDFIUM_LOCK = threading.Lock()
# Control characters pdfium emits for soft hyphens, unmapped glyphs and the like.
_PDF_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _check_complete(data: bytes) -> None:
    # pdfium can repair some cut-off files and would then give partial text
    # without complaint; a file without its end marker is treated as damaged.
    if b"%%EOF" not in data[-_TAIL_SEARCHED_FOR_EOF:]:
        raise IngestError("not a valid PDF (truncated or damaged: no %%EOF end marker)")


def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise IngestError("PDF is password-protected") from None
        raise IngestError(f"not a valid PDF (truncated or damaged: {e})") from None


def _pdf_date(value: str | None) -> str | None:
    m = _PDF_DATE.match((value or "").strip())
    if not m:
        return None
    return partial_date(int(m[1]), m[2] and int(m[2]), m[3] and int(m[3]))


def _layer_text(page) -> str:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _PDF_CONTROL_CHARS.sub("", text).strip()


def _largest_image(page) -> tuple[float, float] | None:
    """(dpi, share of the page area) of the widest embedded image, if any."""
    import pypdfium2.raw as pdfium_c

    best = None
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        width_px, _ = obj.get_px_size()
        if right - left > 1 and (best is None or width_px > best[0]):
            best = (width_px, right - left, top - bottom)
    if best is None:
        return None
    width_px, width_pt, height_pt = best
    page_width, page_height = page.get_size()
    return width_px / (width_pt / 72), (width_pt * height_pt) / max(page_width * page_height, 1)


def _needs_ocr(page, layer_text: str) -> bool:
    # A scan often carries a few real characters (a stamped page number or
    # Bates label) over a full-page image; that is still a page to OCR.
    if not layer_text:
        return True
    if len(layer_text) >= _MIN_REAL_TEXT_CHARS:
        return False
    image = _largest_image(page)
    return image is not None and image[1] >= _SCAN_PAGE_COVERAGE


def _render_dpi(page) -> float:
    image = _largest_image(page)
    dpi = min(max(image[0] if image else _OCR_DPI, _MIN_OCR_DPI), _MAX_OCR_DPI)
    width_pt, height_pt = page.get_size()
    pixels = (width_pt * dpi / 72) * (height_pt * dpi / 72)
    if pixels > _MAX_RENDER_PIXELS:
        dpi *= (_MAX_RENDER_PIXELS / pixels) ** 0.5
    return dpi


def _ocr_page(page, number: int, warnings: list[str]) -> str:
    dpi = _render_dpi(page)
    image = page.render(scale=dpi / 72).to_pil()
    if is_blank(image):
        return ""
    try:
        result = ocr_image(image, dpi=round(dpi))
    except IngestError as e:
        warnings.append(f"page {number}: {e}")
        return ""
    warnings.extend(f"page {number}: {w}" for w in result.warnings)
    if result.text:
        warnings.append(f"page {number}: scanned page; text is OCR ({result.lang}, "
                        f"confidence {result.confidence:.0f})")
    return result.text


def _page_texts(doc, warnings: list[str]) -> tuple[list[str], int]:
    """Each page's text (OCR for scanned pages) and how many pages OCR read."""
    texts, ocr_tried, ocr_read = [], 0, 0
    for index in range(len(doc)):
        page = doc[index]
        try:
            text = _layer_text(page)
            if _needs_ocr(page, text) and ocr_tried >= MAX_OCR_PAGES:
                warnings.append(f"page {index + 1}: scanned page not OCR'd (over {MAX_OCR_PAGES} pages)")
            elif _needs_ocr(page, text):
                ocr_tried += 1
                ocr_text = _ocr_page(page, index + 1, warnings)
                ocr_read += bool(ocr_text)
                text = ocr_text or text
        finally:
            page.close()
        texts.append(text)
    return texts, ocr_read


class PdfReader(Reader):
    name = "pdf"
    order = 10
    extensions = (".pdf",)
    junk_message = "not a PDF (no %PDF header; unrecognised binary data)"

    def sniff(self, data: bytes, name: str) -> bool:
        # The spec allows junk before the header; readers accept it within 1 KB.
        return b"%PDF-" in data[:1024]

    def read(self, data: bytes, name: str) -> ReadResult:
        _check_complete(data)
        with _PDFIUM_LOCK:
            doc = _open(data)
            try:
                return self._read_document(doc)
            finally:
                doc.close()

    def _read_document(self, doc) -> ReadResult:
        if len(doc) == 0:
            raise IngestError("PDF has no pages")
        warnings: list[str] = []
        texts, ocr_pages = _page_texts(doc, warnings)
        text, pages = join_pages(texts)
        if not text.strip():
            why = f"; {warnings[0]}" if warnings else ""
            raise IngestError(f"PDF has no text (no text layer, and OCR found none{why})")
        meta = doc.get_metadata_dict(skip_empty=True)
        return ReadResult(
            text=text,
            media_type="application/pdf",
            title=clean_meta(meta.get("Title")),
            author=clean_meta(meta.get("Author")),
            published=_pdf_date(meta.get("CreationDate")),
            pages=pages,
            reader="pdf+ocr" if ocr_pages else self.name,
            warnings=warnings,
        )
