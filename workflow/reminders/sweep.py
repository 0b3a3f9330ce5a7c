"""Firing due reminder rows: the decision that a reminder goes out, made exactly once.

One call handles one batch in one transaction:

1. claim up to ``batch_size`` pending rows with ``due_at <= now`` (``now`` from the injected
   clock, as a bind parameter). On PostgreSQL ``FOR UPDATE SKIP LOCKED``: concurrent sweepers
   take disjoint batches and never wait for each other. On SQLite the unit of work's
   ``BEGIN IMMEDIATE`` makes the sweep a single writer.
2. re-check each row against the present: the task still open, the case not closed, the meeting
   neither cancelled nor moved, the region still invited and its proposal not yet in;
3. queue one outbox row per recipient (idempotency key ``reminder:<id>:user:<user>``, so even a
   replayed batch cannot queue twice), and mark the row ``fired`` — or ``cancelled`` when the
   re-check says it no longer applies;
4. commit. A crash before the commit leaves the rows pending for the next sweep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, aliased

from workflow.audience import Audience, audience
from workflow.clock import local_date
from workflow.events import DeadlineBreached, dispatch
from workflow.outbox import enqueue
from workflow.persistence import direct
from workflow.persistence.meetings import Meeting, MeetingParticipant, MeetingSubmission
from workflow.persistence.models import Case, Organization, Reminder, Task
from workflow.reminders.recipients import CONTACT_ROLE

if TYPE_CHECKING:
    from workflow.engine import Engine

reminders_t = Reminder.__table__

TEMPLATES = {
    "reminder": "task_reminder",
    "escalation": "task_escalation",
    "meeting": "meeting_reminder",
    "deadline": "meeting_deadline",
}
TASK_KINDS = ("reminder", "escalation")


@dataclass
class SweepResult:
    fired: int = 0
    cancelled: int = 0
    queued: int = 0

    @property
    def claimed(self) -> int:
        return self.fired + self.cancelled


def fire_due_reminders(
    engine: Engine,
    *,
    kinds: Sequence[str] | None = None,
    exclude_kinds: Sequence[str] = (),
    batch_size: int = 200,
) -> SweepResult:
    """Fire one batch of due reminders (of ``kinds`` only, when given; never of
    ``exclude_kinds``)."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        query = (
            select(reminders_t)
            .where(reminders_t.c.status == "pending", reminders_t.c.due_at <= now)
            .order_by(reminders_t.c.due_at, reminders_t.c.id)
            .limit(batch_size)
        )
        if kinds:
            query = query.where(reminders_t.c.kind.in_(list(kinds)))
        if exclude_kinds:
            query = query.where(reminders_t.c.kind.not_in(list(exclude_kinds)))
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return SweepResult()
        result = _fire(engine, session, rows, now)
        uow.commit()
    return result


# The statements a batch runs, built once and run on the driver (``workflow.persistence.direct``).
_MARK_FIRED = direct.Direct(
    update(reminders_t)
    .where(reminders_t.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="fired", fired_at=bindparam("now"))
)
_MARK_CANCELLED = direct.Direct(
    update(reminders_t)
    .where(reminders_t.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="cancelled")
)


def _fire(engine: Engine, session: Session, rows, now: dt.datetime) -> SweepResult:
    today = local_date(now)
    facts = _Facts.load(session, rows)
    fired: list[int] = []
    cancelled: list[int] = []
    decided = []
    for row in rows:
        who, payload = _resolve(engine, facts, row, today)
        if who is None:
            cancelled.append(row.id)
            continue
        fired.append(row.id)
        decided.append((row, who, payload))
    # Everyone the whole batch names, in one statement (queues, substitutes, who can receive).
    people = audience(
        session,
        {w.queue for _r, w, _p in decided if w.queue is not None},
        {u for _r, w, _p in decided for u in w.users},
        today,
    )
    outbox: list[dict[str, Any]] = []
    for row, who, payload in decided:
        for user_id in people.reachable(who.resolve(people)):
            outbox.append(
                {
                    "idempotency_key": f"reminder:{row.id}:user:{user_id}",
                    "template": TEMPLATES.get(row.kind, "task_reminder"),
                    "recipient_user_id": user_id,
                    "case_id": row.case_id,
                    "payload": payload,
                }
            )
    enqueue(session, now, outbox)
    _dispatch_breaches(engine, session, now, decided)
    if fired:
        direct.defer(session, _MARK_FIRED, {"ids": fired, "now": now})
    if cancelled:
        direct.defer(session, _MARK_CANCELLED, {"ids": cancelled})
    return SweepResult(fired=len(fired), cancelled=len(cancelled), queued=len(outbox))


@dataclass(frozen=True)
class _Who:
    """Whom a reminder goes to, before the batch's people are looked up: named ``users``
    (with their substitutes today when ``substitutes``), or the holders of ``queue`` (with
    theirs when ``substitutes``)."""

    users: tuple[int, ...] = ()
    queue: tuple[str, int | None] | None = None
    substitutes: bool = False

    def resolve(self, people: Audience) -> list[int]:
        found = list(self.users)
        if self.queue is not None:
            found += people.queue(*self.queue)
        return people.with_substitutes(found) if self.substitutes else sorted(set(found))


NOBODY = _Who()


