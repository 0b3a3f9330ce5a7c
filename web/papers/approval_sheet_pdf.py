"""The approval sheet as an A4 PDF (fpdf2, DejaVu Sans embedded for Cyrillic, WenQuanYi Micro
Hei as the fallback for a partner's name in Chinese, Japanese or Korean when it is installed).

Every page repeats the page header (the sheet's title, the agreement's number and the
verification code) and the table's heading row, and ends with "стр. N из M". Long remarks wrap
inside their cell; a row is never split across pages by fpdf2 unless it is taller than a page.
The QR code is drawn as vector squares from segno's matrix (no image step), on the first page.
The PDF's keywords carry ``soglasie-sheet:<code>:<sha256>`` so an uploaded copy can be checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from web.papers import paper_language, template

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
# DejaVu has no CJK glyphs. Debian's fonts-wqy-microhei (a 5 MB TrueType collection; Noto CJK
# is OpenType/CFF and ten times larger) draws them; fpdf2 embeds only the glyphs used.
CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FONT = "WenQuanYi"
KEYWORD_PREFIX = "soglasie-sheet"
MARGIN = 15
QR_SIZE = 28  # mm


@dataclass(frozen=True)
class SheetIssue:
    """What makes a printed sheet verifiable: its code, where the QR leads, and the hash."""

    code: str
    url: str
    data_hash: str
    issued_at: dt.datetime
    issued_by: str


def qr_code(url: str) -> segno.QRCode:
    """The QR of the verification URL (error correction M: a stapled, stamped paper)."""
    return segno.make(url, error="m", micro=False)


class _SheetPDF(FPDF):
    def __init__(self, words: dict[str, Any], running_head: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.words = words
        self.running_head = running_head
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.has_cjk = CJK_FONT_FILE.exists()
        if self.has_cjk:
            self.add_font(CJK_FONT, "", str(CJK_FONT_FILE))
            self.set_fallback_fonts([CJK_FONT], exact_match=False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages("{nb}")

    def printable(self, text: str | None) -> str | None:
        """``text`` if the embedded fonts draw all of it, else None: without the CJK fallback a
        partner's name as empty boxes is worse than none (its Russian name is printed)."""
        if not text:
            return None
        cmaps = [self.fonts[FONT.lower()].cmap]
        if self.has_cjk:
            cmaps.append(self.fonts[CJK_FONT.lower()].cmap)
        drawable = all(ch.isspace() or any(ord(ch) in cmap for cmap in cmaps) for ch in text)
        return text if drawable else None

    def header(self):
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90)
        self.cell(0, 4, self.running_head, new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_draw_color(160)
        self.line(MARGIN, self.get_y() + 0.5, self.w - MARGIN, self.get_y() + 0.5)
        self.ln(3)
        self.set_text_color(0)

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        text = self.words["page"].format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, text, align="R")
        self.set_text_color(0)


def draw_table(
    pdf: FPDF,
    columns: list[dict[str, Any]],
    width_key: str,
    headings: dict[str, str],
    rows: list[dict[str, Any]],
    line_height: float,
) -> None:
    """A table of ``rows`` (dicts by column key) under a grey heading row that fpdf2 repeats on
    every page; ``columns`` from a paper's YAML template (key, width under ``width_key``,
    align). Long cells wrap; a row is not split across pages unless taller than a page."""
    with pdf.table(
        col_widths=[c[width_key] for c in columns],
        width=sum(c[width_key] for c in columns),
        align="LEFT",
        text_align=[c.get("align", "L") for c in columns],
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=line_height,
        padding=1,
        repeat_headings=1,
        v_align="TOP",
    ) as table:
        head = table.row()
        for c in columns:
            head.cell(headings[c["key"]])
        for cells in rows:
            line = table.row()
            for c in columns:
                line.cell(cells[c["key"]] or "")


def render(data: dict[str, Any], issue: SheetIssue) -> bytes:
    layout = template("approval_sheet")
    words = layout[paper_language(data.get("language"))]
    case = data["case"]
    running = " · ".join(
        (
            words["heading"],
            f"{words['agreement']} № {case['id']}",
            f"{words['sheet_code']}: {issue.code}",
        )
    )
    pdf = _SheetPDF(words, running)
    pdf.set_title(f"{words['heading']} — {case['title']}")
    pdf.set_subject(f"{words['agreement']} № {case['id']}")
    pdf.set_creator("soglasie")
    pdf.set_keywords(f"{KEYWORD_PREFIX}:{issue.code}:{issue.data_hash}")
    pdf.set_creation_date(issue.issued_at.astimezone(dt.UTC))
    pdf.add_page()
    _title_block(pdf, data, words, issue)
    _rounds(pdf, data, words, layout["columns"])
    _signing_and_registration(pdf, data, words)
    _issue_block(pdf, words, issue)
    return bytes(pdf.output())


