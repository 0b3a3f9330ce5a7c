"""The whole life of a regional agreement, clicked through in Chromium by the people who do it.

A regional officer drafts and submits; the region's legal office and head clear it; three
federal reviewers review in parallel and one returns it; the officer uploads a new version and
resubmits; all approve; signing is recorded for both parties; the Ministry of Justice registers
it; the plan of activities is adopted; the region page and the public page show it. Along the
way: the public page never shows the draft, a stale form gets "someone else acted first", a user
of another region cannot open the agreement, and a form posted without its CSRF token is refused.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in
from workflow.persistence.models import Case

pytestmark = pytest.mark.browser

TITLE = "Соглашение о сотрудничестве с провинцией Хэйлунцзян"
PLAN_TITLE = "План мероприятий на 2026–2027 годы"


def state_of(live, case_id: int) -> str:
    with live.engine.uow(write=False) as uow:
        return uow.session.scalar(select(Case.state).where(Case.id == case_id))


def act(page, trigger: str, fields: dict | None = None, comment: str | None = None) -> None:
    """Fill and submit the action form of ``trigger`` on the agreement page."""
    form = page.locator(f"form.action:has(input[name=trigger][value={trigger}])")
    if not form.is_visible():
        page.locator("details.other-actions > summary").click()
    for name, value in (fields or {}).items():
        control = form.locator(f'[name="f.{name}"]')
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    if comment is not None:
        form.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def edit_details(page, fields: dict) -> None:
    page.locator("#fields details.edit-block > summary").click()
    form = page.locator('form[action$="/fields"]')
    for name, value in fields.items():
        control = form.locator(f'[name="f.{name}"]')
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def upload(page, language: str, text: str | None = None, file=None, note: str = "") -> None:
    block = page.locator("#documents > details")
    if block.get_attribute("open") is None:
        block.locator("> summary").click()
    form = page.locator('form[action$="/documents"]')
    form.locator("[name=language]").select_option(language)  # a list of names
    if text is not None:
        form.locator("details.paste-text > summary").click()
        form.locator("[name=text]").fill(text)
    if file is not None:
        form.locator("[name=file]").set_input_files(file)
    form.locator("[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def success(page) -> str:
    return page.locator(".alert-success").first.inner_text()


def test_a_regional_agreement_from_draft_to_public_status(live, new_page, tmp_path):
    public = new_page()

    def assert_not_public():
        public.goto(live.at("/public/regions/RU-TST"))
        assert TITLE not in public.content()

    # --- the regional officer drafts -------------------------------------------------------
    ini = new_page()
    sign_in(ini, live, "ini")
    ini.goto(live.at("/agreements/new"))
    ini.click('a[href*="kind=regional_agreement"]')
    ini.fill('[name="f.title"]', TITLE)
    ini.fill('[name="f.title_partner"]', "黑龙江省合作协议")
    ini.select_option('[name="f.partner.country"]', "CN")  # picked by name: Китай
    ini.select_option('[name="f.partner.level"]', "province")
    ini.fill('[name="f.partner.name_ru"]', "Провинция Хэйлунцзян")
    ini.check('[name="f.subject_areas"][value=trade_economic]')
    ini.check('[name="f.subject_areas"][value=education]')
    with ini.expect_navigation():
        ini.click("main form button[type=submit]")
    case_id = int(re.search(r"/agreements/(\d+)", ini.url).group(1))
    assert ini.locator("h1").inner_text() == TITLE
    assert_not_public()

    act(ini, "notify_negotiations")
    act(ini, "start_drafting")
    assert state_of(live, case_id) == "drafting"
    edit_details(
        ini,
        {
            "planned_signing_date": "2026-05-20",
            "languages": ["ru", "zh"],  # a list of names to pick from
            "term.years": "5",
            "entry_into_force": "on_registration",
        },
    )
    upload(ini, "ru", "Статья 1. Стороны развивают торговлю.\nСтатья 2. Обмены студентами.\n")
    partner_text = tmp_path / "zh.txt"
    partner_text.write_text("第一条 双方发展贸易。\n", encoding="utf-8")
    upload(ini, "zh", file=str(partner_text))
    assert "zh.txt" in ini.content()
    act(ini, "send_for_clearance")
    assert state_of(live, case_id) == "internal_clearance"
    assert_not_public()

    # --- internal clearance by the region's legal office and head ---------------------------
    for username in ("legal", "head"):
        page = new_page()
        sign_in(page, live, username)
        page.goto(live.at(f"/agreements/{case_id}"))
        act(page, "clear")
    assert state_of(live, case_id) == "submitted_for_review"
    mfa = new_page()
    sign_in(mfa, live, "mfa")
    mfa.goto(live.at("/inbox"))
    mfa.click(f'a.task-title[href="/agreements/{case_id}"]')
    act(mfa, "start_review")
    assert state_of(live, case_id) == "federal_review"

    # --- three federal reviewers in parallel; MinEc returns it -------------------------------
    reviewers = {name: new_page() for name in ("minec", "sector")}
    reviewers["mfa"] = mfa
    for name, page in reviewers.items():
        if name != "mfa":
            sign_in(page, live, name)
        page.goto(live.at(f"/agreements/{case_id}"))  # all three have the page open
    act(reviewers["mfa"], "approve")
    # MinEc's form was rendered before the MFA's answer: it gets the fresh page, not an error.
    act(reviewers["minec"], "return_for_revision", comment="Уточните статью 2.")
    stale = reviewers["minec"]
    assert stale.locator(".alert-warning").count() == 1
    assert state_of(live, case_id) == "federal_review"
    act(stale, "return_for_revision", comment="Уточните статью 2: формы обменов.")
    assert state_of(live, case_id) == "conciliation"
    assert_not_public()

    # --- the officer uploads a new version and resubmits -------------------------------------
    ini.goto(live.at(f"/agreements/{case_id}"))
    assert "Уточните статью 2: формы обменов." in ini.content()
    upload(
        ini,
        "ru",
        "Статья 1. Стороны развивают торговлю.\nСтатья 2. Обмены студентами и преподавателями.\n",
        note="Учтены замечания Минэкономразвития",
    )
    ini.goto(live.at(f"/agreements/{case_id}/documents/ru/diff?a=1&b=2"))
    assert "преподавателями" in ini.locator("ins").first.inner_text()
    ini.goto(live.at(f"/agreements/{case_id}"))
    act(ini, "resubmit")
    for name in ("mfa", "minec", "sector"):
        reviewers[name].goto(live.at(f"/agreements/{case_id}"))
        act(reviewers[name], "approve")
    assert state_of(live, case_id) == "approved_for_signing"
    assert_not_public()

    # --- signing, recorded for both parties ------------------------------------------------
    ini.goto(live.at(f"/agreements/{case_id}"))
    act(ini, "schedule_signing", {"planned_signing_place": "Казань"})
    assert state_of(live, case_id) == "signing_scheduled"
    assert_not_public()
    live.clock.set(dt.datetime(2026, 5, 21, 6, 0, tzinfo=dt.UTC))
    ini.goto(live.at(f"/agreements/{case_id}"))
    act(
        ini,
        "record_signing",
        {
            "signing_russian.date": "2026-05-20",
            "signing_russian.place": "Казань",
            "signing_russian.signatory.name": "И. И. Головин",
            "signing_partner.date": "2026-05-21",
            "signing_partner.place": "Харбин",
            "signing_partner.signatory.name": "Ван Лэй",
        },
    )
    assert state_of(live, case_id) == "signed"
    details = ini.locator("#fields").inner_text()
    assert "Казань" in details and "Харбин" in details and "Ван Лэй" in details

    # --- registration ----------------------------------------------------------------------
    act(ini, "submit_for_registration")
    minjust = new_page()
    sign_in(minjust, live, "minjust")
    minjust.goto(live.at(f"/agreements/{case_id}"))
    act(
        minjust,
        "register",
        {"registration.number": "RU-TST-2026-001", "registration.date": "2026-05-28"},
    )
    assert state_of(live, case_id) == "registered"

    # --- the plan of activities --------------------------------------------------------------
    ini.goto(live.at(f"/agreements/{case_id}"))
    ini.click('a[href*="kind=activity_plan"]')
    ini.fill('[name="f.title"]', PLAN_TITLE)
    ini.fill('[name="f.period_start"]', "2026-06-01")
    ini.fill('[name="f.period_end"]', "2027-12-31")
    with ini.expect_navigation():
        ini.click("main form button[type=submit]")
    plan_id = int(re.search(r"/agreements/(\d+)", ini.url).group(1))
    items = ini.locator('form[action$="/items"]')
    items.locator("[name=title]").fill("Дни Тестовой области в Харбине")
    items.locator("[name=area]").select_option("cultural")
    items.locator("[name=due_on]").fill("2026-09-15")
    with ini.expect_navigation():
        items.locator("button[type=submit]").click()
    act(ini, "submit_plan")
    coord = new_page()
    sign_in(coord, live, "coord")
    coord.goto(live.at(f"/agreements/{plan_id}"))
    act(coord, "approve_plan")
    ini.goto(live.at(f"/agreements/{plan_id}"))
    act(
        ini,
        "adopt_plan",
        {
            "adoption.number": "45-р",
            "adoption.date": "2026-06-01",
            "monitoring_period_end": "2026-09-30",
        },
    )
    assert state_of(live, plan_id) == "adopted"
    ini.goto(live.at(f"/agreements/{case_id}"))
    act(ini, "enter_into_force", {"in_force_from": "2026-06-01"})
    act(ini, "start_implementation")
    assert state_of(live, case_id) == "implementation"

    # --- the region page and the public page show it ----------------------------------------
    ini.goto(live.at("/regions/RU-TST"))
    region = ini.content()
    assert PLAN_TITLE in region
    assert ini.locator('a[href*="state=implementation"]').count() == 1
    public.goto(live.at("/public/regions/RU-TST"))
    shown = public.content()
    assert TITLE in shown and PLAN_TITLE in shown and "Дни Тестовой области в Харбине" in shown
    assert "Головин" not in shown and "Ильина" not in shown  # no people on the public page

    # --- another region's officer cannot open it ---------------------------------------------
    other = new_page()
    sign_in(other, live, "other")
    response = other.goto(live.at(f"/agreements/{case_id}"))
    assert response.status == 404
    assert TITLE not in other.content()

    # --- a form posted without its CSRF token is refused -------------------------------------
    ini.goto(live.at(f"/agreements/{case_id}"))
    form = ini.locator('form[action$="/fields"]')
    form.locator('input[name="csrf_token"]').evaluate("e => e.remove()")
    ini.locator("#fields details.edit-block > summary").click()
    with ini.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    assert navigation.value.status == 400
    assert "400" in ini.content()
