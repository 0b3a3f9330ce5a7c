"""Planning for coordinating meetings: reminders to the invited regions, deadline reminders for
proposals and reports, and the invitation / update / cancellation emails with their iCal data.

``plan_meeting_reminders`` is an engine handler: it runs inside the transaction of the meeting
service that dispatched the event, so the plan commits or rolls back with the change that caused
it. Rescheduling cancels every pending row of the meeting and plans the new ones (new keys, since
the key names the meeting day); a row that already fired is never touched, and a reminder of the
old date that was queued but not yet delivered is cancelled in the outbox too, so the old
reminders never go out.

Invitation rows carry a *snapshot* of the meeting (times, title, UID, SEQUENCE, METHOD): the
.ics rendered from a row is the same however late, or however often, it is delivered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from workflow.calendar.durations import Duration, Unit
from workflow.calendar.production import CalendarSet
from workflow.calendar.terms import add_working_days, term_before
from workflow.clock import at_local_time
from workflow.events import (
    Event,
    HandlerContext,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
)
from workflow.outbox import enqueue
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Organization, OutboxMessage, Reminder
from workflow.reminders.recipients import org_contacts, reachable
from workflow.services.tasks import upsert_reminders

DEFAULT_MEETING_OFFSETS: tuple[Duration, ...] = tuple(
    Duration(n, Unit.WORKING_DAYS) for n in (30, 14, 7, 1)
)
DEFAULT_DEADLINE_OFFSETS: tuple[Duration, ...] = tuple(
    Duration(n, Unit.WORKING_DAYS) for n in (5, 1)
)
DEADLINE_FIELDS = {"proposals": "proposals_due_on", "reports": "reports_due_on"}

reminders_t = Reminder.__table__
outbox_t = OutboxMessage.__table__


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    case_id: int
    starts_at: dt.datetime
    timezone: str
    status: str
    proposals_due_on: dt.date | None
    reports_due_on: dt.date | None

    @property
    def day(self) -> dt.date:
        """The meeting's civil date where it takes place."""
        return self.starts_at.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class OrgFacts:
    id: int
    code: str
    calendar_code: str | None  # the region's calendar (a municipality's parent region's)
    timezone: str


def calendars_of(session: Session) -> CalendarSet:
    """The engine's production calendars, which the engine puts in ``session.info``; the
    federal calendar alone when a session comes from elsewhere."""
    calendars = session.info.get("calendars")
    return calendars if calendars is not None else CalendarSet.load(None)


def key_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def _slug(duration: Duration) -> str:
    return str(duration).replace(" ", "_")


def _before(cal, day: dt.date, duration: Duration) -> dt.date:
    if duration.unit is Unit.WORKING_DAYS:
        return add_working_days(cal, day, -duration.amount)
    return term_before(cal, day, duration)


def planned_rows(
    meeting: MeetingFacts,
    orgs: Sequence[OrgFacts],
    calendars: CalendarSet,
    now: dt.datetime,
    offsets: Sequence[Duration] = DEFAULT_MEETING_OFFSETS,
    deadline_offsets: Sequence[Duration] = DEFAULT_DEADLINE_OFFSETS,
) -> list[dict[str, Any]]:
    """Reminder rows for ``meeting`` and ``orgs`` (pure: no database).

    Each reminder goes out at 09:00 in the organization's own time zone on a working day of
    its region's calendar. Moments already past are skipped. The timeline calls this with a
    hypothetical date to show what a reschedule would plan.
    """
    rows: list[dict[str, Any]] = []
    for org in orgs:
        cal = calendars.for_region(org.calendar_code)
        tz = ZoneInfo(org.timezone)
        for before in offsets:
            day = _before(cal, meeting.day, before)
            rows.append(
                _row(
                    key=f"{key_prefix(meeting.id)}on:{meeting.day}:org:{org.id}:"
                    f"before:{_slug(before)}",
                    meeting=meeting,
                    org=org,
                    kind="meeting",
                    due_at=at_local_time(day, tz=tz),
                    deadline_on=meeting.day,
                    rule=f"{before} before the meeting on {meeting.day:%d.%m.%Y} "
                    f"({cal.name} calendar)",
                    data={"meeting_id": meeting.id, "before": str(before)},
                    now=now,
                )
            )
        for what, column in DEADLINE_FIELDS.items():
            due_on = getattr(meeting, column)
            if due_on is None:
                continue
            for before in deadline_offsets:
                day = _before(cal, due_on, before)
                rows.append(
                    _row(
                        key=f"{key_prefix(meeting.id)}{what}:{due_on}:org:{org.id}:"
                        f"before:{_slug(before)}",
                        meeting=meeting,
                        org=org,
                        kind="deadline",
                        due_at=at_local_time(day, tz=tz),
                        deadline_on=due_on,
                        rule=f"{before} before the {what} deadline {due_on:%d.%m.%Y} "
                        f"({cal.name} calendar)",
                        data={"meeting_id": meeting.id, "before": str(before), "deadline": what},
                        now=now,
                    )
                )
    return [row for row in rows if row["due_at"] > now]