def _label_value(pdf: FPDF, label: str, value: str, width: float) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(width, 5, label, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(width, 5, value or "—", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)


def _title_block(pdf: _SheetPDF, data, words, issue: SheetIssue) -> None:
    top = pdf.get_y()
    text_width = pdf.epw - QR_SIZE - 6
    _draw_qr(pdf, issue, pdf.w - MARGIN - QR_SIZE, top)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(text_width, 7, words["heading"], new_x="LMARGIN", new_y="NEXT", align="L")
    case = data["case"]
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(text_width, 5.5, case["title"], new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        text_width,
        5,
        f"{words['case_number']}: {case['id']} · {words['kind']}: {case['kind']}",
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    if pdf.printable(case.get("title_partner")):
        pdf.multi_cell(
            text_width,
            5,
            f"{words['title_partner']}: {case['title_partner']}",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
    pdf.ln(1)
    parties = []
    for party in data["parties"]:
        label = words["party_russian"] if party["side"] == "russian" else words["party_partner"]
        name = party.get("name") or "—"
        if pdf.printable(party.get("native")):
            name += f" ({party['native']})"
        if party.get("country") and party["side"] == "partner":
            name += f", {party['country']}"
        parties.append(f"{label}: {name}")
    _label_value(pdf, words["parties"], "\n".join(parties), text_width)
    texts = [words["text_line"].format(**t) for t in data["approved_texts"]]
    _label_value(
        pdf, words["approved_texts"], "\n".join(texts) or words["no_approved_texts"], pdf.epw
    )
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE + 8))


def _draw_qr(pdf: FPDF, issue: SheetIssue, x: float, y: float) -> None:
    qr = qr_code(issue.url)
    rows = list(qr.matrix)
    module = QR_SIZE / len(rows)
    pdf.set_fill_color(0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")
    pdf.set_font(FONT, "B", 9)
    pdf.set_xy(x - 4, y + QR_SIZE + 0.5)
    pdf.cell(QR_SIZE + 8, 4.5, issue.code, align="C")
    pdf.set_xy(pdf.l_margin, y)


def _row_cells(number: int, row: dict[str, Any], words) -> dict[str, str]:
    position = row.get("position")
    if position == row.get("organization"):
        position = None  # a ministry's role is titled by the ministry: print it once
    reviewer = f"{position or ''}\n{row.get('name') or '—'}".strip()
    if row.get("acting_for"):
        reviewer += "\n" + words["acting_for"].format(name=row["acting_for"])
    day, _sep, time = row["at"].partition(" ")
    y, m, d = day.split("-")
    return {
        "number": str(number),
        "organization": row.get("organization") or "—",
        "reviewer": reviewer,
        "decision": words["decisions"].get(row["decision"], row["decision"]),
        "at": f"{d}.{m}.{y} {time}\nUTC{row.get('utc_offset') or ''}",
        "remark": row.get("remark") or "",
    }


def _rounds(pdf: _SheetPDF, data, words, columns) -> None:
    if not data["rounds"]:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, words["no_rounds"], new_x="LMARGIN", new_y="NEXT", align="L")
        return
    number = 0
    for rnd in data["rounds"]:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 10)
        title = words["round"].format(title=rnd["title"], number=rnd["number"])
        outcome = words["outcome"].get(rnd.get("outcome") or "open", rnd.get("outcome") or "")
        pdf.multi_cell(0, 5.5, f"{title} — {outcome}", new_x="LMARGIN", new_y="NEXT", align="L")
        if rnd["texts"]:
            pdf.set_font(FONT, "", 7.5)
            texts = "; ".join(
                f"{t['language']} v{t['number']} {t['sha256'][:16]}…" for t in rnd["texts"]
            )
            pdf.multi_cell(
                0,
                4,
                words["round_texts"].format(texts=texts),
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )
        if not rnd["rows"]:
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(0, 5, words["no_rows"], new_x="LMARGIN", new_y="NEXT", align="L")
            continue
        pdf.ln(1)
        pdf.set_font(FONT, "", 8)
        rows = []
        for row in rnd["rows"]:
            number += 1
            rows.append(_row_cells(number, row, words))
        draw_table(pdf, columns, "width", words["headings"], rows, line_height=4)


def _signing_and_registration(pdf: FPDF, data, words) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(3)
    lines = []
    for s in data["signing"]:
        lines.append(
            words["signing_line"].format(
                side=words["side"][s["side"]],
                date=_dmy(s.get("date")),
                place=s.get("place") or "—",
                signatory=", ".join(x for x in (s.get("position"), s.get("signatory")) if x) or "—",
            )
        )
    _label_value(pdf, words["signing"], "\n".join(lines) or words["not_signed"], pdf.epw)
    reg = data.get("registration")
    text = (
        words["registration_line"].format(number=reg.get("number") or "—", date=_dmy(reg["date"]))
        if reg
        else words["not_registered"]
    )
    _label_value(pdf, words["registration"], text, pdf.epw)


def _issue_block(pdf: FPDF, words, issue: SheetIssue) -> None:
    if pdf.will_page_break(22):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_draw_color(160)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(FONT, "", 7.5)
    at = issue.issued_at.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M")
    pdf.multi_cell(
        0,
        4,
        words["issued"].format(at=at, by=issue.issued_by),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.multi_cell(
        0,
        4,
        f"{words['sheet_code']}: {issue.code} · {words['verify_hint'].format(url=issue.url)}",
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.multi_cell(
        0, 4, f"{words['data_hash']}: {issue.data_hash}", new_x="LMARGIN", new_y="NEXT", align="L"
    )


def _dmy(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value
