"""One-time form tokens on the deciding forms (web.pages.form_once), on SQLite and PostgreSQL:
a double click, a back-and-repost or a retry decides once, and the repeat is sent to the
case page with "This decision has already been made." instead of an error."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from tests.web import scenario
from workflow.persistence.idempotency import IdempotencyKey
from workflow.persistence.models import AuditEvent, Case

ALREADY = "This decision has already been made."


def _token(html: str, action: str) -> str:
    """The form_token of the form posting to ``action`` (each form has its own)."""
    form = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert form, action
    return re.search(r'name="form_token" value="([^"]+)"', form.group(1)).group(1)


def _votes(engine, case_id: int) -> list[int]:
    with engine.uow(write=False) as uow:
        return uow.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.case_id == case_id,
                AuditEvent.kind == "vote",
                AuditEvent.from_state == "federal_review",
            )
        ).all()


def _count(engine, model) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a_double_click_on_a_decision_decides_once(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    mfa = signed_in("mfa")
    page = mfa.get(f"/agreements/{case_id}").get_data(as_text=True)
    version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    form = {
        "trigger": "approve",
        "expected_version": version,
        "form_token": _token(page, f"/agreements/{case_id}/actions"),
    }
    first = mfa.post(f"/agreements/{case_id}/actions", form)
    assert first.status_code == 303
    assert "Your decision is recorded" in mfa.get(first.headers["Location"]).get_data(as_text=True)
    again = mfa.post(f"/agreements/{case_id}/actions", form)  # the second click, or back + F5
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    shown = mfa.get(again.headers["Location"]).get_data(as_text=True)
    assert ALREADY in shown and "Someone else acted first" not in shown
    assert _votes(engine, case_id) == [web_world.user_id("mfa")]


def test_a_reposted_new_case_form_creates_one_case(engine, web_world, signed_in, clock):
    agreement = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, agreement)
    ini = signed_in("ini")
    path = f"/agreements/new?kind=activity_plan&parent={agreement}"
    page = ini.get(path).get_data(as_text=True)
    form = {
        "f.title": "План на 2026 год",
        "f.period_start": "2026-06-01",
        "f.period_end": "2026-12-31",
        "form_token": re.search(r'name="form_token" value="([^"]+)"', page).group(1),
    }
    before = _count(engine, Case)
    first = ini.post(path, form, form_page=path)
    assert first.status_code == 303
    again = ini.post(path, form, form_page=path)  # the answer timed out; the browser retries
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in ini.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(engine, Case) == before + 1


def test_a_refused_post_leaves_the_token_for_the_corrected_one(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    sector = signed_in("sector")
    page = sector.get(f"/agreements/{case_id}").get_data(as_text=True)
    version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    form = {
        "trigger": "return_for_revision",
        "expected_version": version,
        "form_token": _token(page, f"/agreements/{case_id}/actions"),
    }
    refused = sector.post(f"/agreements/{case_id}/actions", {**form, "comment": " "})
    assert "A comment is required" in sector.get(refused.headers["Location"]).get_data(as_text=True)
    assert _count(engine, IdempotencyKey) == 0  # nothing decided: the token is still unused
    sector.post(f"/agreements/{case_id}/actions", {**form, "comment": "Статья 3"})
    with engine.uow(write=False) as uow:
        assert uow.session.get(Case, case_id).state == "conciliation"
    assert _count(engine, IdempotencyKey) == 1


def test_two_posts_of_one_form_at_the_same_moment_decide_once(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    tabs = [signed_in("mfa"), signed_in("mfa")]  # two sessions of one person, one form
    page = tabs[0].get(f"/agreements/{case_id}").get_data(as_text=True)
    version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    token = _token(page, f"/agreements/{case_id}/actions")
    csrf = [tab.csrf_from("/inbox") for tab in tabs]
    barrier = threading.Barrier(2)
    answers = []

    def click(tab, csrf_token):
        form = {
            "trigger": "approve",
            "expected_version": version,
            "form_token": token,
            "csrf_token": csrf_token,
        }
        barrier.wait()
        answers.append(tab.client.post(f"/agreements/{case_id}/actions", data=form))

    threads = [threading.Thread(target=click, args=pair) for pair in zip(tabs, csrf, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [303, 303]
    assert _votes(engine, case_id) == [web_world.user_id("mfa")]
    notices = [tab.get(f"/agreements/{case_id}").get_data(as_text=True) for tab in tabs]
    assert sum(ALREADY in n for n in notices) == 1  # the other one was decided: no error


def test_every_deciding_form_carries_a_fresh_token(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    ini = signed_in("ini")
    first = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    second = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    tokens = re.findall(r'name="form_token" value="([^"]+)"', first)
    assert len(tokens) >= 2  # the actions and the details form
    assert len(set(tokens)) == len(tokens)
    assert not set(tokens) & set(re.findall(r'name="form_token" value="([^"]+)"', second))


def test_a_double_click_on_cancelling_a_meeting_cancels_once(engine, web_world, signed_in):
    from tests.web.test_admin_and_meetings import _meeting

    meeting = _meeting(engine, web_world)
    coord = signed_in("coord")
    page = coord.get(f"/meetings/{meeting.meeting_id}").get_data(as_text=True)
    action = f"/meetings/{meeting.meeting_id}/cancel"
    form = {"form_token": _token(page, action), "reason": "Перенос на весну."}
    first = coord.post(action, form)
    assert first.status_code == 303
    again = coord.post(action, form)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in coord.get(again.headers["Location"]).get_data(as_text=True)
    with engine.uow(write=False) as uow:
        cancels = uow.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.case_id == meeting.case_id, AuditEvent.trigger == "cancel")
        )
    assert cancels == 1


def test_an_upload_sent_twice_with_one_form_is_stored_once(engine, web_world, signed_in):
    import io

    from workflow.persistence.models import DocumentVersion

    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    action = f"/agreements/{case_id}/documents"
    token = _token(page, action)
    version = int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))
    before = _count(engine, DocumentVersion)

    def send():
        return ini.post(
            action,
            {
                "form_token": token,
                "expected_version": version,
                "language": "ru",
                "file": (io.BytesIO("Редакция 2.\n".encode()), "redakciya.txt"),
            },
            content_type="multipart/form-data",
        )

    first = send()
    assert first.status_code == 303
    again = send()  # the version check alone would answer "the case has moved on"
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in ini.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(engine, DocumentVersion) == before + 1