def _row(*, key, meeting, org, kind, due_at, deadline_on, rule, data, now) -> dict[str, Any]:
    return dict(
        key=key,
        case_id=meeting.case_id,
        task_id=None,
        kind=kind,
        due_at=due_at,
        deadline_on=deadline_on,
        role=None,
        org_id=org.id,
        user_id=None,
        rule=rule,
        data=data,
        status="pending",
        created_at=now,
    )


# --- loading -----------------------------------------------------------------------------------


def load_meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id, populate_existing=True)


def meeting_facts(meeting: Meeting) -> MeetingFacts:
    return MeetingFacts(
        meeting.id,
        meeting.case_id,
        meeting.starts_at,
        meeting.timezone,
        meeting.status,
        meeting.proposals_due_on,
        meeting.reports_due_on,
    )


def org_facts(session: Session, org_ids: Iterable[int]) -> list[OrgFacts]:
    ids = sorted(set(org_ids))
    if not ids:
        return []
    parent = aliased(Organization)
    rows = session.execute(
        select(
            Organization.id,
            Organization.code,
            Organization.calendar_code,
            parent.calendar_code,
            Organization.timezone,
        )
        .outerjoin(parent, parent.id == Organization.parent_id)
        .where(Organization.id.in_(ids))
        .order_by(Organization.id)
    ).all()
    return [OrgFacts(i, code, own or inherited, tz) for i, code, own, inherited, tz in rows]


def participant_ids(session: Session, meeting_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(MeetingParticipant.org_id).where(MeetingParticipant.meeting_id == meeting_id)
        )
    )


# --- the handler -------------------------------------------------------------------------------


