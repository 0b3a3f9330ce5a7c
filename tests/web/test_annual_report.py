"""The annual report on the plans of activities (DOCX draft, attached as a version of the
report) and a coordinating meeting's minutes (DOCX and PDF), read back with python-docx and
pypdf.

Set ``PAPERS_PNG_DIR=/some/dir`` to keep PNG pages (pdftoppm; the DOCX through LibreOffice when
it is installed) for looking at them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from tests.web import scenario
from workflow.persistence.models import DocumentVersion
from workflow.services.meeting_minutes import DecisionInput

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LONG_NOTE = (
    "Делегация из 12 человек провела переговоры с администрацией провинции; подписан "
    "меморандум о намерениях по поставкам сельскохозяйственной техники. "
)


def _update(engine, actor, ref, **changes):
    return engine.update_plan_item(ref.id, actor, ref.version, **changes)


def in_force_regional(engine, world, clock) -> int:
    case_id = scenario.create_regional(engine, world)
    scenario.to_registered(engine, world, clock, case_id)
    engine.fire(
        case_id, "enter_into_force", world.actor("ini"), data={"in_force_from": "2026-05-28"}
    )
    return case_id


def plan_with_items(engine, world, parent_id: int | None, *, user="ini", region="RU-TST"):
    """An adopted plan with items of 2026 in every status and one of 2027; returns the plan's
    id and the items' refs by key."""
    actor = world.actor(user)
    plan = engine.create_case(
        actor,
        "activity_plan",
        fields={
            "title": f"План мероприятий {region} на 2026–2027 годы",
            "period_start": "2026-01-01",
            "period_end": "2027-12-31",
        },
        parent_case_id=parent_id,
    )
    org = world.org_id(region)
    specs = {
        "done": ("Дни Тестовой области в Харбине", "cultural", {"due_on": "2026-09-15"}),
        "postponed": ("Бизнес-миссия в Хэйлунцзян", "trade_economic", {"due_on": "2026-11-20"}),
        "cancelled": ("Выставка станкостроения", "trade_economic", {"due_on": "2026-06-10"}),
        "in_progress": ("Летняя школа для студентов", "education", {"due_quarter": "2026-Q4"}),
        "next_year": ("Форум ректоров 2027 года", "education", {"due_on": "2027-07-01"}),
    }
    if region != "RU-TST":
        specs = {"other": ("Ярмарка другой области", "cultural", {"due_on": "2026-08-01"})}
    refs = {
        key: engine.add_plan_item(
            plan.id,
            actor,
            title=title,
            area=area,
            responsible_org_id=org,
            venue="Харбин" if key == "done" else None,
            budget_line="3.6/1" if key == "done" else None,
            **due,
        )
        for key, (title, area, due) in specs.items()
    }
    engine.fire(plan.id, "submit_plan", actor)
    engine.fire(plan.id, "approve_plan", world.actor("coord"))
    engine.fire(
        plan.id,
        "adopt_plan",
        actor,
        data={
            "adoption": {"number": "45-р", "date": "2026-06-01"},
            "monitoring_period_end": "2026-09-30",
        },
    )
    if region == "RU-TST":
        done = _update(engine, actor, refs["done"], status="in_progress", note="Программа готова")
        _update(engine, actor, done, status="done", note=LONG_NOTE)
        _update(engine, actor, refs["postponed"], status="postponed", note="Перенесено на 2027")
        _update(engine, actor, refs["cancelled"], status="cancelled", note="Нет финансирования")
        _update(engine, actor, refs["in_progress"], status="in_progress", note="Набор идёт")
    return plan.id, refs


def docx_text(data: bytes) -> tuple[Document, str]:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return document, "\n".join(parts)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _png(pdf: bytes, name: str) -> None:
    where = os.environ.get("PAPERS_PNG_DIR")
    if not where or not shutil.which("pdftoppm"):
        return
    path = Path(where) / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(path), str(path.with_suffix(""))], check=True
    )


def _docx_png(data: bytes, name: str) -> None:
    where = os.environ.get("PAPERS_PNG_DIR")
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not where or not office:
        return
    path = Path(where) / f"{name}.docx"
    path.write_bytes(data)
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", where, str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    _png(path.with_suffix(".pdf").read_bytes(), name)


