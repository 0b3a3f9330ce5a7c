"""Helpers for the notification tests: reading rows, and meetings made the way the meeting
services will make them (ORM rows + the domain events, dispatched in the same transaction)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from icalendar import Calendar
from sqlalchemy import select, update

from workflow.events import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
    dispatch,
)
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import OutboxMessage, Reminder, Task, User

MOSCOW = dt.timezone(dt.timedelta(hours=3))


def rows(engine, model, order=None, **filters):
    with engine.uow(write=False) as uow:
        query = select(model).order_by(order if order is not None else model.id)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return list(uow.session.scalars(query))


def outbox(engine, **filters) -> list[OutboxMessage]:
    return rows(engine, OutboxMessage, **filters)


def reminders(engine, **filters) -> list[Reminder]:
    return rows(engine, Reminder, order=Reminder.due_at, **filters)


def tasks(engine, **filters) -> list[Task]:
    return rows(engine, Task, **filters)


def set_user(engine, user_id: int, **values) -> None:
    with engine.uow() as uow:
        uow.session.execute(update(User).where(User.id == user_id).values(**values))
        uow.commit()


def calendar_of(message: EmailMessage) -> Calendar:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def create_meeting(
    engine,
    world,
    *,
    starts_at: dt.datetime,
    participants=("RU-TST", "RU-OTH"),
    proposals_due_on: dt.date | None = None,
    reports_due_on: dt.date | None = None,
    title_en: str | None = "Coordinating meeting 2026",
) -> int:
    """A coordinating meeting with its case, scheduled (``MeetingScheduled`` dispatched)."""
    case = engine.create_case(
        world.actor("ini"), "review_loop", fields={"title": "Координационное совещание 2026"}
    )
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        meeting = Meeting(
            case_id=case.id,
            year=starts_at.year,
            title_ru="Координационное совещание 2026",
            title_en=title_en,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=3),
            timezone="Europe/Moscow",
            venue="Москва, Воздвиженка, 18",
            organizer_org_id=world.org_id("RSTR"),
            proposals_due_on=proposals_due_on,
            reports_due_on=reports_due_on,
            ical_uid=f"meeting-{case.id}@soglasie.example",
            ical_sequence=0,
            created_at=now,
            updated_at=now,
        )
        meeting.participants = [MeetingParticipant(org_id=world.org_id(c)) for c in participants]
        session.add(meeting)
        session.flush()
        dispatch(engine.handlers, session, now, [MeetingScheduled(meeting.id, case.id)])
        uow.commit()
        return meeting.id


def reschedule_meeting(engine, meeting_id: int, starts_at: dt.datetime) -> int:
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        meeting = session.get(Meeting, meeting_id)
        old = meeting.starts_at
        meeting.starts_at = starts_at
        meeting.ends_at = starts_at + dt.timedelta(hours=3)
        meeting.ical_sequence += 1
        meeting.updated_at = now
        session.flush()
        dispatch(
            engine.handlers,
            session,
            now,
            [
                MeetingRescheduled(
                    meeting.id, meeting.case_id, old, starts_at, meeting.ical_sequence
                )
            ],
        )
        uow.commit()
        return meeting.ical_sequence


def cancel_meeting(engine, meeting_id: int) -> None:
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        meeting = session.get(Meeting, meeting_id)
        meeting.status = "cancelled"
        meeting.ical_sequence += 1
        session.flush()
        dispatch(
            engine.handlers,
            session,
            now,
            [MeetingCancelled(meeting.id, meeting.case_id, meeting.ical_sequence)],
        )
        uow.commit()


def change_participants(engine, meeting_id: int, added=(), removed=()) -> None:
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        meeting = session.get(Meeting, meeting_id)
        for org_id in added:
            session.add(MeetingParticipant(meeting_id=meeting_id, org_id=org_id))
        for participant in list(meeting.participants):
            if participant.org_id in removed:
                session.delete(participant)
        session.flush()
        dispatch(
            engine.handlers,
            session,
            now,
            [ParticipantsChanged(meeting_id, meeting.case_id, tuple(added), tuple(removed))],
        )
        uow.commit()
