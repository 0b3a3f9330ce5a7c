"""The annual coordinating meeting: scheduling, moving, cancelling, holding it, and who is invited.

Each service is one transaction. A meeting is a ``meetings`` row plus its ``coordination_cycle``
case: scheduling creates both; rescheduling moves the row *and* the case's ``meeting_date``, so
the deadlines counted from it are re-planned by the same code as any field change
(``update_fields_in``); cancelling and holding fire the cycle's transition in the same
transaction as the row change. The row's ``ical_uid`` never changes and ``ical_sequence`` rises
on every reschedule and on cancellation (RFC 5545), so calendar clients update one event.

The services dispatch ``MeetingScheduled``, ``MeetingRescheduled``, ``MeetingCancelled`` and
``ParticipantsChanged`` to the engine's handlers, which plan reminders and invitations with the
same session: a rolled-back reschedule invites nobody.

Concurrency: the meeting row is locked (``FOR UPDATE`` on PostgreSQL; SQLite holds the write
lock for the whole unit of work), then the case row. ``expected_sequence`` lets a caller refuse
to move a meeting someone else has just moved (``ConcurrentUpdate``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from workflow.calendar.terms import term_after
from workflow.clock import local_date
from workflow.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound, PermissionDenied
from workflow.events import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
    dispatch,
)
from workflow.fields import dates
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Organization, Task
from workflow.policy import Actor, Principal, role_in_scope
from workflow.services import meeting_dates
from workflow.services.case_log import append_case_event
from workflow.services.cases import create_case_in, update_fields_in
from workflow.services.casework import CaseRow, calendar_for, lock_case
from workflow.services.firing import FireResult, fire_in
from workflow.services.tasks import cancel_reminders, plan_reminders

if TYPE_CHECKING:
    from workflow.engine import Engine

meetings_t = Meeting.__table__
participants_t = MeetingParticipant.__table__

CYCLE = "coordination_cycle"
COLLECTING_PROPOSALS = "planning_opened"  # the state whose task's deadline is proposals_due_on
ORGANIZER_ROLE = "coordinator"
INVITABLE_KINDS = ("region", "municipality", "federal_body")
# States in which the meeting has not taken place yet: it can be moved, cancelled, re-invited.
BEFORE_MEETING = (
    "planning_opened",
    "proposals_collected",
    "agenda_approved",
    "invitations_sent",
    "postponed",
)


@dataclass(frozen=True)
class ScheduledMeeting:
    meeting_id: int
    case_id: int
    ical_uid: str


@dataclass(frozen=True)
class LockedMeeting:
    row: object  # the meetings row (Core Row)
    case: CaseRow


def organizer(engine: Engine, session: Session, actor: Actor, case: CaseRow) -> Principal:
    """The principal acting for the coordinating agency, or PermissionDenied.

    Administrators run the system; they do not speak for the coordinating agency, so they get
    no bypass here (the cycle's own transitions would refuse them anyway).
    """
    definition = engine.catalog.get(case.definition_id, session).definition
    for principal in actor.principals():
        if role_in_scope(definition, ORGANIZER_ROLE, principal, case):
            return principal
    raise PermissionDenied("Only the coordinating agency may change the meeting.")


def lock_meeting(session: Session, meeting_id: int) -> LockedMeeting:
    row = session.execute(
        select(meetings_t).where(meetings_t.c.id == meeting_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"Meeting {meeting_id} not found.")
    case = lock_case(session, row.case_id)
    return LockedMeeting(row, case)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone '{name}'.", {"timezone": "Unknown."}) from None


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Give the meeting's times with a time zone.", {"starts_at": "Naive."})
    outside = {
        name: dates.range_message()
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at))
        if not dates.in_range(value)
    }
    if outside:
        listed = "; ".join(f"{name}: {message}" for name, message in outside.items())
        raise InvalidInput(f"The meeting's times are not valid: {listed}.", outside)
    if ends_at <= starts_at:
        raise InvalidInput("The meeting must end after it starts.", {"ends_at": "Too early."})
    if starts_at <= now:
        raise InvalidInput("A meeting is planned in the future.", {"starts_at": "In the past."})


def _check_orgs(session: Session, org_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(org_ids))
    if not ids:
        return []
    kinds = dict(
        session.execute(
            select(Organization.id, Organization.kind).where(Organization.id.in_(ids))
        ).all()
    )
    unknown = [i for i in ids if i not in kinds]
    if unknown:
        raise NotFound(f"Organizations not found: {', '.join(map(str, unknown))}.")
    wrong = [i for i in ids if kinds[i] not in INVITABLE_KINDS]
    if wrong:
        raise InvalidInput(
            "Only regions, municipalities and federal bodies can be invited.",
            {"participant_org_ids": f"Not invitable: {', '.join(map(str, wrong))}."},
        )
    return ids


def schedule_meeting(
    engine: Engine,
    actor: Actor,
    *,
    year: int,
    title_ru: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title_en: str | None = None,
    venue: str | None = None,
    timezone: str = "Europe/Moscow",
    participant_org_ids: Iterable[int] = (),
) -> ScheduledMeeting:
    """Open a year's cycle: its case (in ``planning_opened``), the meeting row and the invited
    organizations. The proposals are due ``proposals_window`` after today, the regions' reports
    ``regional_report_due`` after 31 December of the meeting's year (federal calendar)."""
    now = engine.clock.now()
    _check_times(starts_at, ends_at, now)
    zone = _zone(timezone)
    version = engine.catalog.current(CYCLE)
    cal = engine.catalog.calendars.federal
    proposals_due = term_after(
        cal, local_date(now), engine.catalog.parameter(version.definition, "proposals_window", None)
    )
    reports_due = meeting_dates.reports_due(
        cal,
        starts_at.astimezone(zone).date(),
        engine.catalog.parameter(version.definition, "regional_report_due", None),
    )
    fields = {
        "title": title_ru,
        "year": year,
        "meeting_date": starts_at.astimezone(zone).date().isoformat(),
    }
    if title_en:
        fields["title_partner"] = title_en
    if venue:
        fields["venue"] = venue
    with engine.uow() as uow:
        session = uow.session
        participants = _check_orgs(session, participant_org_ids)
        created = create_case_in(engine, session, actor, CYCLE, None, fields, None)
        uid = f"{uuid.uuid4().hex}@soglasie"
        meeting_id = session.scalar(
            insert(meetings_t)
            .returning(meetings_t.c.id)
            .values(
                case_id=created.id,
                year=year,
                title_ru=title_ru,
                title_en=title_en,
                starts_at=starts_at,
                ends_at=ends_at,
                timezone=timezone,
                venue=venue,
                status="planned",
                organizer_org_id=actor.me.org_id,
                proposals_due_on=proposals_due,
                reports_due_on=reports_due,
                agenda=[],
                minutes=None,
                ical_uid=uid,
                ical_sequence=0,
                created_at=now,
                updated_at=now,
            )
        )
        if participants:
            session.execute(
                insert(participants_t),
                [{"meeting_id": meeting_id, "org_id": org_id} for org_id in participants],
            )
        dispatch(engine.handlers, session, now, [MeetingScheduled(meeting_id, created.id)])
        uow.commit()
    return ScheduledMeeting(meeting_id, created.id, uid)


def reschedule_meeting(
    engine: Engine,
    meeting_id: int,
    actor: Actor,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: str | None = None,
    expected_sequence: int | None = None,
    confirm_day_off: bool = False,
) -> int:
    """Move the meeting; returns the new iCal sequence. The cycle's ``meeting_date`` moves with
    it, which re-plans the open task's deadline and reminders when they count from that date;
    the proposals and reports deadlines move too (``meeting_dates``). A day off needs
    ``confirm_day_off`` (else ``DayOffNotConfirmed``)."""
    now = engine.clock.now()
    _check_times(starts_at, ends_at, now)
    cal = engine.catalog.calendars.federal
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        row, case = locked.row, locked.case
        organizer(engine, session, actor, case)
        if expected_sequence is not None and row.ical_sequence != expected_sequence:
            raise ConcurrentUpdate(current_version=row.ical_sequence)
        if row.status != "planned" or case.state not in BEFORE_MEETING:
            raise Conflict(f"A meeting that is {row.status} ({case.state}) cannot be moved.")
        zone = _zone(row.timezone)
        new_day, old_day = starts_at.astimezone(zone).date(), row.starts_at.astimezone(zone).date()
        meeting_dates.check_working_day(cal, new_day, confirm_day_off)
        definition = engine.catalog.get(case.definition_id, session).definition
        moved = {
            "reports_due_on": meeting_dates.reports_due(
                cal, new_day, engine.catalog.parameter(definition, "regional_report_due", None)
            )
        }
        if case.state == COLLECTING_PROPOSALS and row.proposals_due_on is not None:
            moved["proposals_due_on"] = meeting_dates.moved_proposals_due(
                cal, row.proposals_due_on, old_day, new_day, local_date(now)
            )
            _move_open_tasks(engine, session, case, definition, moved["proposals_due_on"], now)
        changes = {"meeting_date": new_day.isoformat()}
        if venue:
            changes["venue"] = venue
        update_fields_in(engine, session, case.id, actor, changes, None, check_editable=False)
        sequence = row.ical_sequence + 1
        session.execute(
            update(meetings_t)
            .where(meetings_t.c.id == meeting_id)
            .values(
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venue or row.venue,
                ical_sequence=sequence,
                updated_at=now,
                **moved,
            )
        )
        event = MeetingRescheduled(meeting_id, case.id, row.starts_at, starts_at, sequence)
        dispatch(engine.handlers, session, now, [event])
        uow.commit()
    return sequence


def _move_open_tasks(engine: Engine, session: Session, case: CaseRow, definition, due, now):
    """The proposals task's deadline (counted from the cycle's opening, not from
    ``meeting_date``, so ``update_fields_in`` does not move it) follows the proposals date."""
    state = definition.states[COLLECTING_PROPOSALS]
    open_ids = list(
        session.scalars(
            select(Task.id).where(
                Task.case_id == case.id, Task.status == "open", Task.state == state.name
            )
        )
    )
    if not open_ids:
        return
    cal = calendar_for(engine, case, definition, state)
    session.execute(
        update(Task)
        .where(Task.id.in_(open_ids))
        .values(due_on=due, due_known_through=cal.provisional_through(due))
    )
    cancel_reminders(session, open_ids)
    plan_reminders(session, case, definition, state, open_ids, due, cal, now)


def cancel_meeting(engine: Engine, meeting_id: int, actor: Actor, reason: str) -> FireResult:
    """Cancel the meeting and its cycle (``cancel``); participants get a CANCEL invitation."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        row, case = locked.row, locked.case
        organizer(engine, session, actor, case)
        if row.status != "planned":
            raise Conflict(f"The meeting is already {row.status}.")
        sequence = row.ical_sequence + 1
        session.execute(
            update(meetings_t)
            .where(meetings_t.c.id == meeting_id)
            .values(status="cancelled", ical_sequence=sequence, updated_at=now)
        )
        result = fire_in(engine, session, case.id, "cancel", actor, reason, None, {})
        dispatch(engine.handlers, session, now, [MeetingCancelled(meeting_id, case.id, sequence)])
        uow.commit()
    return result


def record_meeting_held(
    engine: Engine, meeting_id: int, actor: Actor, comment: str | None = None
) -> FireResult:
    """Mark the meeting held and move its cycle to ``meeting_held`` (on or after its date)."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        organizer(engine, session, actor, locked.case)
        if locked.row.status != "planned":
            raise Conflict(f"The meeting is {locked.row.status}.")
        session.execute(
            update(meetings_t)
            .where(meetings_t.c.id == meeting_id)
            .values(status="held", updated_at=now)
        )
        result = fire_in(
            engine, session, locked.case.id, "record_meeting_held", actor, comment, None, {}
        )
        uow.commit()
    return result


def change_participants(
    engine: Engine,
    meeting_id: int,
    actor: Actor,
    *,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
) -> ParticipantsChanged:
    """Invite and uninvite organizations before the meeting; returns what actually changed
    (inviting someone already invited changes nothing and notifies nobody)."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        principal = organizer(engine, session, actor, locked.case)
        if locked.row.status != "planned":
            raise Conflict(f"The meeting is {locked.row.status}: its participants are final.")
        current = set(
            session.scalars(
                select(participants_t.c.org_id).where(participants_t.c.meeting_id == meeting_id)
            )
        )
        added = tuple(i for i in _check_orgs(session, add) if i not in current)
        removed = tuple(sorted(set(remove) & current))
        if set(added) & set(removed):
            raise InvalidInput("An organization cannot be both added and removed.")
        if added:
            session.execute(
                insert(participants_t),
                [{"meeting_id": meeting_id, "org_id": org_id} for org_id in added],
            )
        if removed:
            session.execute(
                delete(participants_t).where(
                    participants_t.c.meeting_id == meeting_id,
                    participants_t.c.org_id.in_(removed),
                )
            )
        event = ParticipantsChanged(meeting_id, locked.case.id, added, removed)
        if added or removed:
            append_case_event(
                session,
                locked.case,
                kind="participants",
                actor_id=actor.user_id,
                acting_for_id=None if principal.user_id == actor.user_id else principal.user_id,
                now=now,
                data={"added": list(added), "removed": list(removed)},
            )
            dispatch(engine.handlers, session, now, [event])
        uow.commit()
    return event
