"""The minutes of a coordinating meeting as DOCX and PDF: the data they share, and the DOCX.

``minutes_data`` turns the meetings query's detail (``workflow.queries.meetings.detail``) into
the plain values both papers print: the meeting's title, date and time in its own time zone,
venue, participants, agenda, the minutes text and the decisions (text, responsible
organization, due date, status). The words are ``web/papers/templates/minutes.yaml``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from web.papers import paper_language, template
from web.papers.docx_common import dmy, new_document, page_footer, table, to_bytes
from workflow.queries.meetings import MeetingDetail


def _name(ru: str | None, en: str | None, language: str) -> str:
    return (en if language == "en" and en else ru) or "—"


def minutes_data(found: MeetingDetail, language: str | None, now: dt.datetime) -> dict[str, Any]:
    language = paper_language(language)
    words = template("minutes")[language]
    m = found.meeting
    zone = ZoneInfo(m.timezone)
    starts, ends = m.starts_at.astimezone(zone), m.ends_at.astimezone(zone)
    return {
        "language": language,
        "id": m.id,
        "title": _name(m.title_ru, m.title_en, language),
        "when": words["when_value"].format(
            date=starts.strftime("%d.%m.%Y"),
            start=starts.strftime("%H:%M"),
            end=ends.strftime("%H:%M"),
            timezone=m.timezone,
        ),
        "venue": m.venue or "—",
        "status": words["statuses"].get(m.status, m.status),
        "participants": [_name(ru, en, language) for _id, ru, en in found.participants],
        "agenda": [(a.get("title") if isinstance(a, dict) else str(a)) or "" for a in found.agenda],
        "minutes": (found.minutes or "").strip(),
        "decisions": [
            {
                "number": str(d.number),
                "text": d.text,
                "responsible": _name(d.responsible_name, d.responsible_name_en, language),
                "due": dmy(d.due_on),
                "status": words["decision_statuses"].get(d.status, d.status),
            }
            for d in found.decisions
        ],
        "generated": words["generated"].format(
            at=now.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M"), id=m.id
        ),
    }


def render_docx(data: dict[str, Any]) -> bytes:
    layout = template("minutes")
    words = layout[data["language"]]
    document = new_document(f"{words['heading']} — {data['title']}", data["language"])
    for text, size in ((words["heading"], 16), (words["subheading"], 13), (data["title"], 13)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(size)
    for label, value in (
        (words["when"], data["when"]),
        (words["venue"], data["venue"]),
        (words["status"], data["status"]),
    ):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)

    document.add_heading(words["participants"], level=2)
    for name in data["participants"] or ["—"]:
        document.add_paragraph(name, style="List Bullet")
    if data["agenda"]:
        document.add_heading(words["agenda"], level=2)
        for item in data["agenda"]:
            document.add_paragraph(item, style="List Number")

    document.add_heading(words["minutes"], level=2)
    if data["minutes"]:
        for block in data["minutes"].split("\n"):
            if block.strip():
                document.add_paragraph(block.strip())
    else:
        document.add_paragraph(words["no_minutes"])

    document.add_heading(words["decisions"], level=2)
    if data["decisions"]:
        columns = [{"key": c["key"], "width": c["docx"]} for c in layout["columns"]]
        table(document, columns, words["headings"], data["decisions"])
    else:
        document.add_paragraph(words["no_decisions"])
    document.add_paragraph()
    closing = document.add_paragraph().add_run(data["generated"])
    closing.italic = True
    closing.font.size = Pt(8)
    page_footer(document, words["page"], running=f"{words['heading']} · {data['title']}")
    return to_bytes(document)