def test_the_regions_report_lists_every_item_of_the_year_with_status_notes_and_counts(
    engine, web_world, clock, signed_in
):
    case_id = in_force_regional(engine, web_world, clock)
    plan_with_items(engine, web_world, case_id)
    plan_with_items(engine, web_world, None, user="other", region="RU-OTH")
    response = signed_in("ini").get(f"/agreements/{case_id}/annual-report.docx?year=2026&lang=ru")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == DOCX
    assert "annual-report-2026-ru-tst.docx" in response.headers["Content-Disposition"]
    document, text = docx_text(response.data)
    _docx_png(response.data, "annual-report-ru")

    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == (
        "Отчёт о реализации планов мероприятий по международному сотрудничеству за 2026 год"
    )
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in headings
    assert {"Культурное сотрудничество: мероприятий 1", "Образование: мероприятий 1"} <= set(
        headings
    )
    assert "Торгово-экономическое сотрудничество: мероприятий 2" in headings
    flat = squeeze(text)
    assert (
        "Мероприятий на 2026 год: 4; выполнено: 1; перенесено: 1; отменено: 1; в работе: 1." in flat
    )
    rows = {
        row.cells[1].text.split("\n")[0]: row for table in document.tables for row in table.rows[1:]
    }
    expected = {
        "Дни Тестовой области в Харбине": ("выполнено", LONG_NOTE.strip()),
        "Бизнес-миссия в Хэйлунцзян": ("перенесено", "Перенесено на 2027"),
        "Выставка станкостроения": ("отменено", "Нет финансирования"),
        "Летняя школа для студентов": ("в работе", "Набор идёт"),
    }
    assert set(rows) == set(expected)  # 2027's item and the other region's are absent
    for title, (status, note) in expected.items():
        cells = rows[title].cells
        assert cells[4].text == status
        assert note in cells[5].text and "Анна Ильина" in cells[5].text
    assert "Программа готова" in rows["Дни Тестовой области в Харбине"].cells[5].text
    assert "Место: Харбин" in rows["Дни Тестовой области в Харбине"].cells[1].text
    assert rows["Летняя школа для студентов"].cells[3].text == "2026-Q4"
    assert "Форум ректоров 2027 года" not in text and "Ярмарка другой области" not in text
    # the heading row repeats on each page; "стр. N из M" is made of PAGE / NUMPAGES fields
    assert all(t.rows[0]._tr.trPr.xpath("./w:tblHeader") for t in document.tables)
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "стр. " in footer

    english = signed_in("ini").get(f"/agreements/{case_id}/annual-report.docx?year=2026&lang=en")
    _document, text_en = docx_text(english.data)
    _docx_png(english.data, "annual-report-en")
    assert "Report on the implementation of the plans of international cooperation for 2026" in (
        text_en
    )
    assert "done" in text_en and "Cultural cooperation (activities: 1)" in text_en

    empty = signed_in("ini").get(f"/agreements/{case_id}/annual-report.docx?year=2025")
    assert (
        "нет мероприятий" in docx_text(empty.data)[1] or "no activities" in docx_text(empty.data)[1]
    )
    assert signed_in("other").get(f"/agreements/{case_id}/annual-report.docx").status_code == 404


def test_the_draft_is_attached_as_a_version_then_the_edited_file_follows(
    engine, web_world, clock, signed_in
):
    case_id = in_force_regional(engine, web_world, clock)
    plan_with_items(engine, web_world, case_id)
    ini = signed_in("ini")
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "Draft the annual report for 2026" in page
    assert f"/agreements/{case_id}/annual-report.docx?year=2026" in page
    response = ini.post(
        f"/agreements/{case_id}/annual-report",
        {"year": "2026", "lang": "ru", "expected_version": _version(engine, case_id)},
        form_page=f"/agreements/{case_id}",
    )
    assert response.status_code == 303
    after = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "is saved as version 1" in after, re.findall(r'class="flashes">(.{0,400})', after, re.S)
    draft = _versions(engine, case_id)[-1]
    assert (draft.language, draft.number, draft.media_type) == ("report", 1, DOCX)
    assert "Дни Тестовой области в Харбине" in draft.text

    # the person edits the draft in Word and uploads it as the next version
    with engine.uow(write=False) as uow:
        original = engine.blobs.read(uow.session, draft.blob_sha256)
    document = Document(io.BytesIO(original))
    document.add_paragraph("Дополнение: итоги года одобрены коллегией министерства.")
    buffer = io.BytesIO()
    document.save(buffer)
    added = engine.add_document_file(
        case_id, web_world.actor("ini"), "report", buffer.getvalue(), "otchet-2026.docx"
    )
    assert added.number == 2
    assert "одобрены коллегией" in _versions(engine, case_id)[-1].text
    # the agreement's own texts stay fixed in force
    with pytest.raises(Exception, match="cannot be changed"):
        engine.add_document(case_id, web_world.actor("ini"), "ru", "Новая редакция")


