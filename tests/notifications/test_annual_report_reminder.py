"""A twin-city agreement's annual report: the municipality's plans make the draft, the draft is
kept as a version of the report while the agreement is in force (its texts stay fixed), and the
reminder of the report's deadline (no later than 14 January) links to the draft, as the real
SMTP test server receives it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from tests.domain.walking import adopted_plan, walk_to
from tests.domain.world import build_domain_world
from tests.notifications.conftest import BASE_URL
from tests.notifications.helpers import reminders, text_of
from web.papers.annual_report_docx import render
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.errors import InvalidInput
from workflow.persistence.models import Case
from workflow.queries.annual_report import annual_report_data, report_scope


@pytest.fixture
def engine(db_url, clock):
    """The shipped definitions (the twin-city agreement's reminders and editable states)."""
    eng = Engine.create(db_url, load_verified(), clock=clock)
    yield eng
    eng.dispose()


def test_the_municipalitys_report_is_drafted_kept_and_linked_from_the_reminder(
    engine, clock, mail_server, make_worker
):
    world = build_domain_world(engine)
    twin = load_verified().definitions["twin_city_agreement"]
    walk = walk_to(world, twin, "in_force")
    case_id = walk.case_id
    plan_id = adopted_plan(walk, case_id, "kazan_ini")
    other = adopted_plan(walk, None, "ta_ini")  # the region's own plan: not the city's report
    kazan = world.actor("kazan_ini")
    ((item, _version),) = _items(engine, plan_id)  # "Дни культуры", due in Q4 of this year
    engine.update_plan_item(item, kazan, 1, status="done", note="Проведены в Казани и Эскишехире")
    assert _items(engine, other)

    with engine.uow(write=False) as uow:
        case = uow.session.get(Case, case_id)
        scope, org_id = report_scope(uow.session, case)
        data = annual_report_data(
            uow.session, scope=scope, org_id=org_id, year=2026, agreement_id=case_id
        )
    assert scope == "municipality" and data["organization"]["code"] == "RU-TA-KAZAN"
    assert data["counts"]["total"] == 1 and data["counts"]["done"] == 1
    (agreement,) = data["agreements"]
    assert agreement["id"] == case_id and agreement["partner"] == "Город Эскишехир"
    draft = render(data, "ru", engine.today())
    text = "\n".join(p.text for p in Document(io.BytesIO(draft)).paragraphs)
    assert "Отчёт о реализации соглашений о межмуниципальном сотрудничестве за 2026 год" in text
    assert "выполнено: 1" in text

    added = engine.add_document_file(case_id, kazan, "report", draft, "otchet.docx")
    assert added.number == 1
    with pytest.raises(InvalidInput, match="cannot be changed"):
        engine.add_document(case_id, kazan, "ru", "Иная редакция соглашения")

    # The report is due no later than 14 January 2027; its reminders link to the draft.
    planned = [
        r for r in reminders(engine, case_id=case_id, kind="reminder") if r.status == "pending"
    ]
    assert len(planned) == 2 and {r.deadline_on for r in planned} == {dt.date(2027, 1, 14)}
    clock.set(planned[0].due_at)
    worker = make_worker()
    worker.run_once()
    worker.run_once()
    messages = mail_server.by_template("task_reminder")
    assert messages, "the reminder was not delivered"
    body = text_of(messages[-1])
    assert f"{BASE_URL}/agreements/{case_id}/annual-report.docx?year=2026" in body
    assert "14" in messages[-1]["Subject"]


def _items(engine, plan_id):
    from sqlalchemy import select

    from workflow.persistence.plans import PlanItem

    with engine.uow(write=False) as uow:
        return uow.session.execute(
            select(PlanItem.id, PlanItem.version).where(PlanItem.plan_case_id == plan_id)
        ).all()
