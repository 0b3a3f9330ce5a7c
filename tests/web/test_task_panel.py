"""The task panel of the agreement page (issue 13): remarks above the resubmit button, the
confirmation for unchanged texts, "changed since your last review", disabled steps that say why
and link to the form that fills the gap, one POST that fills a step's fields and takes it, the
implicit claim, and errors that open the page at its top."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web import scenario
from workflow.errors import TransitionNotAllowed
from workflow.persistence.models import AuditEvent, Case, Task

REMARK = "Уточните статью 2: укажите конкретные формы обменов."


def _case(engine, case_id) -> Case:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _form(html: str, trigger: str) -> str:
    """The HTML of the action form of ``trigger``."""
    start = html.index(f'name="trigger" value="{trigger}"')
    start = html.rindex("<form", 0, start)
    return html[start : html.index("</form>", start)]


def _returned(engine, world) -> int:
    """Federal review round 1: the MFA approves, MinEc returns with a remark (not resubmitted)."""
    case_id = scenario.create_regional(engine, world)
    scenario.to_federal_review(engine, world, case_id)
    engine.fire(case_id, "approve", world.actor("mfa"), comment="По статье 3 замечаний нет.")
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment=REMARK)
    return case_id


# --- remarks and resubmitting -------------------------------------------------------------


def test_the_remarks_are_shown_above_the_button_that_resubmits(engine, web_world, signed_in):
    case_id = _returned(engine, web_world)
    html = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    form = _form(html, "resubmit")
    remarks = form[: form.index('type="submit"')]
    assert REMARK in remarks  # what
    assert "Николай Миронов" in remarks and "Минэкономразвития России" in remarks  # who, where
    assert "По статье 3 замечаний нет." in remarks  # the approving reviewer's comment too
    # which versions the round read, linked
    assert f'href="/agreements/{case_id}/documents/ru/1"' in remarks
    assert f'href="/agreements/{case_id}/documents/zh/1"' in remarks
    assert "Returned with remarks in review round 1" in remarks
    # the panel comes before the history on the page
    assert html.index('id="remarks"') < html.index('id="history"')


def test_the_remarks_are_not_shown_to_the_reviewers_nor_once_resubmitted(
    engine, web_world, signed_in
):
    case_id = _returned(engine, web_world)
    assert 'id="remarks"' not in signed_in("minec").get(f"/agreements/{case_id}").get_data(
        as_text=True
    )
    engine.add_document(case_id, web_world.actor("ini"), "ru", scenario.TEXT_RU + "Статья 4.\n")
    engine.fire(case_id, "resubmit", web_world.actor("ini"))
    html = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    assert 'id="remarks"' not in html


def test_resubmitting_unchanged_texts_asks_for_confirmation(engine, web_world, signed_in):
    case_id = _returned(engine, web_world)
    ini = signed_in("ini")
    form = _form(ini.get(f"/agreements/{case_id}").get_data(as_text=True), "resubmit")
    assert 'name="confirm_unchanged"' in form
    version = _case(engine, case_id).version
    refused = ini.post(
        f"/agreements/{case_id}/actions", {"trigger": "resubmit", "expected_version": version}
    )
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/agreements/{case_id}")
    page = ini.get(refused.headers["Location"]).get_data(as_text=True)
    assert "No text has a new version since the remarks" in page
    assert _case(engine, case_id).state == "conciliation"
    ini.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "resubmit", "expected_version": version, "confirm_unchanged": "1"},
    )
    assert _case(engine, case_id).state == "federal_review"


def test_a_new_version_needs_no_confirmation(engine, web_world, signed_in):
    case_id = _returned(engine, web_world)
    engine.add_document(case_id, web_world.actor("ini"), "ru", scenario.TEXT_RU + "Статья 4.\n")
    ini = signed_in("ini")
    form = _form(ini.get(f"/agreements/{case_id}").get_data(as_text=True), "resubmit")
    assert 'name="confirm_unchanged"' not in form
    ini.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "resubmit", "expected_version": _case(engine, case_id).version},
    )
    assert _case(engine, case_id).state == "federal_review"


# --- a reviewer of a later round ------------------------------------------------------------


def test_a_reviewer_of_round_two_sees_what_changed_with_a_link_to_compare(
    engine, web_world, signed_in
):
    case_id = _returned(engine, web_world)
    mfa = signed_in("mfa")
    assert "review-changes" not in mfa.get(f"/agreements/{case_id}").get_data(as_text=True)
    engine.add_document(case_id, web_world.actor("ini"), "ru", scenario.TEXT_RU + "Статья 4.\n")
    engine.fire(case_id, "resubmit", web_world.actor("ini"))
    for reviewer in ("mfa", "minec"):  # one approved round 1, the other returned it
        html = signed_in(reviewer).get(f"/agreements/{case_id}").get_data(as_text=True)
        approve = _form(html, "approve")
        assert "Changed since your last review (round 1)" in approve, reviewer
        assert f'href="/agreements/{case_id}/documents/ru/diff?a=1&amp;b=2"' in approve
        assert "zh" not in approve.split("review-changes", 1)[1].split("</div>", 1)[0]
    compare = mfa.get(f"/agreements/{case_id}/documents/ru/diff?a=1&b=2")
    assert compare.status_code == 200 and "Статья 4" in compare.get_data(as_text=True)


def test_a_round_with_the_same_texts_says_nothing_changed(engine, web_world, signed_in):
    case_id = _returned(engine, web_world)
    engine.fire(case_id, "resubmit", web_world.actor("ini"))
    approve = _form(
        signed_in("mfa").get(f"/agreements/{case_id}").get_data(as_text=True), "approve"
    )
    assert "No text changed since your last review (round 1)." in approve


def test_a_reviewer_who_did_not_answer_the_last_round_compares_with_it(
    engine, web_world, signed_in
):
    case_id = _returned(engine, web_world)  # the return came before the sector answered
    engine.add_document(case_id, web_world.actor("ini"), "zh", scenario.TEXT_ZH + "第四条\n")
    engine.fire(case_id, "resubmit", web_world.actor("ini"))
    approve = _form(
        signed_in("sector").get(f"/agreements/{case_id}").get_data(as_text=True), "approve"
    )
    assert "Changed since review round 1:" in approve
    assert f'href="/agreements/{case_id}/documents/zh/diff?a=1&amp;b=2"' in approve


# --- disabled steps, their reasons, and filling a step's fields where it is offered ----------


def _drafting_without_partner_language(engine, world, with_partner_text: bool) -> int:
    case_id = scenario.create_regional(engine, world)
    ini = world.actor("ini")
    engine.fire(case_id, "notify_negotiations", ini)
    engine.fire(case_id, "start_drafting", ini)
    engine.update_fields(
        case_id,
        ini,
        {
            "planned_signing_date": scenario.PLANNED,
            "term": {"years": 5},
            "entry_into_force": "on_registration",
        },
    )
    engine.add_document(case_id, ini, "ru", scenario.TEXT_RU)
    if with_partner_text:
        engine.add_document(case_id, ini, "zh", scenario.TEXT_ZH)
    return case_id


def test_the_engine_names_the_partner_language_as_what_is_missing(engine, web_world):
    case_id = _drafting_without_partner_language(engine, web_world, with_partner_text=True)
    ini = web_world.actor("ini")
    with pytest.raises(TransitionNotAllowed) as blank:
        engine.fire(case_id, "send_for_clearance", ini)
    assert blank.value.missing_fields == ["languages"]  # a zh text exists: no text is missing
    engine.update_fields(case_id, ini, {"languages": ["ru"]})
    with pytest.raises(TransitionNotAllowed) as russian_only:
        engine.fire(case_id, "send_for_clearance", ini)
    assert russian_only.value.missing_fields == ["languages:partner"]
    engine.fire(case_id, "send_for_clearance", ini, data={"languages": ["ru", "zh"]})
    assert _case(engine, case_id).state == "internal_clearance"


def test_a_step_missing_a_text_is_disabled_and_says_why_with_a_link(engine, web_world, signed_in):
    case_id = _drafting_without_partner_language(engine, web_world, with_partner_text=False)
    html = signed_in("ini").get(f"/agreements/{case_id}").get_data(as_text=True)
    form = _form(html, "send_for_clearance")
    button = re.search(r"<button[^>]*>Send for internal clearance</button>", form).group(0)
    assert "disabled" in button and 'aria-describedby="why-send_for_clearance"' in button
    why = form.split('id="why-send_for_clearance"', 1)[1].split("</p>", 1)[0]
    assert "Languages of the authentic texts" in why and "text in the partner&#39;s language" in why
    assert '<a href="#documents">Upload the text</a>' in why
    assert 'id="documents"' in html  # the link's target is on the page


def test_the_partner_language_is_asked_on_the_step_and_one_post_fills_it_and_moves(
    engine, web_world, signed_in
):
    case_id = _drafting_without_partner_language(engine, web_world, with_partner_text=True)
    ini = signed_in("ini")
    form = _form(ini.get(f"/agreements/{case_id}").get_data(as_text=True), "send_for_clearance")
    assert 'name="f.languages"' in form
    # the partner's record says zh: the step suggests it (saved only when the step is taken)
    picker = re.search(r'<select[^>]*name="f\.languages" multiple.*?</select>', form, re.S).group(0)
    chosen = re.findall(r'<option value="(\w+)" selected>', picker)
    assert sorted(chosen) == ["ru", "zh"]
    assert "languages" not in _case(engine, case_id).fields
    button = re.search(r"<button[^>]*>Send for internal clearance</button>", form).group(0)
    assert "disabled" not in button  # the form itself can fill what is missing
    ini.post(
        f"/agreements/{case_id}/actions",
        {
            "trigger": "send_for_clearance",
            "expected_version": _case(engine, case_id).version,
            "f.languages": ["ru", "zh"],
            "shown": "languages",
        },
    )
    case = _case(engine, case_id)
    assert case.state == "internal_clearance"
    assert case.fields["languages"] == ["ru", "zh"]
    with engine.uow(write=False) as uow:
        event = uow.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind == "transition")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert event.trigger == "send_for_clearance"
    assert event.data["data"]["languages"] == ["ru", "zh"]  # one event: fields and step


def test_a_failed_step_opens_the_page_at_the_top_with_the_error_and_keeps_nothing(
    engine, web_world, signed_in
):
    case_id = _drafting_without_partner_language(engine, web_world, with_partner_text=True)
    ini = signed_in("ini")
    version = _case(engine, case_id).version
    refused = ini.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "send_for_clearance", "expected_version": version, "f.languages": "ru"},
    )
    assert refused.headers["Location"].endswith(f"/agreements/{case_id}")  # no #anchor
    page = ini.get(refused.headers["Location"]).get_data(as_text=True)
    assert 'class="alert alert-error"' in page
    assert page.index("alert-error") < page.index('id="actions"')
    assert "Missing: the partner&#39;s language among the languages of the texts." in page
    case = _case(engine, case_id)
    assert case.state == "drafting" and "languages" not in case.fields


# --- claiming ---------------------------------------------------------------------------------


def _claims(engine, case_id) -> list[tuple[str, dict | None]]:
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(AuditEvent.trigger, AuditEvent.data)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind.in_(("transition", "vote")))
            .order_by(AuditEvent.seq)
        ).all()
    return [(trigger, (data or {}).get("claimed")) for trigger, data in rows]


def test_acting_on_a_queue_task_claims_it_and_the_audit_says_so(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    legal = signed_in("legal")
    html = legal.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "You need not claim it first." in _form(html, "clear")
    assert "“Claim” moves the task to your “My tasks”" in html
    legal.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "clear", "expected_version": _case(engine, case_id).version},
    )
    with engine.uow(write=False) as uow:
        task = uow.session.scalars(
            select(Task).where(Task.case_id == case_id, Task.role == "legal_office")
        ).one()
    claims = dict(_claims(engine, case_id))
    assert claims["clear"] == {"task": task.id, "role": "legal_office"}
    assert task.status == "done" and task.closed_by == web_world.user_id("legal")
    assert claims["send_for_clearance"] is None  # her own task, assigned to her: no claim
    history = legal.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "took the task from the queue" in history


def test_a_task_claimed_first_is_not_claimed_again(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.role == "head_of_region")
        )
    head = signed_in("head")
    claimed = head.post(f"/tasks/{task_id}/claim", {"next": f"/agreements/{case_id}"})
    assert claimed.status_code == 303
    html = head.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "You need not claim it first." not in html  # it is hers now
    head.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "clear", "expected_version": _case(engine, case_id).version},
    )
    assert dict(_claims(engine, case_id))["clear"] is None


def test_the_claim_button_of_the_inbox_is_explained(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    html = signed_in("legal").get("/inbox?tab=claimable").get_data(as_text=True)
    assert 'aria-describedby="claim-explained"' in html
    explained = html.split('id="claim-explained">', 1)[1].split("</p>", 1)[0]
    assert "act at once: that takes the task too" in explained


def test_a_refused_upload_opens_the_page_at_the_top_with_the_error(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    response = ini.post(
        f"/agreements/{case_id}/documents",
        {"language": "ru", "text": "", "expected_version": _case(engine, case_id).version},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agreements/{case_id}")  # no #documents
    page = ini.get(response.headers["Location"]).get_data(as_text=True)
    assert page.index('class="alert alert-error"') < page.index('id="actions"')
