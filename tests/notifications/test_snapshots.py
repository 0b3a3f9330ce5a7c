"""Every email soglasie sends, rendered in Russian and English and compared with the checked-in
snapshots in ``snapshots/``. After an intended change of wording, regenerate them with

    SNAPSHOT_UPDATE=1 pytest tests/notifications/test_snapshots.py

and review the diff like any other change of text.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from notifications.context import MessageBuilder, as_item
from notifications.digests import send_digests
from notifications.render import CALENDAR
from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.helpers import (
    cancel_meeting,
    create_meeting,
    outbox,
    reminders,
    reschedule_meeting,
    set_user,
    tasks,
)
from workflow.reminders import fire_due_reminders

SNAPSHOTS = Path(__file__).parent / "snapshots"
UTC = dt.UTC
TEMPLATES = [
    "task_opened",
    "task_assigned",
    "case_moved",
    "task_reminder",
    "task_escalation",
    "meeting_invitation",
    "meeting_update",
    "meeting_cancelled",
    "meeting_reminder",
    "meeting_deadline",
    "digest",
]


def _every_kind_of_message(engine, world, clock, worker) -> None:
    """One world in which each template gets at least one outbox row."""
    # The digest reader: her messages (a new task, her case returned) stay about open tasks;
    # one about a task closed before it went out would be skipped (notifications.stale).
    set_user(engine, world.user_id("ini"), notify_mode="digest")
    reminded = drafted_case(engine, world)  # task_opened
    reviewed = submitted_case(engine, world)
    engine.claim_task(_review_task(engine, reviewed, "mfa"), world.actor("mfa"))  # task_assigned
    engine.fire(
        reviewed,
        "return_for_revision",
        world.actor("minec"),
        comment="Уточните, пожалуйста, статью 3 о сроках.",
    )  # case_moved for the author
    meeting = create_meeting(
        engine,
        world,
        starts_at=dt.datetime(2026, 5, 20, 7, 0, tzinfo=UTC),
        proposals_due_on=dt.date(2026, 4, 15),
        reports_due_on=dt.date(2026, 4, 30),
    )
    clock.set(reminders(engine, case_id=reminded, kind="reminder")[0].due_at)
    fire_due_reminders(engine)  # task_reminder
    clock.set(dt.datetime(2026, 4, 8, 6, 0, tzinfo=UTC))
    fire_due_reminders(engine)  # meeting_reminder (30 working days) and meeting_deadline
    reschedule_meeting(engine, meeting, dt.datetime(2026, 6, 3, 7, 0, tzinfo=UTC))
    cancel_meeting(engine, meeting)
    worker.deliver_outbox()  # parks the digest reader's messages as "held"
    clock.set(dt.datetime(2026, 4, 9, 6, 0, tzinfo=UTC))
    send_digests(engine, hour=8, timezone="Europe/Moscow")  # digest


def _review_task(engine, case_id, role):
    (task,) = tasks(engine, case_id=case_id, role=role, status="open")
    return task.id


def _render(engine, settings, row, language: str) -> str:
    set_user(engine, row.recipient_user_id, language=language)
    with engine.uow(write=False) as uow:
        email = MessageBuilder(engine, settings).render(uow.session, as_item(row))
    lines = [f"To: {email.to_addr}", f"Subject: {email.subject}"]
    lines += [f"{name}: {value}" for name, value in sorted(email.headers.items())]
    lines += ["", "----- text/plain -----", email.text.rstrip("\n")]
    lines += ["", "----- text/html -----", email.html.rstrip("\n")]
    if email.ics is not None:
        lines += ["", f"----- text/calendar; method={email.ics_method} -----"]
        lines += email.ics.replace("\r\n", "\n").rstrip("\n").splitlines()
    return "\n".join(lines) + "\n"


@pytest.fixture
def rendered(engine, world, clock, settings, make_worker):
    _every_kind_of_message(engine, world, clock, make_worker())
    result = {}
    for template in TEMPLATES:
        rows = outbox(engine, template=template)
        assert rows, f"the scenario produced no {template} message"
        for language in ("ru", "en"):
            result[template, language] = _render(engine, settings, rows[0], language)
    return result


def test_rendered_emails_match_the_checked_in_snapshots(rendered):
    update = os.environ.get("SNAPSHOT_UPDATE") == "1"
    differences = []
    for (template, language), text in sorted(rendered.items()):
        path = SNAPSHOTS / f"{template}.{language}.txt"
        if update:
            path.write_text(text, encoding="utf-8")
            continue
        if not path.exists():
            differences.append(f"{path.name}: missing (run with SNAPSHOT_UPDATE=1)")
        elif path.read_text(encoding="utf-8") != text:
            differences.append(f"{path.name}: differs from the rendering")
    assert differences == [], "\n".join(differences)


def test_every_template_exists_in_both_languages_with_both_parts():
    templates = Path(__file__).parents[2] / "notifications" / "templates"
    for language in ("ru", "en"):
        for template in TEMPLATES:
            assert (templates / language / f"{template}.txt").exists()
            assert (templates / language / f"{template}.html").exists()
    assert set(CALENDAR) < set(TEMPLATES)
