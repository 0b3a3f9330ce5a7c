"""The inbox: the three lists and their counts, deadlines in working days, claiming,
substitution ("acting for") and reassignment by the coordinating agency."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.web import scenario
from workflow.persistence.models import AuditEvent, Task


def _tabs(html: str) -> dict[str, int]:
    found = re.findall(
        r'tab=(mine|claimable|done)"[^>]*>[^<]*<span class="count">(\d+)</span>', html
    )
    return {tab: int(n) for tab, n in found}


def test_the_counts_and_lists_follow_the_work(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    minec = signed_in("minec")
    html = minec.get("/inbox").get_data(as_text=True)
    assert _tabs(html) == {"mine": 0, "claimable": 1, "done": 0}
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in html  # opens on the non-empty list
    engine.fire(case_id, "approve", web_world.actor("minec"))
    html = minec.get("/inbox").get_data(as_text=True)
    assert _tabs(html) == {"mine": 0, "claimable": 0, "done": 1}
    done = minec.get("/inbox?tab=done").get_data(as_text=True)
    assert "No objections" in done or "Замечаний нет" in done


def test_due_dates_are_shown_in_working_days_and_overdue_is_flagged(
    engine, web_world, signed_in, clock
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    html = signed_in("minec").get("/inbox?tab=claimable").get_data(as_text=True)
    # Review SLA 30 calendar days from Monday 2 March 2026: Wednesday 1 April,
    # 21 working days (Monday 9 March is the day off for 8 March).
    assert "1 April 2026" in html and "in 21 working days" in html
    clock.advance(days=35)
    html = signed_in("minec").get("/inbox?tab=claimable").get_data(as_text=True)
    assert "task-overdue" in html and "overdue by 3 working days" in html


def test_the_paused_review_deadline_is_flagged_on_the_authors_task(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    engine.fire(case_id, "return_for_revision", web_world.actor("mfa"), comment="Замечание")
    html = signed_in("ini").get("/inbox?tab=mine").get_data(as_text=True)
    assert "Deadline paused" in html


def test_claiming_moves_a_queue_task_into_my_tasks(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    minec = signed_in("minec")
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.role == "minec_reviewer")
        )
    response = minec.post(f"/tasks/{task_id}/claim")
    assert response.status_code == 303
    assert _tabs(minec.get("/inbox").get_data(as_text=True))["mine"] == 1
    assert minec.post(f"/tasks/{task_id}/release").status_code == 303
    assert _tabs(minec.get("/inbox").get_data(as_text=True)) == {
        "mine": 0,
        "claimable": 1,
        "done": 0,
    }


def test_a_claim_sent_twice_changes_nothing_the_second_time(engine, web_world, signed_in):
    """A double click on "Take": the second claim of one's own task is a no-op, not an error
    (which is why the inbox's claim needs no one-time form token)."""
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    minec = signed_in("minec")
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.role == "minec_reviewer")
        )
    first = minec.post(f"/tasks/{task_id}/claim")
    again = minec.post(f"/tasks/{task_id}/claim")
    assert first.status_code == again.status_code == 303
    shown = minec.get(again.headers["Location"]).get_data(as_text=True)
    assert "alert-error" not in shown
    assert _tabs(minec.get("/inbox").get_data(as_text=True))["mine"] == 1


def test_a_substitute_sees_her_colleagues_tasks_acting_for_her(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)  # assigned to ini (the creator)
    clerk = signed_in("clerk")
    today = engine.today().isoformat()
    ini = signed_in("ini")
    page = ini.get("/settings/substitutions").get_data(as_text=True)
    assert "Елена Секретарёва" in page  # a colleague of the same organization to choose
    ini.post(
        "/settings/substitutions",
        {"substitute_id": web_world.user_id("clerk"), "starts_on": today, "ends_on": today},
        form_page="/settings/substitutions",
    )
    html = clerk.get("/inbox?tab=mine").get_data(as_text=True)
    assert "You are acting for: Анна Ильина" in html
    assert "Acting for Анна Ильина" in html
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in html
    clerk.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "notify_negotiations", "expected_version": 1},
        form_page=f"/agreements/{case_id}",
    )
    with engine.uow(write=False) as uow:
        event = uow.session.execute(
            select(AuditEvent.actor_id, AuditEvent.acting_for_id).where(
                AuditEvent.case_id == case_id, AuditEvent.kind == "transition"
            )
        ).one()
    assert tuple(event) == (web_world.user_id("clerk"), web_world.user_id("ini"))
    history = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "acting for Анна Ильина" in history


def test_the_coordinator_reassigns_a_reviewers_task(engine, web_world, signed_in, password_hash):
    from workflow.services.people import create_user

    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    with engine.uow() as uow:
        create_user(
            uow.session,
            engine.clock,
            "minec2",
            "MINEC",
            ["minec_reviewer"],
            full_name="Вера Вторая",
            password_hash=password_hash,
        )
        uow.commit()
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.role == "minec_reviewer")
        )
    assert signed_in("ini").get(f"/tasks/{task_id}/reassign").status_code == 403
    coord = signed_in("coord")
    form = coord.get(f"/tasks/{task_id}/reassign").get_data(as_text=True)
    assert "Вера Вторая" in form and "Николай Миронов" in form
    response = coord.post(
        f"/tasks/{task_id}/reassign",
        {"assignee_id": _user_id(engine, "minec2")},
        form_page=f"/tasks/{task_id}/reassign",
    )
    assert response.status_code == 303
    html = signed_in("minec2").get("/inbox?tab=mine").get_data(as_text=True)
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in html


def _user_id(engine, username):
    from workflow.persistence.models import User

    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(User.id).where(User.username == username))
