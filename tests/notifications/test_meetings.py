"""Coordinating meetings: reminders to the invited regions in their own calendars, invitations
with iCal, and what rescheduling, cancelling and changing the participants do to them."""

from __future__ import annotations

import datetime as dt

from tests.notifications.helpers import (
    calendar_of,
    cancel_meeting,
    change_participants,
    create_meeting,
    outbox,
    reminders,
    reschedule_meeting,
    text_of,
)
from workflow.calendar.production import CalendarSet, ProductionCalendar
from workflow.persistence.meetings import MeetingSubmission

UTC = dt.UTC
MAY_20 = dt.datetime(2026, 5, 20, 7, 0, tzinfo=UTC)  # Wednesday, 10:00 in Moscow
JUNE_3 = dt.datetime(2026, 6, 3, 7, 0, tzinfo=UTC)


def _days(rows, org_id):
    return sorted(r.due_at.date() for r in rows if r.org_id == org_id)


def test_scheduling_plans_reminders_in_working_days_of_each_regions_calendar(engine, world):
    federal = ProductionCalendar("RU")
    regional = federal.overlay("RU-TST", {dt.date(2026, 5, 19): "Regional holiday"}, {})
    engine.session_factory.kw["info"]["calendars"] = CalendarSet(federal, {"RU-TST": regional})

    create_meeting(engine, world, starts_at=MAY_20, proposals_due_on=dt.date(2026, 4, 15))
    meeting_rows = reminders(engine, kind="meeting")
    # 30, 14, 7 and 1 working days before Wednesday 20 May 2026. The federal calendar skips
    # 1 May and Monday 11 May (the day off for Saturday 9 May): 7 working days before is
    # Friday 8 May. RU-TST's own holiday on 19 May moves its last reminder to 18 May.
    assert _days(meeting_rows, world.org_id("RU-OTH")) == [
        dt.date(2026, 4, 6),
        dt.date(2026, 4, 28),
        dt.date(2026, 5, 8),
        dt.date(2026, 5, 19),
    ]
    assert _days(meeting_rows, world.org_id("RU-TST")) == [
        dt.date(2026, 4, 3),
        dt.date(2026, 4, 27),
        dt.date(2026, 5, 7),
        dt.date(2026, 5, 18),
    ]
    assert {r.due_at.time() for r in meeting_rows} == {dt.time(6, 0)}  # 09:00 in Moscow
    by_org = {r.org_id: r.rule for r in meeting_rows if r.data["before"] == "1 working_days"}
    assert by_org[world.org_id("RU-TST")] == (
        "1 working_days before the meeting on 20.05.2026 (RU-TST calendar)"
    )
    assert by_org[world.org_id("RU-OTH")].endswith("(RU calendar)")
    proposals = reminders(engine, kind="deadline")
    assert _days(proposals, world.org_id("RU-OTH")) == [dt.date(2026, 4, 8), dt.date(2026, 4, 14)]


def test_invited_regions_receive_an_invitation_with_an_ical_request(
    engine, world, mail_server, make_worker
):
    meeting_id = create_meeting(engine, world, starts_at=MAY_20)
    make_worker().deliver_outbox()
    invitations = mail_server.by_template("meeting_invitation")
    assert sorted(m["To"] for m in invitations) == [
        "ini2@example.test",
        "ini@example.test",
        "other@example.test",
    ]
    message = invitations[0]
    assert message["Subject"] == "Приглашение: Координационное совещание 2026, 20 мая 2026 г."
    assert "20 мая 2026 г. в 10:00 (Europe/Moscow)" in text_of(message)
    assert f"/meetings/{meeting_id}" in text_of(message)
    (event,) = calendar_of(message).walk("VEVENT")
    assert calendar_of(message)["METHOD"] == "REQUEST"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == MAY_20
    assert str(event["SUMMARY"]) == "Координационное совещание 2026"