def _dispatch_breaches(engine: Engine, session: Session, now: dt.datetime, decided) -> None:
    """Tell the engine's handlers (webhooks) that each fired escalation's deadline has passed,
    in this transaction: a rolled-back sweep tells nobody."""
    events = [
        DeadlineBreached(
            row.id,
            row.case_id,
            row.task_id,
            payload.get("state"),
            payload.get("role"),
            row.deadline_on,
            payload.get("escalated_to"),
        )
        for row, _recipients, payload in decided
        if row.kind == "escalation"
    ]
    dispatch(engine.handlers, session, now, events)


@dataclass
class _Facts:
    """What the re-checks need about a batch, loaded with one query per table (none for a
    table the batch does not concern)."""

    tasks: dict[int, Any]
    cases: dict[int, Any]
    meetings: dict[int, Any]
    participants: set[tuple[int, int]]
    submitted: set[tuple[int, int, str]]

    @classmethod
    def load(cls, session: Session, rows) -> _Facts:
        task_ids = sorted({r.task_id for r in rows if r.task_id is not None})
        case_ids = sorted({r.case_id for r in rows if r.case_id is not None})
        meeting_ids = sorted(
            {(r.data or {}).get("meeting_id") for r in rows if r.kind in ("meeting", "deadline")}
            - {None}
        )
        tasks = (
            {t.id: t for t in direct.run(session, _TASKS, {"ids": task_ids}).rows}
            if task_ids
            else {}
        )
        cases = (
            {c.id: c for c in direct.run(session, _CASES, {"ids": case_ids}).rows}
            if case_ids
            else {}
        )
        if not meeting_ids:
            return cls(tasks, cases, {}, set(), set())
        meetings = {
            m.id: m
            for m in session.execute(
                select(Meeting.id, Meeting.status, Meeting.starts_at, Meeting.timezone).where(
                    Meeting.id.in_(meeting_ids)
                )
            )
        }
        participants = {
            tuple(row)
            for row in session.execute(
                select(MeetingParticipant.meeting_id, MeetingParticipant.org_id).where(
                    MeetingParticipant.meeting_id.in_(meeting_ids)
                )
            )
        }
        submitted = {
            tuple(row)
            for row in session.execute(
                select(
                    MeetingSubmission.meeting_id, MeetingSubmission.org_id, MeetingSubmission.kind
                ).where(MeetingSubmission.meeting_id.in_(meeting_ids))
            )
        }
        return cls(tasks, cases, meetings, participants, submitted)


_IDS = bindparam("ids", expanding=True)
_TASKS = direct.Direct(
    select(Task.id, Task.status, Task.assignee_id, Task.role, Task.org_id, Task.state).where(
        Task.id.in_(_IDS)
    )
)
_REGION = aliased(Organization)
_CASES = direct.Direct(
    select(Case.id, Case.is_closed, _REGION.calendar_code)
    .outerjoin(_REGION, _REGION.id == Case.region_id)
    .where(Case.id.in_(_IDS))
)


def _resolve(engine: Engine, facts: _Facts, row, today: dt.date) -> tuple[_Who | None, Any]:
    """``(whom, payload)`` for a reminder that still applies, ``(None, None)`` if not."""
    data = dict(row.data or {})
    case = facts.cases.get(row.case_id)
    if case is not None and case.is_closed:
        return None, None
    payload: dict[str, Any] = {
        "reminder_id": row.id,
        "kind": row.kind,
        "rule": row.rule,
        "deadline_on": row.deadline_on.isoformat() if row.deadline_on else None,
    }
    task = facts.tasks.get(row.task_id) if row.task_id is not None else None
    if row.deadline_on is not None:
        # A federal body's task (no organization: a global role) counts on the federal
        # calendar, whatever the case's region.
        federal = task is not None and task.org_id is None
        code = None if federal or case is None else case.calendar_code
        cal = engine.catalog.calendars.for_region(code)
        payload["working_days_left"] = cal.working_days_between(today, row.deadline_on)
    if row.kind in TASK_KINDS and row.task_id is not None:
        if task is None or task.status != "open":
            return None, None
        payload.update(task_id=task.id, state=task.state, role=task.role)
        if row.user_id is not None:
            return _Who(users=(row.user_id,)), payload
        if row.kind == "escalation":
            if not row.role:
                return NOBODY, payload
            payload["escalated_to"] = row.role
            return _Who(queue=(row.role, row.org_id), substitutes=True), payload
        if task.assignee_id is not None:
            return _Who(users=(task.assignee_id,), substitutes=True), payload
        return _Who(queue=(task.role, task.org_id), substitutes=True), payload
    if row.kind in ("meeting", "deadline"):
        meeting_id = data.get("meeting_id")
        meeting = facts.meetings.get(meeting_id)
        if meeting is None or meeting.status != "planned":
            return None, None
        if (meeting_id, row.org_id) not in facts.participants:
            return None, None
        if row.kind == "meeting" and row.deadline_on is not None:
            day = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date()
            if day != row.deadline_on:  # moved without a re-plan: never remind of the old date
                return None, None
        deadline = data.get("deadline")
        if deadline and (meeting_id, row.org_id, deadline.rstrip("s")) in facts.submitted:
            return None, None
        payload.update(meeting_id=meeting_id, org_id=row.org_id, deadline=deadline)
        if row.user_id is not None:
            return _Who(users=(row.user_id,)), payload
        return _Who(queue=(CONTACT_ROLE, row.org_id)), payload  # the region's contacts
    # A free-standing reminder addressed to one person or a role.
    if row.user_id is not None:
        return _Who(users=(row.user_id,)), payload
    if row.role:
        return _Who(queue=(row.role, row.org_id), substitutes=True), payload
    return NOBODY, payload
