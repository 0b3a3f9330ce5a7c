"""The engine handler for coordinating meetings: it plans the reminders to the invited regions
and the proposal / report deadline reminders (``meeting_plan``), cancels them when the meeting
moves or is cancelled, and queues the invitation / update / cancellation emails with their iCal
data.

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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from workflow.calendar.durations import Duration
from workflow.events import (
    Event,
    HandlerContext,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
)
from workflow.outbox import enqueue
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import OutboxMessage, Reminder
from workflow.reminders.meeting_plan import (
    DEFAULT_DEADLINE_OFFSETS,
    DEFAULT_MEETING_OFFSETS,
    calendars_of,
    key_prefix,
    load_meeting,
    meeting_facts,
    org_facts,
    participant_ids,
    planned_rows,
    snapshot,
)
from workflow.reminders.recipients import org_contacts, reachable
from workflow.services.tasks import upsert_reminders

reminders_t = Reminder.__table__
outbox_t = OutboxMessage.__table__


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
    session: Session,
    meeting: Meeting,
    now: dt.datetime,
    org_ids: Sequence[int] | None = None,
) -> None:
    """Cancel the meeting's pending reminder rows (of ``org_ids`` only, when given), and the
    meeting reminders already queued in the outbox that no live worker is sending right now
    (a row leased by a worker mid-send may still go out: SMTP cannot be recalled)."""
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
        or_(outbox_t.c.lease_until.is_(None), outbox_t.c.lease_until <= now),
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
            cancel_pending(session, meeting, now)
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
        cancel_pending(session, meeting, now)
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
            cancel_pending(session, meeting, now, event.removed_org_ids)
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
