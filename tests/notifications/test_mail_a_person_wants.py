"""Email a person would want (issue 13): nothing about a task closed before the email went out,
a way out of every message (List-Unsubscribe, one-click, and a link in the body), and English
for people who read English. Through a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

from notifications.stale import REASON
from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.conftest import BASE_URL
from tests.notifications.helpers import (
    create_meeting,
    outbox,
    reminders,
    set_user,
    tasks,
    text_of,
)
from workflow.reminders.sweep import fire_due_reminders


def test_the_new_task_email_of_a_task_closed_before_it_went_out_is_skipped_not_sent(
    engine, world, mail_server, make_worker
):
    case_id = submitted_case(engine, world)  # the drafting task opened and closed at once
    make_worker().run_once()
    (drafting,) = tasks(engine, case_id=case_id, role="initiator")
    assert drafting.status != "open"
    (row,) = outbox(engine, template="task_opened", recipient_user_id=world.user_id("ini"))
    assert (row.status, row.last_error, row.attempts) == ("skipped", REASON, 0)
    assert "ini@example.test" not in {m["To"] for m in mail_server.messages}
    # The reviewers' tasks are open: their emails went out.
    reviewers = {m["To"] for m in mail_server.by_template("task_opened")}
    assert len(reviewers) == 4 and "mfa@example.test" in reviewers


def test_a_task_still_open_when_the_worker_sends_is_mailed(engine, world, mail_server, make_worker):
    case_id = drafted_case(engine, world)
    make_worker().run_once()
    (message,) = mail_server.by_template("task_opened")
    assert message["To"] == "ini@example.test"
    assert f"{BASE_URL}/agreements/{case_id}" in text_of(message)


def test_every_email_carries_a_one_click_unsubscribe_header_and_a_link_in_its_body(
    engine, world, mail_server, make_worker
):
    submitted_case(engine, world)
    engine.fire(drafted_case(engine, world), "submit", world.actor("ini"))
    make_worker().run_once()
    messages = mail_server.messages
    assert len(messages) >= 8
    for message in messages:
        header = message["List-Unsubscribe"].strip()
        assert header.startswith(f"<{BASE_URL}/unsubscribe/") and header.endswith(">")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = header[1:-1]
        assert url in text_of(message)
        assert url in message.get_body(preferencelist=("html",)).get_content()


def test_a_person_who_reads_english_gets_english_subject_and_body(
    engine, world, mail_server, make_worker
):
    set_user(engine, world.user_id("ini"), language="en")
    set_user(engine, world.user_id("mfa"), language="ru")
    case_id = drafted_case(engine, world)
    make_worker().run_once()
    (english,) = mail_server.by_template("task_opened")
    assert english["Subject"] == "New task: Drafting — Соглашение о сотрудничестве"
    assert english["Content-Language"] == "en"
    body = text_of(english)
    assert body.startswith("Hello")
    assert "Open the agreement:" in body and "Email settings or unsubscribe:" in body
    assert "Здравствуйте" not in body and "Открыть" not in body
    html = english.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="en">' in html and "Email settings or unsubscribe" in html

    engine.fire(case_id, "submit", world.actor("ini"))
    make_worker().run_once()
    russian = [m for m in mail_server.by_template("task_opened") if m["To"] == "mfa@example.test"]
    assert russian[0]["Subject"].startswith("Новая задача")
    assert "Настроить письма или отписаться" in text_of(russian[0])


def test_the_reminder_for_the_regions_annual_report_links_to_a_draft_of_it(
    engine, world, clock, mail_server, make_worker
):
    """Issue 14: the region's report to the federal body (due ``regional_report_due`` after the
    year's end) is asked for by the meeting's "reports" deadline reminder, which links to the
    draft drawn from the region's plans."""
    create_meeting(
        engine,
        world,
        starts_at=dt.datetime(2026, 5, 20, 7, 0, tzinfo=dt.UTC),
        reports_due_on=dt.date(2026, 4, 30),
    )
    deadline_rows = reminders(engine, kind="deadline")
    assert deadline_rows
    clock.set(max(r.due_at for r in deadline_rows))
    fire_due_reminders(engine)
    make_worker().run_once()
    asked = mail_server.by_template("meeting_deadline")
    assert asked
    for message in asked:
        body = text_of(message)
        region = "RU-TST" if message["To"] != "other@example.test" else "RU-OTH"
        link = f"{BASE_URL}/regions/{region}/annual-report.docx?year=2026"
        assert link in body
        assert link in message.get_body(preferencelist=("html",)).get_content()


def test_the_daily_digest_leaves_out_a_task_closed_since_it_was_set_aside(
    engine, world, clock, mail_server, make_worker
):
    set_user(engine, world.user_id("ini"), notify_mode="digest")
    kept = drafted_case(engine, world)  # stays open: in the digest
    closed = drafted_case(engine, world)
    worker = make_worker()
    worker.run_once()  # both "new task" emails set aside for the digest
    assert len(outbox(engine, recipient_user_id=world.user_id("ini"), status="held")) == 2
    engine.fire(closed, "submit", world.actor("ini"))  # closes that drafting task
    clock.set(dt.datetime(2026, 3, 3, 5, 30, tzinfo=dt.UTC))  # 08:30 in Moscow: digest time
    worker.run_once()
    worker.run_once()
    (digest,) = mail_server.by_template("digest")
    body = text_of(digest)
    assert f"{BASE_URL}/agreements/{kept}" in body
    assert f"{BASE_URL}/agreements/{closed}" not in body
    rows = outbox(engine, recipient_user_id=world.user_id("ini"), template="task_opened")
    assert sorted((r.case_id, r.status) for r in rows) == [(kept, "digested"), (closed, "skipped")]