def _version(engine, case_id):
    from workflow.persistence.models import Case

    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(Case.version).where(Case.id == case_id))


def _versions(engine, case_id):
    with engine.uow(write=False) as uow:
        return uow.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.case_id == case_id, DocumentVersion.language == "report")
            .order_by(DocumentVersion.number)
        ).all()


def _meeting_case(engine, meeting_id):
    from workflow.persistence.meetings import Meeting

    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(Meeting.case_id).where(Meeting.id == meeting_id))


DECISIONS = [
    "Подготовить сводный план мероприятий регионов на 2027 год",
    "Направить предложения по программе Дней регионов в провинции Хэйлунцзян",
    "Обобщить опыт побратимских связей муниципальных образований",
]


def _meeting_with_minutes(engine, world, clock, decisions: int = 3):
    when = dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC)
    meeting = engine.schedule_meeting(
        world.actor("coord"),
        year=2026,
        title_ru="Координационное совещание 2026",
        title_en="Coordinating meeting 2026",
        starts_at=when,
        ends_at=when + dt.timedelta(hours=5),
        venue="Москва, Россотрудничество",
        participant_org_ids=[world.org_id("RU-TST"), world.org_id("RU-OTH")],
    )
    coord = world.actor("coord")
    case_id = _meeting_case(engine, meeting.meeting_id)
    for trigger in ("close_proposals", "approve_agenda", "send_invitations"):
        engine.fire(case_id, trigger, coord)
    clock.set(dt.datetime(2026, 10, 21, 6, 0, tzinfo=dt.UTC))
    engine.record_meeting_held(meeting.meeting_id, world.actor("coord"))
    texts = [DECISIONS[i % 3] + f" (пункт {i + 1})" for i in range(decisions)]
    engine.record_minutes(
        meeting.meeting_id,
        world.actor("coord"),
        "Заслушали доклады регионов об итогах года.\nОбсудили план на 2027 год.",
        decisions=[
            DecisionInput(text, world.org_id("RU-TST"), dt.date(2026, 12, 1)) for text in texts
        ],
    )
    return meeting.meeting_id, texts


def test_the_minutes_as_pdf_carry_every_decision_and_page_numbers(
    engine, web_world, clock, signed_in
):
    meeting_id, texts = _meeting_with_minutes(engine, web_world, clock, decisions=40)
    browser = signed_in("other")  # any signed-in person who may see the meeting
    assert "minutes.pdf" in browser.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    response = browser.get(f"/meetings/{meeting_id}/minutes.pdf?lang=ru")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _png(response.data, "minutes-ru")
    reader = PdfReader(io.BytesIO(response.data))
    pages = [squeeze(p.extract_text()) for p in reader.pages]
    assert len(pages) >= 2
    text = " ".join(pages)
    assert "ПРОТОКОЛ" in text and "Координационное совещание 2026" in text
    assert "Заслушали доклады регионов" in text
    for decision in texts:
        assert squeeze(decision) in text, decision
    for number, page in enumerate(pages, 1):
        assert f"стр. {number} из {len(pages)}" in page
    english = browser.get(f"/meetings/{meeting_id}/minutes.pdf?lang=en")
    assert "MINUTES" in PdfReader(io.BytesIO(english.data)).pages[0].extract_text()


def test_the_minutes_as_docx_carry_every_decision(engine, web_world, clock, signed_in):
    meeting_id, texts = _meeting_with_minutes(engine, web_world, clock)
    response = signed_in("ini").get(f"/meetings/{meeting_id}/minutes.docx?lang=ru")
    assert response.status_code == 200 and response.mimetype == DOCX
    _docx_png(response.data, "minutes-docx-ru")
    document, text = docx_text(response.data)
    assert "ПРОТОКОЛ" in text and "Москва, Россотрудничество" in text
    (table,) = document.tables
    assert [row.cells[1].text for row in table.rows[1:]] == texts
    assert {row.cells[4].text for row in table.rows[1:]} == {"на исполнении"}
    assert {row.cells[3].text for row in table.rows[1:]} == {"01.12.2026"}
    assert "NUMPAGES" in document.sections[0].footer._element.xml
    english = signed_in("ini").get(f"/meetings/{meeting_id}/minutes.docx?lang=en")
    assert "Coordinating meeting 2026" in docx_text(english.data)[1]
    assert signed_in("ini").get("/meetings/999999/minutes.docx").status_code == 404
