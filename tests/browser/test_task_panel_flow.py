"""The task panel in Chromium (issue 13): the remarks above the resubmit button and the
confirmation for unchanged texts, "changed since your last review: compare" for a reviewer of
round 2, a disabled step that says why and links to the form, the partner's language filled on
the step itself, the implicit claim, and an error that is on screen after the post.

Screenshots go to /tmp/task13-*.png (looked at by hand when the panel changes).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in
from tests.web import scenario
from workflow.persistence.models import AuditEvent, Case

pytestmark = pytest.mark.browser

REMARK = "Уточните статью 2: укажите конкретные формы обменов."


def state_of(live, case_id: int) -> str:
    with live.engine.uow(write=False) as uow:
        return uow.session.scalar(select(Case.state).where(Case.id == case_id))


def action(page, trigger: str):
    return page.locator(f"form.action:has(input[name=trigger][value={trigger}])")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def returned(live) -> int:
    engine, world = live.engine, live.world
    case_id = scenario.create_regional(engine, world)
    scenario.to_federal_review(engine, world, case_id)
    engine.fire(case_id, "approve", world.actor("mfa"), comment="По статье 3 замечаний нет.")
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment=REMARK)
    return case_id


def test_the_initiator_sees_the_remarks_by_the_resubmit_button_and_confirms(live, new_page):
    case_id = returned(live)
    ini = new_page()
    sign_in(ini, live, "ini")
    ini.goto(live.at(f"/agreements/{case_id}"))
    form = action(ini, "resubmit")
    remarks = form.locator("#remarks")
    assert REMARK in remarks.inner_text()
    assert "Николай Миронов" in remarks.inner_text()
    assert in_viewport(ini, remarks)  # at the top of the task, not only in the history below
    ini.screenshot(path="/tmp/task13-remarks.png")
    # Unchanged texts: the browser asks for the tick before anything is sent.
    form.locator("button[type=submit]").click()
    assert state_of(live, case_id) == "conciliation"
    assert form.locator("input[name=confirm_unchanged]").evaluate("e => !e.validity.valid")
    form.locator("input[name=confirm_unchanged]").check()
    with ini.expect_navigation():
        form.locator("button[type=submit]").click()
    assert state_of(live, case_id) == "federal_review"


def test_a_reviewer_of_round_two_follows_the_compare_link(live, new_page):
    case_id = returned(live)
    ini = live.world.actor("ini")
    live.engine.add_document(case_id, ini, "ru", scenario.TEXT_RU + "Статья 4. Обмены.\n")
    live.engine.fire(case_id, "resubmit", ini)
    minec = new_page()
    sign_in(minec, live, "minec")
    minec.goto(live.at(f"/agreements/{case_id}"))
    changes = action(minec, "approve").locator(".review-changes")
    assert "Changed since your last review (round 1)" in changes.inner_text() or (
        "Изменилось с вашего прошлого рассмотрения (круг 1)" in changes.inner_text()
    )
    minec.screenshot(path="/tmp/task13-compare.png")
    with minec.expect_navigation():
        changes.locator("a").first.click()
    assert "/documents/ru/diff" in minec.url
    assert "Статья 4" in minec.locator("main").inner_text()


def test_a_disabled_step_says_why_and_the_step_fills_the_partner_language(live, new_page):
    engine, world = live.engine, live.world
    case_id = scenario.create_regional(engine, world)
    ini_actor = world.actor("ini")
    engine.fire(case_id, "notify_negotiations", ini_actor)
    engine.fire(case_id, "start_drafting", ini_actor)
    engine.update_fields(
        case_id,
        ini_actor,
        {
            "planned_signing_date": scenario.PLANNED,
            "term": {"years": 5},
            "entry_into_force": "on_registration",
        },
    )
    engine.add_document(case_id, ini_actor, "ru", scenario.TEXT_RU)
    ini = new_page()
    sign_in(ini, live, "ini")
    ini.goto(live.at(f"/agreements/{case_id}"))
    form = action(ini, "send_for_clearance")
    button = form.locator("button[type=submit]")
    assert button.is_disabled()
    why = form.locator(".why-disabled")
    button.scroll_into_view_if_needed()  # below the step's fields; the reason is beside it
    assert why.is_visible() and in_viewport(ini, button) and in_viewport(ini, why)
    # disabled looks disabled: greyer than an enabled button
    assert button.evaluate("e => getComputedStyle(e).cursor") == "not-allowed"
    ini.screenshot(path="/tmp/task13-disabled.png")
    why.locator('a[href="#documents"]').click()
    ini.wait_for_function("location.hash === '#documents'")

    # With the partner text uploaded, only the language is missing: the step asks for it.
    engine.add_document(case_id, ini_actor, "zh", scenario.TEXT_ZH)
    ini.goto(live.at(f"/agreements/{case_id}"))
    form = action(ini, "send_for_clearance")
    assert form.locator("button[type=submit]").is_enabled()
    # the partner's language is suggested from the partner's record: one click takes the step
    picker = form.locator('select[name="f.languages"]')
    chosen = picker.evaluate("s => Array.from(s.selectedOptions, o => o.value)")
    assert sorted(chosen) == ["ru", "zh"]
    ini.screenshot(path="/tmp/task13-inline-language.png")
    with ini.expect_navigation():
        form.locator("button[type=submit]").click()
    assert state_of(live, case_id) == "internal_clearance"


def test_an_error_after_a_post_is_on_screen(live, new_page):
    engine, world = live.engine, live.world
    case_id = scenario.create_regional(engine, world)
    scenario.to_drafting(engine, world, case_id)
    engine.update_fields(case_id, world.actor("ini"), {"languages": ["ru"]})
    ini = new_page(1366, 700)
    sign_in(ini, live, "ini")
    ini.goto(live.at(f"/agreements/{case_id}"))
    form = action(ini, "send_for_clearance")
    form.locator('select[name="f.languages"]').select_option(["ru"])
    with ini.expect_navigation():
        form.locator("button[type=submit]").click()
    error = ini.locator(".alert-error").first
    assert error.is_visible()
    assert "язык партнёра" in error.inner_text()  # the partner's language, in words
    assert "#" not in ini.url
    assert ini.evaluate("window.scrollY") == 0
    assert in_viewport(ini, error)
    ini.screenshot(path="/tmp/task13-error.png")
    assert state_of(live, case_id) == "drafting"


def test_approving_a_queue_task_claims_it_and_the_claim_button_is_explained(live, new_page):
    engine, world = live.engine, live.world
    case_id = scenario.create_regional(engine, world)
    scenario.to_drafting(engine, world, case_id)
    engine.fire(case_id, "send_for_clearance", world.actor("ini"))
    legal = new_page()
    sign_in(legal, live, "legal")
    legal.goto(live.at(f"/agreements/{case_id}"))
    form = action(legal, "clear")
    assert form.locator(".claim-note").is_visible()
    claim = legal.locator('form[action$="/claim"] button').first
    explained = legal.locator("#" + claim.get_attribute("aria-describedby"))
    assert explained.is_visible() and explained.inner_text()
    legal.screenshot(path="/tmp/task13-claim.png")
    explained.locator("xpath=ancestor::section").screenshot(path="/tmp/task13-claim-tasks.png")
    with legal.expect_navigation():
        form.locator("button[type=submit]").click()
    with live.engine.uow(write=False) as uow:
        data = uow.session.scalar(
            select(AuditEvent.data)
            .where(AuditEvent.case_id == case_id, AuditEvent.trigger == "clear")
            .order_by(AuditEvent.seq.desc())
        )
    assert data["claimed"]["role"] == "legal_office"
