"""Tesseract OCR for images and image-only PDF pages.

Language choice: Tesseract's OSD pass names the script. Han/Japanese pages are
read with each Chinese (and Japanese) model and the most confident reading is
kept; OSD often calls Chinese "Japanese", so both are tried. Latin pages are
read with English, then re-read with the model for the language lingua finds
in that first reading. Without a usable OSD answer, English and Simplified
Chinese are both tried and the more confident wins.
"""
from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from .base import IngestError
from .language import detect_language

OCR_TIMEOUT_S = 120
_OSD_TIMEOUT_S = 30
_MIN_SIDE_PX = 1000          # smaller scans are upscaled; Tesseract wants ~20 px letters
_MAX_PIXELS = 40_000_000     # bigger images are shrunk; time grows with area
_MIN_OSD_SCRIPT_CONF = 0.1   # below this the OSD script guess is noise
_MIN_OSD_ROTATE_CONF = 2.0

_ISO_TO_TESSERACT = {"en": "eng", "it": "ita", "de": "deu", "fr": "fra", "es": "spa",
                     "nl": "nld", "pt": "por", "zh": "chi_sim", "ja": "jpn", "ko": "kor"}
_SCRIPT_CANDIDATES = {
    "Han": ("chi_sim", "chi_tra"),
    "Japanese": ("chi_sim", "chi_tra", "jpn"),
    "Katakana": ("jpn",),
    "Hiragana": ("jpn",),
    "Hangul": ("kor",),
}

# Tesseract separates CJK characters with spaces that the language does not use.
_CJK_CHARS = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff"
              "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff9f")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK_CHARS}])[ \t]+(?=[{_CJK_CHARS}])")


@dataclass
class OcrResult:
    text: str
    confidence: float       # 0-100, mean over recognised characters
    lang: str               # the tesseract language string that produced it
    warnings: list[str] = field(default_factory=list)


def _tesseract() -> str:
    path = shutil.which("tesseract")
    if not path:
        raise IngestError("OCR needs the tesseract program, which is not installed")
    return path


def _env() -> dict[str, str]:
    # Tesseract's OpenMP threads make single pages several times slower, not faster.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@functools.cache
def installed_languages() -> frozenset[str]:
    out = subprocess.run([_tesseract(), "--list-langs"], capture_output=True, text=True,
                         timeout=_OSD_TIMEOUT_S, env=_env())
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def remove_cjk_spaces(text: str) -> str:
    return _SPACE_BETWEEN_CJK.sub("", text)