def snapshot(meeting: Meeting, method: str, sequence: int, now: dt.datetime) -> dict[str, Any]:
    """What an invitation row needs to render its email and .ics, frozen at decision time."""
    return {
        "meeting_id": meeting.id,
        "uid": meeting.ical_uid,
        "sequence": sequence,
        "method": method,
        "status": "CANCELLED" if method == "CANCEL" else "CONFIRMED",
        "title_ru": meeting.title_ru,
        "title_en": meeting.title_en,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "timezone": meeting.timezone,
        "venue": meeting.venue,
        "proposals_due_on": _iso(meeting.proposals_due_on),
        "reports_due_on": _iso(meeting.reports_due_on),
        "stamp": now.isoformat(),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _calendar_rows(
    session: Session,
    meeting: Meeting,
    org_ids: Sequence[int],
    template: str,
    method: str,
    sequence: int,
    now: dt.datetime,
    key_tag: str,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    contacts = org_contacts(session, org_ids)
    people = reachable(session, [u for users in contacts.values() for u in users])
    payload = {**snapshot(meeting, method, sequence, now), **(extra or {})}
    return [
        {
            "idempotency_key": f"{key_prefix(meeting.id)}{key_tag}:seq:{sequence}:user:{user_id}",
            "template": template,
            "recipient_user_id": user_id,
            "case_id": meeting.case_id,
            "payload": payload,
        }
        for user_id in people
    ]


def cancel_pending(
    session: Session, meeting: Meeting, org_ids: Sequence[int] | None = None
) -> None:
    """Cancel the meeting's pending reminder rows (of ``org_ids`` only, when given), and the
    meeting reminders already queued in the outbox but not yet handed to a transport."""
    query = update(reminders_t).where(
        reminders_t.c.case_id == meeting.case_id,
        reminders_t.c.status == "pending",
        reminders_t.c.key.startswith(key_prefix(meeting.id), autoescape=True),
    )
    if org_ids is not None:
        query = query.where(reminders_t.c.org_id.in_(list(org_ids)))
    session.execute(query.values(status="cancelled"))
    queued = update(outbox_t).where(
        outbox_t.c.case_id == meeting.case_id,
        outbox_t.c.template == "meeting_reminder",
        outbox_t.c.status.in_(("pending", "held")),
        outbox_t.c.lease_owner.is_(None),
    )
    if org_ids is not None:
        queued = queued.where(
            outbox_t.c.recipient_user_id.in_(
                [u for users in org_contacts(session, org_ids).values() for u in users]
            )
        )
    session.execute(
        queued.values(status="cancelled", last_error="the meeting was moved or cancelled")
    )


class MeetingPlanner:
    """The handler object; ``offsets`` and ``deadline_offsets`` are configurable per engine."""

    def __init__(
        self,
        offsets: Sequence[Duration] = DEFAULT_MEETING_OFFSETS,
        deadline_offsets: Sequence[Duration] = DEFAULT_DEADLINE_OFFSETS,
    ):
        self.offsets = tuple(offsets)
        self.deadline_offsets = tuple(deadline_offsets)

    def __call__(self, ctx: HandlerContext, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, MeetingScheduled | MeetingRescheduled):
                self._scheduled(ctx, event)
            elif isinstance(event, MeetingCancelled):
                self._cancelled(ctx, event)
            elif isinstance(event, ParticipantsChanged):
                self._participants(ctx, event)

    def _plan(self, session: Session, meeting: Meeting, org_ids, now) -> None:
        rows = planned_rows(
            meeting_facts(meeting),
            org_facts(session, org_ids),
            calendars_of(session),
            now,
            self.offsets,
            self.deadline_offsets,
        )
        upsert_reminders(session, rows)

    def _scheduled(self, ctx: HandlerContext, event) -> None:
        session, now = ctx.session, ctx.now
        meeting = load_meeting(session, event.meeting_id)
        if meeting is None or meeting.status == "cancelled":
            return
        orgs = participant_ids(session, meeting.id)
        rescheduled = isinstance(event, MeetingRescheduled)
        if rescheduled:
            cancel_pending(session, meeting)
        self._plan(session, meeting, orgs, now)
        sequence = event.sequence if rescheduled else meeting.ical_sequence
        extra = {"previous_starts_at": event.old_starts_at.isoformat()} if rescheduled else None
        template = "meeting_update" if rescheduled else "meeting_invitation"
        enqueue(
            session,
            now,
            _calendar_rows(
                session, meeting, orgs, template, "REQUEST", sequence, now, "request", extra
            ),
        )

    def _cancelled(self, ctx: HandlerContext, event: MeetingCancelled) -> None:
        session, now = ctx.session, ctx.now
        meeting = load_meeting(session, event.meeting_id)
        if meeting is None:
            return
        cancel_pending(session, meeting)
        orgs = participant_ids(session, meeting.id)
        enqueue(
            session,
            now,
            _calendar_rows(
                session,
                meeting,
                orgs,
                "meeting_cancelled",
                "CANCEL",
                event.sequence,
                now,
                "cancel",
            ),
        )

    def _participants(self, ctx: HandlerContext, event: ParticipantsChanged) -> None:
        session, now = ctx.session, ctx.now
        meeting = load_meeting(session, event.meeting_id)
        if meeting is None or meeting.status == "cancelled":
            return
        # A removed-then-re-added region must be invited again: the key names the moment.
        tag = f"{now.timestamp():.6f}"
        if event.removed_org_ids:
            cancel_pending(session, meeting, event.removed_org_ids)
            enqueue(
                session,
                now,
                _calendar_rows(
                    session,
                    meeting,
                    event.removed_org_ids,
                    "meeting_cancelled",
                    "CANCEL",
                    meeting.ical_sequence,
                    now,
                    f"uninvite:{tag}",
                    {"uninvited": True},
                ),
            )
        if event.added_org_ids:
            self._plan(session, meeting, event.added_org_ids, now)
            enqueue(
                session,
                now,
                _calendar_rows(
                    session,
                    meeting,
                    event.added_org_ids,
                    "meeting_invitation",
                    "REQUEST",
                    meeting.ical_sequence,
                    now,
                    f"invite:{tag}",
                ),
            )


plan_meeting_reminders = MeetingPlanner()
