"""Builds the test documents at test time, so no binary fixtures live in git.

Texts are short made-up passages about overseas police service stations.
"""
from __future__ import annotations

import datetime as dt
import glob
import io
import os
import random
import zipfile
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
# Face indices inside the Noto CJK collection.
CJK_SC, CJK_TC = 2, 3


@cache
def cjk_font_path() -> str | None:
    patterns = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/**/NotoSansCJK*Regular*.tt[cf]",
                "/usr/share/fonts/**/NotoSerifCJK*Regular*.tt[cf]")
    for pattern in patterns:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


# --- HTML -------------------------------------------------------------------

ARTICLE_TITLE = "Questions over a service centre in Prato"
ARTICLE_PARAGRAPHS = [
    "Local councillors in Prato asked the prefecture to explain what an office run by a hometown "
    "association actually does for the people who visit it.",
    "Campaigners describe the office as one of the overseas police service stations that city "
    "bureaus in China opened abroad, saying it helped residents renew driving licences remotely.",
    "The association denies any link to the police and says its volunteers only help older "
    "members fill in forms.",
]
NAV_WORDS = "Subscribe today and save"
FOOTER_WORDS = "All rights reserved by the Example Courier"
SCRIPT_MARKER = "trackVisitorXYZ"


def news_article_html() -> bytes:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{ARTICLE_TITLE} | Example Courier</title>
<meta name="author" content="Marta Rossi">
<meta property="article:published_time" content="2022-11-03T08:30:00+01:00">
<script>window.{SCRIPT_MARKER} = function () {{ return 1; }};</script>
<style>body {{ font-family: serif; }}</style>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/subscribe">{NAV_WORDS}</a></li></ul></nav></header>
<main><article>
<h1>{ARTICLE_TITLE}</h1>
<p class="byline">By Marta Rossi, 3 November 2022</p>
{paragraphs}
<script>{SCRIPT_MARKER}();</script>
</article></main>
<footer><p>{FOOTER_WORDS}. Cookie preferences. Contact us.</p></footer>
</body></html>""".encode()


def script_only_html() -> bytes:
    scripts = "\n".join(f"<script>var {SCRIPT_MARKER}{i} = 'payload {i}';</script>" for i in range(40))
    return f"<!DOCTYPE html><html><head>{scripts}</head><body>{scripts}</body></html>".encode()


# --- PDF --------------------------------------------------------------------

PDF_PAGE_TEXTS = [
    "Page one. Researchers listed an office in Milan that advertised help with paperwork "
    "for residents from Qingtian.",
    "Page two. The Dutch authorities announced in November 2022 that two such offices in "
    "Rotterdam and Amsterdam had to stop operating.",
]


def two_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Station notes")
    pdf.set_author("Test Desk")
    pdf.set_creation_date(dt.datetime(2023, 2, 14, tzinfo=dt.timezone.utc))
    for text in PDF_PAGE_TEXTS:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


CJK_PDF_TEXT = "报道称，温州公安在罗马设立了海外警务服务站。"


def cjk_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("NotoCJK", "", cjk_font_path())
    pdf.add_page()
    pdf.set_font("NotoCJK", size=14)
    pdf.multi_cell(0, 10, CJK_PDF_TEXT)
    return bytes(pdf.output())


def password_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="reader")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, PDF_PAGE_TEXTS[0])
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    data = two_page_pdf()
    return data[: len(data) // 2]


# --- DOCX -------------------------------------------------------------------

DOCX_TITLE = "Briefing on overseas stations"
DOCX_PARAGRAPHS = [
    "This briefing summarises what is publicly known about the offices.",
    "Several governments opened inquiries during the autumn of 2022.",
]
DOCX_TABLE = [("City", "Reported opening"), ("Toronto", "2019"), ("Madrid", "2018")]


def docx_with_table() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = DOCX_TITLE
    document.core_properties.author = "Policy Unit"
    document.core_properties.created = dt.datetime(2022, 12, 5, 10, 0)
    document.add_paragraph(DOCX_PARAGRAPHS[0])
    table = document.add_table(rows=len(DOCX_TABLE), cols=2)
    for row, values in zip(table.rows, DOCX_TABLE):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.add_paragraph(DOCX_PARAGRAPHS[1])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(uncompressed_mb: int) -> bytes:
    """A zip whose word/document.xml inflates to `uncompressed_mb` MB of one repeated byte.

    Written through zipfile's streaming writer, so it never exists uncompressed.
    """
    out = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document>')
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return out.getvalue()


# --- Text -------------------------------------------------------------------

PLAIN_TEXT = ("Notes on the Dublin office\r\n"
              "\r\n"
              "The office on Capel Street was said to take calls for a bureau in Fuzhou.\r\n"
              "Irish officials told it to close in October 2022.\r\n")

MARKDOWN_TEXT = """# Stations in *Latin America*

Reports named offices in **São Paulo** and Buenos Aires.

- opened: 2018
- status: unclear
"""


# --- Images -----------------------------------------------------------------

CHINESE_LINES = [
    "海外警务服务站",
    "据报道，福州市公安局在米兰设立了一个服务站。",
    "该站点自称为当地华侨提供驾照续期服务。",
]
ENGLISH_SCAN_LINES = [
    "Overseas police service stations",
    "A rights group counted more than fifty offices",
    "in over twenty countries by September 2022.",
    "The office in Rotterdam was told to close.",
]


def _render_lines(lines: list[str], font: ImageFont.FreeTypeFont, line_height: int,
                  background: int = 255) -> Image.Image:
    width = max(int(font.getlength(line)) for line in lines) + 160
    image = Image.new("L", (width, line_height * len(lines) + 160), background)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 80 + line_height * i), line, font=font, fill=20)
    return image


def chinese_image() -> Image.Image:
    font = ImageFont.truetype(cjk_font_path(), 44, index=CJK_SC)
    return _render_lines(CHINESE_LINES, font, 90)


def chinese_png() -> bytes:
    out = io.BytesIO()
    chinese_image().save(out, "PNG")
    return out.getvalue()


def latin_font(size: int) -> ImageFont.FreeTypeFont:
    # DejaVu comes with most Debian images; Pillow's bundled font is the fallback.
    if os.path.exists(LATIN_FONT):
        return ImageFont.truetype(LATIN_FONT, size)
    return ImageFont.load_default(size=size)


def english_scan_image() -> Image.Image:
    """Off-white paper, a slight skew, a little blur and speckle, like a flatbed scan."""
    font = latin_font(36)
    page = _render_lines(ENGLISH_SCAN_LINES, font, 70, background=235)
    page = page.rotate(0.7, resample=Image.BICUBIC, expand=True, fillcolor=235)
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    rng = random.Random(7)
    pixels = page.load()
    for _ in range(page.width * page.height // 400):
        pixels[rng.randrange(page.width), rng.randrange(page.height)] = rng.choice((90, 255))
    return page


def english_scan_jpeg() -> bytes:
    out = io.BytesIO()
    english_scan_image().save(out, "JPEG", quality=70, dpi=(300, 300))
    return out.getvalue()


def image_only_pdf() -> bytes:
    """Two scanned pages (English, then Chinese) saved as a PDF with no text layer."""
    english, chinese = english_scan_image().convert("RGB"), chinese_image().convert("RGB")
    out = io.BytesIO()
    english.save(out, "PDF", resolution=200, save_all=True, append_images=[chinese])
    return out.getvalue()


# --- Junk -------------------------------------------------------------------

def binary_junk(size: int = 4096) -> bytes:
    return random.Random(42).randbytes(size)

