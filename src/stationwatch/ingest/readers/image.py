"""Images of text (scans, screenshots, photos of notices): Tesseract OCR.

Multi-page TIFFs become paged text like a PDF; for other formats only the
first frame is read (later GIF/WebP frames are animation, not pages).
"""
from __future__ import annotations

import io

from ..base import IngestError, Reader, ReadResult, join_pages
from ..ocr import ocr_image
from .pdf import MAX_OCR_PAGES

_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",          # JPEG
    b"II*\x00", b"MM\x00*",   # TIFF
    b"GIF87a", b"GIF89a",
)
_BMP_HEADER_SIZES = (12, 40, 52, 56, 108, 124)


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _is_bmp(data: bytes) -> bool:
    # "BM" alone would also match text starting with those letters.
    return data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES


def _open(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except Image.DecompressionBombError:
        raise IngestError("image has too many pixels (decompression bomb?)") from None
    except UnidentifiedImageError:
        raise IngestError("not a valid image (damaged, truncated or unsupported image data)") from None
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError for damaged files
        raise IngestError(f"not a valid image ({type(e).__name__}: {e})") from None


def _frames(image):
    """The frames that are pages: all of a multi-page TIFF, else just the first."""
    from PIL import ImageSequence

    if image.format != "TIFF":
        yield image
        return
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= MAX_OCR_PAGES:
            return
        yield frame.copy()


def _dpi(image) -> int:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError):
        value = 0
    # Missing or screen resolutions are usually wrong for scans; 300 is Tesseract's sweet spot.
    return value if value >= 150 else 300


class ImageReader(Reader):
    name = "ocr"
    order = 30
    extensions = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".webp", ".bmp")
    junk_message = "not a {ext} image (unrecognised binary data)"

    def sniff(self, data: bytes, name: str) -> bool:
        return data.startswith(_SIGNATURES) or _is_webp(data) or _is_bmp(data)

    def read(self, data: bytes, name: str) -> ReadResult:
        from PIL import Image

        image = _open(data)
        texts, warnings = [], []
        for number, frame in enumerate(_frames(image), start=1):
            result = ocr_image(frame, dpi=_dpi(image))
            texts.append(result.text)
            where = f"page {number}: " if image.format == "TIFF" and getattr(image, "n_frames", 1) > 1 else ""
            warnings.extend(where + w for w in result.warnings)
            if result.text:
                warnings.append(f"{where}text is OCR ({result.lang}, confidence {result.confidence:.0f})")
        text, pages = join_pages(texts)
        if not text.strip():
            raise IngestError("no text found in the image (OCR read nothing)")
        return ReadResult(
            text=text,
            media_type=Image.MIME.get(image.format or "", "image/unknown"),
            pages=pages if len(texts) > 1 else [],
            reader=self.name,
            warnings=warnings,
        )
