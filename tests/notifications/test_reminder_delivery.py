"""Task reminders and escalations, from the planned row to the message in the mailbox."""

from __future__ import annotations

import datetime as dt
import time

from notifications.worker import WorkerConfig, start_worker_thread
from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.conftest import BASE_URL
from tests.notifications.helpers import outbox, reminders, set_user, text_of

UTC = dt.UTC


def test_drafting_reminders_fall_on_working_days_before_the_deadline(engine, world):
    case_id = drafted_case(engine, world)
    planned = reminders(engine, case_id=case_id, kind="reminder")
    # Drafting is due 10 working days after Monday 2 March 2026: Tuesday 17 March (Monday
    # 9 March is the day off for 8 March). 3 and 1 working days before: 12 and 16 March.
    assert [r.deadline_on for r in planned] == [dt.date(2026, 3, 17)] * 2
    assert [r.due_at for r in planned] == [
        dt.datetime(2026, 3, 12, 6, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 16, 6, 0, tzinfo=UTC),
    ]


def test_a_reminder_due_at_its_moment_is_delivered_once_to_the_right_person_in_her_language(
    engine, world, clock, mail_server, make_worker
):
    set_user(engine, world.user_id("ini"), language="en")
    case_id = drafted_case(engine, world)
    first, second = reminders(engine, case_id=case_id, kind="reminder")
    worker = make_worker()

    clock.set(first.due_at - dt.timedelta(minutes=1))
    worker.run_once()
    assert mail_server.by_template("task_reminder") == []

    clock.set(first.due_at)
    worker.run_once()
    worker.run_once()
    (message,) = mail_server.by_template("task_reminder")
    assert message["To"] == "ini@example.test"
    assert message["Subject"] == (
        "Reminder: Drafting due no later than 17 March 2026 — Соглашение о сотрудничестве"
    )
    body = text_of(message)
    assert f"{BASE_URL}/agreements/{case_id}" in body
    assert "Deadline: no later than 17 March 2026 (3 working days left)." in body
    assert message["List-Unsubscribe"].strip().startswith(f"<{BASE_URL}/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (row,) = outbox(engine, template="task_reminder")
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, message["Message-ID"])

    set_user(engine, world.user_id("ini"), language="ru")
    clock.set(second.due_at + dt.timedelta(hours=2))
    worker.run_once()
    latest = mail_server.by_template("task_reminder")[-1]
    assert len(mail_server.by_template("task_reminder")) == 2
    assert latest["Subject"].startswith(
        "Напоминание: Подготовка проекта не позднее 17 марта 2026 г."
    )
    assert "остался 1 рабочий день" in text_of(latest)


def test_closing_a_task_cancels_its_reminders_so_none_goes_out(
    engine, world, clock, mail_server, make_worker
):
    case_id = submitted_case(engine, world)
    drafting = [r for r in reminders(engine, case_id=case_id) if "drafting" in r.rule]
    assert drafting and {r.status for r in drafting} == {"cancelled"}
    clock.set(dt.datetime(2026, 3, 18, 12, 0, tzinfo=UTC))
    make_worker().run_once()
    assert [m["To"] for m in mail_server.by_template("task_reminder")] == []


def test_an_overdue_review_escalates_to_the_supervising_role(
    engine, world, clock, mail_server, make_worker
):
    case_id = submitted_case(engine, world)
    escalations = reminders(engine, case_id=case_id, kind="escalation", status="pending")
    assert len(escalations) == 3  # one per reviewer's task; drafting's was cancelled
    clock.set(escalations[0].due_at + dt.timedelta(hours=1))
    worker = make_worker()
    worker.escalate_overdue()
    worker.deliver_outbox()
    messages = mail_server.by_template("task_escalation")
    assert [m["To"] for m in messages] == ["head@example.test"] * 3
    assert all(m["Subject"].startswith("Срок истёк: ") for m in messages)
    assert {r.status for r in reminders(engine, case_id=case_id, kind="escalation")} == {
        "fired",
        "cancelled",
    }


def test_a_worker_stopped_over_a_reminders_due_time_sends_it_once_when_it_starts_again(
    engine, world, clock, mail_server, settings, policy
):
    case_id = drafted_case(engine, world)
    first, _ = reminders(engine, case_id=case_id, kind="reminder")
    config = WorkerConfig(sweep_every=0.05, deliver_every=0.05, policy=policy)

    clock.set(first.due_at - dt.timedelta(hours=1))
    handle = start_worker_thread(engine, settings, config=config)
    _wait_for(lambda: outbox(engine, status="pending") == [])  # the task_opened email
    handle.stop()
    assert mail_server.by_template("task_reminder") == []

    clock.set(first.due_at + dt.timedelta(days=1))  # the worker was down at the due time
    handle = start_worker_thread(engine, settings, config=config)
    try:
        _wait_for(lambda: len(mail_server.by_template("task_reminder")) >= 1)
        time.sleep(0.3)  # several more ticks of both jobs
    finally:
        handle.stop()
    assert [m["To"] for m in mail_server.by_template("task_reminder")] == ["ini@example.test"]


def _wait_for(condition, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the worker thread did not get there in time"
        time.sleep(0.02)
