"""The minutes of a coordinating meeting as an A4 PDF (fpdf2, DejaVu Sans embedded), drawn
with the approval sheet's page class: the running head on every page, "стр. N из M" at the foot,
the decisions' table with its heading row repeated on every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from web.papers import template
from web.papers.approval_sheet_pdf import FONT, _label_value, _SheetPDF, draw_table


def _paragraph(pdf: _SheetPDF, text: str, size: float = 9.5, style: str = "") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")


def _heading(pdf: _SheetPDF, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(2)
    _paragraph(pdf, text, 11, "B")
    pdf.ln(1)


def render_pdf(data: dict[str, Any], now: dt.datetime) -> bytes:
    layout = template("minutes")
    words = layout[data["language"]]
    pdf = _SheetPDF(words, f"{words['heading']} · {data['title']}")
    pdf.set_title(f"{words['heading']} — {data['title']}")
    pdf.set_subject(f"{words['subheading']} № {data['id']}")
    pdf.set_creator("soglasie")
    pdf.set_creation_date(now.astimezone(dt.UTC))
    pdf.add_page()
    for text, size in ((words["heading"], 15), (words["subheading"], 11), (data["title"], 12)):
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    for label in ("when", "venue", "status"):
        _label_value(pdf, words[label], data[label], pdf.epw)

    _heading(pdf, words["participants"])
    _paragraph(pdf, "\n".join(f"• {p}" for p in data["participants"]) or "—")
    if data["agenda"]:
        _heading(pdf, words["agenda"])
        _paragraph(pdf, "\n".join(f"{n}. {a}" for n, a in enumerate(data["agenda"], 1)))

    _heading(pdf, words["minutes"])
    _paragraph(pdf, data["minutes"] or words["no_minutes"])

    _heading(pdf, words["decisions"])
    if data["decisions"]:
        columns = layout["columns"]
        pdf.set_font(FONT, "", 8.5)
        draw_table(pdf, columns, "pdf", words["headings"], data["decisions"], line_height=4.2)
    else:
        _paragraph(pdf, words["no_decisions"])
    pdf.ln(4)
    _paragraph(pdf, data["generated"], 7.5)
    return bytes(pdf.output())
