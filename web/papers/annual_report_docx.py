"""The annual report on the plans of activities as a DOCX draft (python-docx).

A heading (whose report, for which year, to whom), the year in figures, then per agreement a
heading and a paragraph (partner, plan, counts) and per area a table of the items: number,
activity (with venue and budget line), responsible organization, due date or quarter, status,
and the latest progress notes. "стр. N из M" in the footer as PAGE / NUMPAGES fields. The words
are ``web/papers/templates/annual_report.yaml``; the data ``workflow.queries.annual_report``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from web.papers import paper_language, template
from web.papers.docx_common import dmy, new_document, page_footer, table, to_bytes


def _name(ru: str | None, en: str | None, language: str) -> str:
    return (en if language == "en" and en else ru) or "—"


def _open(counts: dict[str, int]) -> int:
    return counts.get("in_progress", 0) + counts.get("planned", 0)


def _figures(counts: dict[str, int], year: int) -> dict[str, Any]:
    return {
        "year": year,
        "total": counts["total"],
        "done": counts["done"],
        "postponed": counts["postponed"],
        "cancelled": counts["cancelled"],
        "open": _open(counts),
    }


def _item_row(item: dict[str, Any], words: dict[str, Any], language: str) -> dict[str, str]:
    title = [item["title"]]
    if item.get("venue"):
        title.append(words["venue"].format(venue=item["venue"]))
    if item.get("budget_line"):
        title.append(words["budget_line"].format(budget_line=item["budget_line"]))
    notes = []
    for note in item["notes"]:
        pattern = words["note"] if note.get("by") else words["note_anonymous"]
        notes.append(pattern.format(on=dmy(note.get("on")), by=note.get("by"), text=note["text"]))
    return {
        "number": str(item["number"]),
        "title": "\n".join(title),
        "responsible": _name(item.get("responsible"), item.get("responsible_en"), language),
        "due": dmy(item["due_on"]) if item.get("due_on") else (item.get("due_quarter") or "—"),
        "status": words["statuses"].get(item["status"], item["status"]),
        "notes": "\n".join(notes),
    }


def render(data: dict[str, Any], language: str | None, today: dt.date) -> bytes:
    language = paper_language(language)
    layout = template("annual_report")
    words = layout[language]
    year = data["year"]
    scope = data["scope"]
    org = _name(data["organization"]["name"], data["organization"].get("name_en"), language)
    heading = words["heading"][scope].format(year=year)
    document = new_document(heading, language)
    title = document.add_heading(heading, level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(words["subheading"][scope].format(organization=org))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = document.add_paragraph()
    run = note.add_run(words["draft_note"].format(date=dmy(today)))
    run.italic = True
    run.font.size = Pt(9)

    document.add_heading(words["summary_heading"], level=2)
    if data["counts"]["total"]:
        document.add_paragraph(words["summary"].format(**_figures(data["counts"], year)))
    else:
        document.add_paragraph(words["no_items"].format(year=year))

    for agreement in data["agreements"]:
        if agreement["id"] is None:
            document.add_heading(words["no_agreement"], level=2)
        else:
            document.add_heading(
                words["agreement_heading"].format(agreement=agreement["title"]), level=2
            )
        plans = ", ".join(
            (words["plan"] if p.get("adoption_number") else words["plan_unadopted"]).format(
                title=p["title"], number=p.get("adoption_number"), date=dmy(p.get("adoption_date"))
            )
            for p in agreement["plans"]
        )
        partner = _name(agreement.get("partner"), agreement.get("partner_en"), language)
        document.add_paragraph(
            words["agreement_paragraph"].format(
                partner=partner, plan=plans, **_figures(agreement["counts"], year)
            )
        )
        for area in agreement["areas"]:
            area_title = words["areas"].get(area["area"], area["area"])
            document.add_heading(
                words["area_heading"].format(area=area_title, count=area["counts"]["total"]),
                level=3,
            )
            table(
                document,
                layout["columns"],
                words["headings"],
                [_item_row(item, words, language) for item in area["items"]],
            )
            document.add_paragraph()

    document.add_paragraph()
    document.add_paragraph(words["signature"])
    page_footer(document, words["page"], running=f"{org} · {year}")
    return to_bytes(document)


def filename(data: dict[str, Any]) -> str:
    code = (data["organization"].get("code") or str(data["organization"]["id"])).lower()
    return f"annual-report-{data['year']}-{code}.docx"
