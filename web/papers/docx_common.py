"""What the DOCX papers share (python-docx): an A4 document in a Cyrillic-safe font, a footer
with "стр. N из M" made of Word's PAGE and NUMPAGES fields (Word and LibreOffice fill them in
when they lay the pages out), tables with a repeated, shaded heading row, and dates."""

from __future__ import annotations

import datetime as dt
import io
import re

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"  # with DejaVu/Liberation stand-ins it renders Cyrillic everywhere
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def new_document(title: str, language: str, *, size: float = 12):
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    fonts.set(qn("w:cs"), FONT)
    style.paragraph_format.space_after = Pt(4)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title"):
        heading = document.styles[name]
        heading.font.name = FONT
        heading.font.color.rgb = None
        heading_fonts = heading.element.get_or_add_rPr().get_or_add_rFonts()
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            heading_fonts.attrib.pop(qn(theme), None)  # a theme font would win over FONT
        heading_fonts.set(qn("w:eastAsia"), FONT)
        heading_fonts.set(qn("w:cs"), FONT)
    document.styles["Footer"].font.size = Pt(9)
    document.core_properties.title = title
    document.core_properties.language = language
    document.core_properties.author = "soglasie"
    return document


def _field(paragraph, instruction: str) -> None:
    """A simple field (``PAGE``, ``NUMPAGES``) with a placeholder result shown until it is
    updated."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)


def page_footer(document, pattern: str, running: str | None = None) -> None:
    """The footer: ``running`` on the left (if any) and ``pattern`` ("стр. {page} из {pages}")
    on the right, {page} and {pages} as fields."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if running:
        run = paragraph.add_run(running + "    ")
        run.font.size = Pt(8)
    for part in re.split(r"(\{page\}|\{pages\})", pattern):
        if part == "{page}":
            _field(paragraph, "PAGE")
        elif part == "{pages}":
            _field(paragraph, "NUMPAGES")
        elif part:
            paragraph.add_run(part)
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _shade(cell, fill: str = "E6E6E6") -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_heading(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def table(document, columns: list[dict], headings: dict[str, str], rows: list[dict[str, str]]):
    """A grid table: a bold, shaded heading row repeated on every page, then one row per dict
    (values by column key; a value may hold line breaks)."""
    grid = document.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for grid_column, column in zip(grid.columns, columns, strict=True):
        grid_column.width = Cm(column["width"])  # w:gridCol: what LibreOffice lays out by
    head = grid.rows[0]
    _repeat_heading(head)
    for cell, column in zip(head.cells, columns, strict=True):
        cell.width = Cm(column["width"])
        _shade(cell)
        cell.text = ""
        run = cell.paragraphs[0].add_run(headings[column["key"]])
        run.bold = True
        run.font.size = Pt(9)
    for values in rows:
        cells = grid.add_row().cells
        for cell, column in zip(cells, columns, strict=True):
            cell.width = Cm(column["width"])
            lines = str(values.get(column["key"]) or "").split("\n")
            paragraph = cell.paragraphs[0]
            for index, line in enumerate(lines):
                if index:
                    paragraph = cell.add_paragraph()
                run = paragraph.add_run(line)
                run.font.size = Pt(9)
                paragraph.paragraph_format.space_after = Pt(0)
    return grid


def dmy(value: dt.date | str | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d.%m.%Y")


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