def _flatten_onto_white(image: Image.Image) -> Image.Image:
    """Transparent areas would turn black in greyscale and swallow dark text."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba)
    return image


def _ocr_scale(width: int, height: int) -> float:
    if max(width, height) < _MIN_SIDE_PX:
        return _MIN_SIDE_PX / max(width, height)
    if width * height > _MAX_PIXELS:
        return (_MAX_PIXELS / (width * height)) ** 0.5
    return 1.0


def prepare_image(image: Image.Image) -> tuple[Image.Image, float]:
    """Upright, greyscale, white background, resized to what Tesseract reads well;
    also returns the resize factor so the caller can correct the resolution."""
    image = ImageOps.exif_transpose(image)
    image = _flatten_onto_white(image).convert("L")
    width, height = image.size
    factor = _ocr_scale(width, height)
    if factor != 1.0:
        image = image.resize((max(1, round(width * factor)), max(1, round(height * factor))), Image.LANCZOS)
    return image, factor


def is_blank(image: Image.Image) -> bool:
    low, high = image.convert("L").getextrema()
    return high - low < 16


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([_tesseract(), *args], capture_output=True, text=True,
                              timeout=timeout, env=_env())
    except subprocess.TimeoutExpired:
        raise IngestError(f"OCR timed out after {timeout:g} s") from None


def _osd(png: Path) -> tuple[str | None, int]:
    """(script, degrees to turn the image clockwise), or (None, 0) when OSD cannot tell."""
    if "osd" not in installed_languages():
        return None, 0
    out = _run([str(png), "stdout", "--psm", "0", "-l", "osd"], _OSD_TIMEOUT_S)
    fields = dict(re.findall(r"^([A-Za-z ]+):\s*(\S+)\s*$", out.stdout, re.M))
    try:
        script_conf = float(fields.get("Script confidence", 0))
        rotate_conf = float(fields.get("Orientation confidence", 0))
        rotate = int(fields.get("Rotate", 0))
    except ValueError:
        return None, 0
    script = fields.get("Script") if script_conf >= _MIN_OSD_SCRIPT_CONF else None
    return script, rotate if rotate_conf >= _MIN_OSD_ROTATE_CONF else 0


def _mean_confidence(tsv: str) -> float:
    """Character-weighted mean word confidence; 0 when nothing was recognised."""
    total = weight = 0.0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            continue
        if word and conf >= 0:
            total += conf * len(word)
            weight += len(word)
    return total / weight if weight else 0.0


def _recognise(png: Path, lang: str, dpi: int) -> OcrResult:
    with tempfile.TemporaryDirectory(prefix="sw-ocr-") as tmp:
        base = Path(tmp) / "out"
        out = _run([str(png), str(base), "-l", lang, "--psm", "3", "--dpi", str(dpi), "txt", "tsv"],
                   OCR_TIMEOUT_S)
        if out.returncode != 0:
            raise IngestError(f"tesseract failed ({lang}): {out.stderr.strip()[-200:]}")
        text = (base.with_suffix(".txt")).read_text(encoding="utf-8", errors="replace")
        tsv = (base.with_suffix(".tsv")).read_text(encoding="utf-8", errors="replace")
    text = remove_cjk_spaces(text.replace("\f", "").strip())
    return OcrResult(text, _mean_confidence(tsv), lang)


def _best(results: list[OcrResult]) -> OcrResult:
    return max(results, key=lambda r: (bool(r.text), r.confidence))


def _read_latin(png: Path, dpi: int, installed: frozenset[str]) -> OcrResult:
    first = _recognise(png, "eng", dpi)
    model = _ISO_TO_TESSERACT.get(detect_language(first.text) or "")
    if not model or model == "eng" or model not in installed:
        return first
    return _best([first, _recognise(png, f"{model}+eng", dpi)])


def _read_unknown_script(png: Path, dpi: int, installed: frozenset[str]) -> OcrResult:
    readings = [_recognise(png, lang, dpi) for lang in ("eng", "chi_sim") if lang in installed]
    best = _best(readings)
    if best.lang == "chi_sim" and "chi_tra" in installed:
        best = _best([best, _recognise(png, "chi_tra", dpi)])
    elif best.lang == "eng":
        best = _best([best, _read_latin(png, dpi, installed)])
    return best


def _read_script(png: Path, dpi: int, script: str | None) -> OcrResult:
    installed = installed_languages()
    if script == "Latin" and "eng" in installed:
        return _read_latin(png, dpi, installed)
    candidates = [lang for lang in _SCRIPT_CANDIDATES.get(script or "", ()) if lang in installed]
    if candidates:
        return _best([_recognise(png, lang, dpi) for lang in candidates])
    result = _read_unknown_script(png, dpi, installed)
    if script and script not in ("Common", "Latin"):
        result.warnings.append(f"OCR: no Tesseract model for {script} script; text is likely wrong")
    return result


def ocr_image(image: Image.Image, dpi: int = 300) -> OcrResult:
    """Text of an image; raises IngestError if Tesseract is missing or times out."""
    image, factor = prepare_image(image)
    dpi = max(70, round(dpi * factor))
    if is_blank(image):
        return OcrResult("", 0.0, "")
    with tempfile.TemporaryDirectory(prefix="sw-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png, dpi=(dpi, dpi))
        script, rotate = _osd(png)
        if rotate:
            # OSD's "Rotate" is clockwise; PIL turns counter-clockwise.
            image.rotate(-rotate, expand=True, fillcolor=255).save(png, dpi=(dpi, dpi))
        result = _read_script(png, dpi, script)
    if rotate:
        result.warnings.append(f"OCR: page was rotated {rotate} degrees")
    return result