def test_a_rescheduled_meeting_never_sends_the_old_reminders_and_sends_the_new_ones(
    engine, world, clock, mail_server, make_worker
):
    meeting_id = create_meeting(
        engine, world, starts_at=MAY_20, proposals_due_on=dt.date(2026, 4, 15)
    )
    first_old = reminders(engine, kind="meeting")[0]
    worker = make_worker()
    # The first reminder of the old date fires into the outbox, but is not delivered yet.
    clock.set(first_old.due_at)
    worker.sweep_reminders()
    queued_old = outbox(engine, template="meeting_reminder")
    assert len(queued_old) == 3

    sequence = reschedule_meeting(engine, meeting_id, JUNE_3)
    assert sequence == 1
    old_rows = [r for r in reminders(engine, kind="meeting") if r.deadline_on == MAY_20.date()]
    assert {r.status for r in old_rows} == {"fired", "cancelled"}
    assert {r.status for r in outbox(engine, template="meeting_reminder")} == {"cancelled"}

    clock.set(dt.datetime(2026, 6, 2, 12, 0, tzinfo=UTC))  # after every new reminder
    worker.run_once()
    worker.run_once()
    sent = mail_server.by_template("meeting_reminder")
    assert len(sent) == 4 * 3  # four reminders, three contacts
    assert all("3 июня 2026 г." in m["Subject"] for m in sent)
    assert not any("20 мая" in text_of(m) for m in sent)
    # The proposals deadline did not move: its reminders go out once each.
    assert len(mail_server.by_template("meeting_deadline")) == 2 * 3

    (invitation,) = [m for m in mail_server.by_template("meeting_invitation") if "ini@" in m["To"]]
    (update,) = [m for m in mail_server.by_template("meeting_update") if "ini@" in m["To"]]
    old_event = calendar_of(invitation).walk("VEVENT")[0]
    new_event = calendar_of(update).walk("VEVENT")[0]
    assert calendar_of(update)["METHOD"] == "REQUEST"
    assert str(new_event["UID"]) == str(old_event["UID"])
    assert new_event["SEQUENCE"] == 1 > old_event["SEQUENCE"]
    assert new_event.decoded("DTSTART") == JUNE_3
    assert "ранее было назначено на 20 мая 2026 г. в 10:00" in text_of(update)


def test_a_cancelled_meeting_sends_an_ical_cancel_and_no_more_reminders(
    engine, world, clock, mail_server, make_worker
):
    meeting_id = create_meeting(engine, world, starts_at=MAY_20)
    cancel_meeting(engine, meeting_id)
    assert {r.status for r in reminders(engine, kind="meeting")} == {"cancelled"}
    clock.set(dt.datetime(2026, 5, 21, tzinfo=UTC))
    make_worker().run_once()
    assert mail_server.by_template("meeting_reminder") == []
    cancellations = mail_server.by_template("meeting_cancelled")
    assert len(cancellations) == 3
    cal = calendar_of(cancellations[0])
    (event,) = cal.walk("VEVENT")
    assert cal["METHOD"] == "CANCEL"
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
    assert "не состоится." in text_of(cancellations[0])


def test_a_region_taken_off_the_list_is_told_and_no_longer_reminded(
    engine, world, clock, mail_server, make_worker
):
    meeting_id = create_meeting(engine, world, starts_at=MAY_20)
    other = world.org_id("RU-OTH")
    change_participants(engine, meeting_id, removed=[other])
    rows = reminders(engine, kind="meeting")
    assert {r.status for r in rows if r.org_id == other} == {"cancelled"}
    assert {r.status for r in rows if r.org_id != other} == {"pending"}
    clock.set(dt.datetime(2026, 5, 21, tzinfo=UTC))
    make_worker().run_once()
    (cancelled,) = mail_server.by_template("meeting_cancelled")
    assert cancelled["To"] == "other@example.test"
    assert "с участием вашего региона" in text_of(cancelled)
    assert {m["To"] for m in mail_server.by_template("meeting_reminder")} == {
        "ini@example.test",
        "ini2@example.test",
    }


def test_no_proposals_reminder_once_the_region_has_sent_its_proposal(
    engine, world, clock, mail_server, make_worker
):
    meeting_id = create_meeting(
        engine, world, starts_at=MAY_20, proposals_due_on=dt.date(2026, 4, 15)
    )
    with engine.uow() as uow:
        uow.session.add(
            MeetingSubmission(
                meeting_id=meeting_id,
                org_id=world.org_id("RU-TST"),
                kind="proposal",
                title="Предложения",
                text="…",
                submitted_by=world.user_id("ini"),
                submitted_at=clock.now(),
            )
        )
        uow.commit()
    clock.set(dt.datetime(2026, 4, 15, tzinfo=UTC))
    make_worker().run_once()
    assert {m["To"] for m in mail_server.by_template("meeting_deadline")} == {"other@example.test"}
