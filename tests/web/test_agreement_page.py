"""The agreement page: what it shows, the actions it offers, and what its forms do."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select

from tests.web import scenario
from workflow.persistence.models import AuditEvent, Case, DocumentVersion


def _case(engine, case_id) -> Case:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _actions(html: str) -> list[str]:
    return re.findall(r'name="trigger" value="([a-z_]+)"', html)


def test_the_page_shows_fields_parties_stages_history_and_documents(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    html = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in html
    assert "Провинция Хэйлунцзян" in html and "黑龙江省" in html
    assert 'class="chevron-step chevron-current"' in html  # the stage chevron
    assert html.count("chevron-done") == 2  # preparation and internal clearance are behind
    assert "Уточните статью 2" in html  # the reviewer's remark in the history
    assert "Николай Миронов" in html  # who returned it
    assert "Version 2" in html and "Учтены замечания" in html
    assert "<svg" in html and "node-current" in html  # the diagram marks the current state


def test_only_the_actions_this_person_may_take_are_offered(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    assert set(_actions(signed_in("mfa").get(f"/agreements/{case_id}").get_data(as_text=True))) == {
        "approve",
        "return_for_revision",
    }
    assert _actions(signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)) == [
        "withdraw"
    ]
    assert _actions(signed_in("minjust").get(f"/agreements/{case_id}").get_data(as_text=True)) == []


def test_a_stale_form_says_someone_acted_first_and_shows_the_fresh_page(
    engine, web_world, signed_in
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    mfa = signed_in("mfa")
    page = mfa.get(f"/agreements/{case_id}").get_data(as_text=True)
    seen_version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    engine.fire(case_id, "approve", web_world.actor("minec"))  # someone else, meanwhile
    response = mfa.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "approve", "expected_version": seen_version},
    )
    assert response.status_code == 303
    # No anchor: the page opens at its top, where the notice is (issue 13).
    assert response.headers["Location"].endswith(f"/agreements/{case_id}")
    fresh = mfa.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else acted first" in fresh
    assert f'name="expected_version" value="{seen_version + 1}"' in fresh
    with engine.uow(write=False) as uow:
        votes = uow.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.case_id == case_id,
                AuditEvent.kind == "vote",
                AuditEvent.from_state == "federal_review",
            )
        ).all()
    assert votes == [web_world.user_id("minec")]  # the stale approval was not recorded


def test_returning_needs_a_comment_and_then_moves_the_case(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    sector = signed_in("sector")
    version = _case(engine, case_id).version
    refused = sector.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "return_for_revision", "expected_version": version, "comment": " "},
    )
    page = sector.get(refused.headers["Location"]).get_data(as_text=True)
    assert "A comment is required" in page
    assert _case(engine, case_id).state == "federal_review"
    sector.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "return_for_revision", "expected_version": version, "comment": "Статья 3"},
    )
    assert _case(engine, case_id).state == "conciliation"


def test_the_signing_form_records_both_parties(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", web_world.actor(reviewer))
    engine.fire(
        case_id,
        "schedule_signing",
        web_world.actor("ini"),
        data={"planned_signing_date": scenario.PLANNED, "planned_signing_place": "Казань"},
    )
    clock.set(dt.datetime(2026, 5, 21, 6, 0, tzinfo=dt.UTC))
    ini = signed_in("ini")
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    for name in (
        "f.signing_russian.date",
        "f.signing_russian.place",
        "f.signing_russian.signatory.name",
        "f.signing_partner.date",
        "f.signing_partner.signatory.name",
    ):
        assert f'name="{name}"' in page, name
    response = ini.post(
        f"/agreements/{case_id}/actions",
        {
            "trigger": "record_signing",
            "expected_version": _case(engine, case_id).version,
            "f.signing_russian.date": "2026-05-20",
            "f.signing_russian.place": "Казань",
            "f.signing_russian.signatory.name": "И. И. Головин",
            "f.signing_partner.date": "2026-05-21",
            "f.signing_partner.place": "Харбин",
            "f.signing_partner.signatory.name": "Ван Лэй",
        },
    )
    assert response.status_code == 303
    case = _case(engine, case_id)
    assert case.state == "signed"
    assert case.fields["signing_russian"]["place"] == "Казань"
    assert case.fields["signing_partner"] == {
        "date": "2026-05-21",
        "place": "Харбин",
        "signatory": {"name": "Ван Лэй"},
    }


def test_details_are_edited_where_the_state_allows(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    ini = signed_in("ini")
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert 'name="f.partner.name_ru"' in page
    response = ini.post(
        f"/agreements/{case_id}/fields",
        {
            "expected_version": _case(engine, case_id).version,
            "f.partner.name_ru": "Провинция Хэйлунцзян (КНР)",
            "f.planned_signing_date": "2026-06-01",
            "f.subject_areas": ["cultural", "education"],
            "f.term.years": "5",
        },
    )
    assert response.status_code == 303
    fields = _case(engine, case_id).fields
    assert fields["partner"]["name_ru"] == "Провинция Хэйлунцзян (КНР)"
    assert fields["partner"]["country"] == "CN"  # the other leaves of the record are kept
    assert fields["planned_signing_date"] == "2026-06-01"
    assert fields["subject_areas"] == ["cultural", "education"]
    assert fields["term"] == {"years": 5}  # a number, as the strict schema wants
    mfa_page = signed_in("mfa").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "Edit details" not in mfa_page


def test_a_new_version_comes_from_the_text_field_or_a_txt_file(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    version = _case(engine, case_id).version
    ini.post(
        f"/agreements/{case_id}/documents",
        {"expected_version": version, "language": "ru", "text": "Новая редакция\n"},
    )
    token = ini.csrf_from(f"/agreements/{case_id}")
    for number, (data, name) in enumerate(
        (
            ("新版本\n".encode(), "zh.txt"),
            # A Windows Notepad file in the Cyrillic code page is stored as the text it is.
            ("Соглашение о сотрудничестве в области культуры\n".encode("cp1251"), "cp1251.txt"),
        ),
        start=1,
    ):
        ini.client.post(
            f"/agreements/{case_id}/documents",
            data={
                "csrf_token": token,
                "expected_version": version + number,
                "language": "zh" if name == "zh.txt" else "ru",
                "file": (io.BytesIO(data), name),
            },
            content_type="multipart/form-data",
        )
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                DocumentVersion.language,
                DocumentVersion.number,
                DocumentVersion.filename,
                DocumentVersion.text,
            )
            .where(DocumentVersion.case_id == case_id)
            .order_by(DocumentVersion.id)
        ).all()
    assert [tuple(r) for r in rows][-3:] == [
        ("ru", 2, None, "Новая редакция\n"),
        ("zh", 2, "zh.txt", "新版本"),
        ("ru", 3, "cp1251.txt", "Соглашение о сотрудничестве в области культуры"),
    ]


def test_the_comparison_marks_the_changed_words(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    html = (
        signed_in("ini")
        .get(f"/agreements/{case_id}/documents/ru/diff?a=1&b=2")
        .get_data(as_text=True)
    )
    assert "<ins>студентами и преподавателями </ins>" in html
    assert "Lines changed: 1, added: 0, removed: 0." in html


def test_a_user_of_another_region_sees_none_of_the_case(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    other = signed_in("other")
    for path in (
        f"/agreements/{case_id}",
        f"/agreements/{case_id}/documents/ru/1",
        f"/agreements/{case_id}/documents/ru/diff?a=1&b=1",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        assert "Хэйлунцзян" not in response.get_data(as_text=True)
    version = _case(engine, case_id).version
    assert (
        other.post(
            f"/agreements/{case_id}/actions", {"trigger": "withdraw", "expected_version": version}
        ).status_code
        == 404
    )
    assert _case(engine, case_id).state == "drafting"


def test_a_plan_gets_activities_and_their_progress_from_its_page(
    engine, web_world, signed_in, clock
):
    agreement = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, agreement)
    ini = signed_in("ini")
    created = ini.post(
        f"/agreements/new?kind=activity_plan&parent={agreement}",
        {
            "f.title": "План на 2026 год",
            "f.period_start": "2026-06-01",
            "f.period_end": "2026-12-31",
        },
        form_page="/agreements/new?kind=activity_plan",
    )
    assert created.status_code == 303
    plan_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert _case(engine, plan_id).parent_case_id == agreement
    ini.post(
        f"/agreements/{plan_id}/items",
        {
            "title": "Фестиваль",
            "area": "cultural",
            "responsible_org_id": web_world.org_id("RU-TST"),
            "due_on": "2026-09-01",
        },
    )
    page = ini.get(f"/agreements/{plan_id}").get_data(as_text=True)
    assert "Фестиваль" in page


def test_a_date_a_rule_checks_is_asked_on_the_form_so_the_rule_can_be_met(
    engine, web_world, signed_in, clock
):
    agreement = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, agreement)
    plan = scenario.adopted_plan(engine, web_world, agreement)
    ini = signed_in("ini")
    page = ini.get(f"/agreements/{plan}").get_data(as_text=True)
    form = page[page.index('value="report_quarter"') :]
    form = form[: form.index("</form>")]
    assert 'name="f.monitoring_period_end"' in form  # read by the field_advances guard
    assert "disabled" not in form
    ini.post(
        f"/agreements/{plan}/actions",
        {
            "trigger": "report_quarter",
            "expected_version": _case(engine, plan).version,
            "f.progress_report.period": "2026-Q3",
            "f.progress_report.summary": "Проведены Дни области.",
            "f.monitoring_period_end": "2026-12-31",
        },
    )
    fields = _case(engine, plan).fields
    assert fields["monitoring_period_end"] == "2026-12-31"
    assert fields["progress_report"]["period"] == "2026-Q3"


def test_planned_deadlines_show_whats_ahead_and_a_what_if(engine, web_world, signed_in, clock):
    drafting = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, drafting)
    ini = signed_in("ini")

    def deadlines(path):
        html = ini.get(path).get_data(as_text=True)
        start = html.index('id="deadlines"')
        return html[start : html.index("</section>", start)]

    ahead = deadlines(f"/agreements/{drafting}")
    assert "Last day by the lead-time rule" in ahead and "20 April 2026" in ahead
    moved = deadlines(f"/agreements/{drafting}?what_if.planned_signing_date=2026-06-22")
    assert "what if" in moved and "22 May 2026" in moved  # one month before, as a what-if
    assert "now 20 April 2026" in moved
    signed = scenario.create_regional(engine, web_world, "Зарегистрированное")
    scenario.to_registered(engine, web_world, clock, signed)
    assert "Last day by the lead-time rule" not in deadlines(f"/agreements/{signed}")


def test_country_and_language_codes_read_as_names():
    """Codes stored in the fields (CN, zh) are shown as names in the reader's language."""
    from flask import Flask
    from flask_babel import Babel

    from web.formatting import coded_value

    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "ru")
    with app.test_request_context():
        assert coded_value("partner.country", "CN") == "Китай (CN)"
        assert coded_value("languages", ["ru", "zh"]) == "русский, китайский"
        assert coded_value("partner.language", "xx") == "xx"
        assert coded_value("title", "CN") == "CN"
