"""Real office files made in the tests with the libraries people's programs write them with:
python-docx for Word, odfpy for OpenDocument, fpdf2 (with Debian's DejaVu font, for Cyrillic)
for PDF. Each returns the file's bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def corpus_file(name: str) -> bytes:
    """A file of the shared corpus of real documents (skips the test when it is absent)."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the document corpus is not here ({path})")
    return path.read_bytes()


def docx(paragraphs: list[str], *, table: list[list[str]] | None = None, header: str = "") -> bytes:
    from docx import Document

    document = Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt(paragraphs: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for text in paragraphs:
        document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf(paragraphs: list[str]) -> bytes:
    """A PDF with a text layer (what Word's "Save as PDF" gives)."""
    from fpdf import FPDF

    if not DEJAVU.exists():
        pytest.skip("the DejaVu font is not installed (apt-get install fonts-dejavu-core)")
    document = FPDF(format="A4")
    document.add_page()
    document.add_font("DejaVu", fname=str(DEJAVU))
    document.set_font("DejaVu", size=11)
    for text in paragraphs:
        document.multi_cell(0, 6, text)
        document.ln(2)
    return bytes(document.output())


def scanned_pdf() -> bytes:
    """A PDF of one page with nothing but drawing on it: a scan has no text layer."""
    from fpdf import FPDF

    document = FPDF(format="A4")
    document.add_page()
    document.set_fill_color(40, 40, 40)
    for row in range(30):
        document.rect(20, 20 + row * 8, 120 + (row % 5) * 10, 3, style="F")
    return bytes(document.output())
