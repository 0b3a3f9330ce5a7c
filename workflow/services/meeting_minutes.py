"""What the regions send to the coordinating meeting, and what it decides.

- Proposals for the agenda, while the cycle collects them (``planning_opened``); reports on the
  year, at any time until the cycle ends. Only an invited organization submits, by a person of
  that organization who works on international ties (initiator or its head).
- The minutes, written while the cycle is in ``meeting_held``, with decisions. Each decision
  becomes a follow-up task in the inbox of the responsible organization (a ``tasks`` row with
  ``state = "decision"``, outside the cycle's own states, so the cycle's transitions leave it
  open), with a reminder before its due date and an escalation to the coordinating agency after
  it. Re-writing the minutes cancels the open decisions of the previous draft.
- The responsible organization (or the agency) marks a decision done.

Each service is one transaction; minutes and decisions are recorded in the cycle's audit chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from workflow.calendar.durations import Duration, Unit
from workflow.clock import at_local_time
from workflow.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow.events import TaskClosed, TaskOpened, dispatch
from workflow.persistence.meetings import MeetingDecision, MeetingParticipant, MeetingSubmission
from workflow.persistence.models import Organization, Task
from workflow.policy import Actor
from workflow.services.case_log import append_case_event
from workflow.services.casework import lock_case, reminder_day
from workflow.services.meetings import lock_meeting, meetings_t, organizer
from workflow.services.tasks import cancel_reminders, upsert_reminders

if TYPE_CHECKING:
    from workflow.engine import Engine

submissions_t = MeetingSubmission.__table__
decisions_t = MeetingDecision.__table__
participants_t = MeetingParticipant.__table__
tasks_t = Task.__table__

DECISION_STATE = "decision"  # the tasks.state of a decision's follow-up task
SUBMITTER_ROLES = ("initiator", "head_of_region", "head_of_municipality")
DECISION_REMINDERS = (Duration(5, Unit.WORKING_DAYS), Duration(1, Unit.WORKING_DAYS))
DEFAULT_ROLE_BY_KIND = {"region": "initiator", "municipality": "initiator"}


@dataclass(frozen=True)
class DecisionInput:
    text: str
    responsible_org_id: int
    due_on: dt.date | None = None
    role: str | None = None  # who acts in the responsible org; default by its kind


def submit(engine: Engine, meeting_id: int, actor: Actor, kind: str, title: str, text: str) -> int:
    """A participant's ``proposal`` or ``report``; returns the submission's id."""
    if kind not in ("proposal", "report"):
        raise InvalidInput("A submission is a 'proposal' or a 'report'.", {"kind": "Unknown."})
    if not title.strip() or not text.strip():
        raise InvalidInput("Give a title and a text.", {"text": "Required."})
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        invited = set(
            session.scalars(
                select(participants_t.c.org_id).where(participants_t.c.meeting_id == meeting_id)
            )
        )
        if actor.me.org_id not in invited:
            raise PermissionDenied("Your organization is not invited to this meeting.")
        if not set(SUBMITTER_ROLES) & actor.me.roles:
            raise PermissionDenied("Submissions come from the international relations office.")
        state, status = locked.case.state, locked.row.status
        if kind == "proposal" and state != "planning_opened":
            raise Conflict("The collection of proposals is closed.")
        if kind == "report" and (status == "cancelled" or locked.case.is_closed):
            raise Conflict("The cycle is over: reports are no longer accepted.")
        submission_id = session.scalar(
            insert(submissions_t)
            .returning(submissions_t.c.id)
            .values(
                meeting_id=meeting_id,
                org_id=actor.me.org_id,
                kind=kind,
                title=title.strip()[:300],
                text=text,
                submitted_by=actor.user_id,
                submitted_at=now,
            )
        )
        uow.commit()
    return submission_id


def _decision_role(kinds: dict[int, str], decision: DecisionInput) -> str:
    role = decision.role or DEFAULT_ROLE_BY_KIND.get(kinds[decision.responsible_org_id])
    if not role:
        raise InvalidInput(
            "Name the role that acts on a decision given to a federal body.",
            {"decisions": f"No role for organization {decision.responsible_org_id}."},
        )
    return role


def _plan_decision_reminders(session: Session, engine, case, task_id, due_on, now) -> None:
    if due_on is None:
        return
    cal = engine.catalog.calendars.for_region(None)
    rows = []
    for before in DECISION_REMINDERS:
        due_at = at_local_time(reminder_day(cal, due_on, before))
        if due_at > now:
            rows.append((f"task:{task_id}:before:{before}:{due_on}", "reminder", due_at, None))
    escalation = at_local_time(cal.next_working_day(due_on + dt.timedelta(days=1)))
    rows.append((f"task:{task_id}:escalation:{due_on}", "escalation", escalation, "coordinator"))
    upsert_reminders(
        session,
        [
            dict(
                key=key,
                case_id=case.id,
                task_id=task_id,
                kind=kind,
                due_at=due_at,
                deadline_on=due_on,
                role=role,
                org_id=None,
                user_id=None,
                rule=f"decision of the coordinating meeting due {due_on:%d.%m.%Y}",
                data={},
                status="pending",
                created_at=now,
            )
            for key, kind, due_at, role in rows
        ],
    )


def record_minutes(
    engine: Engine,
    meeting_id: int,
    actor: Actor,
    text: str,
    decisions: Sequence[DecisionInput] = (),
) -> list[int]:
    """Write (or re-write) the minutes and their decisions; returns the new decisions' ids."""
    if not text.strip():
        raise InvalidInput("The minutes are empty.", {"text": "Required."})
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        locked = lock_meeting(session, meeting_id)
        case = locked.case
        principal = organizer(engine, session, actor, case)
        if case.state != "meeting_held":
            raise Conflict("Minutes are written after the meeting, before they go round.")
        org_ids = sorted({d.responsible_org_id for d in decisions})
        kinds = dict(
            session.execute(
                select(Organization.id, Organization.kind).where(Organization.id.in_(org_ids))
            ).all()
        )
        missing = [i for i in org_ids if i not in kinds]
        if missing:
            raise NotFound(f"Organizations not found: {', '.join(map(str, missing))}.")
        if any(not d.text.strip() for d in decisions):
            raise InvalidInput("A decision needs its text.", {"decisions": "Empty text."})
        roles = [_decision_role(kinds, d) for d in decisions]

        events = []
        superseded = session.execute(
            select(decisions_t.c.id, decisions_t.c.task_id).where(
                decisions_t.c.meeting_id == meeting_id, decisions_t.c.status == "open"
            )
        ).all()
        if superseded:
            session.execute(
                update(decisions_t)
                .where(decisions_t.c.id.in_([d.id for d in superseded]))
                .values(status="cancelled")
            )
            task_ids = [d.task_id for d in superseded if d.task_id]
            session.execute(
                update(tasks_t)
                .where(tasks_t.c.id.in_(task_ids), tasks_t.c.status == "open")
                .values(status="cancelled", outcome="minutes_rewritten", closed_at=now)
            )
            cancel_reminders(session, task_ids)
            events.extend(
                TaskClosed(t, case.id, "cancelled", "minutes_rewritten") for t in task_ids
            )
        number = session.scalar(
            select(func.coalesce(func.max(decisions_t.c.number), 0)).where(
                decisions_t.c.meeting_id == meeting_id
            )
        )
        new_ids = []
        for decision, role in zip(decisions, roles, strict=True):
            number += 1
            task_id = session.scalar(
                insert(tasks_t)
                .returning(tasks_t.c.id)
                .values(
                    case_id=case.id,
                    state=DECISION_STATE,
                    role=role,
                    org_id=decision.responsible_org_id,
                    status="open",
                    due_on=decision.due_on,
                    created_at=now,
                )
            )
            new_ids.append(
                session.scalar(
                    insert(decisions_t)
                    .returning(decisions_t.c.id)
                    .values(
                        meeting_id=meeting_id,
                        number=number,
                        text=decision.text.strip(),
                        responsible_org_id=decision.responsible_org_id,
                        due_on=decision.due_on,
                        task_id=task_id,
                        status="open",
                    )
                )
            )
            _plan_decision_reminders(session, engine, case, task_id, decision.due_on, now)
            events.append(
                TaskOpened(
                    task_id,
                    case.id,
                    DECISION_STATE,
                    role,
                    decision.responsible_org_id,
                    None,
                    decision.due_on,
                )
            )
        session.execute(
            update(meetings_t)
            .where(meetings_t.c.id == meeting_id)
            .values(minutes=text, updated_at=now)
        )
        append_case_event(
            session,
            case,
            kind="minutes",
            actor_id=actor.user_id,
            acting_for_id=None if principal.user_id == actor.user_id else principal.user_id,
            now=now,
            data={
                "decisions": new_ids,
                "superseded": [d.id for d in superseded],
            },
        )
        dispatch(engine.handlers, session, now, events)
        uow.commit()
    return new_ids


def complete_decision(engine: Engine, decision_id: int, actor: Actor, note: str | None = None):
    """The responsible organization (or the coordinating agency) reports a decision done."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        decision = session.execute(
            select(decisions_t).where(decisions_t.c.id == decision_id).with_for_update()
        ).one_or_none()
        if decision is None:
            raise NotFound(f"Decision {decision_id} not found.")
        locked = lock_meeting(session, decision.meeting_id)
        in_charge = any(p.org_id == decision.responsible_org_id for p in actor.principals())
        if not in_charge:
            organizer(engine, session, actor, locked.case)
        if decision.status != "open":
            raise Conflict(f"The decision is already {decision.status}.")
        session.execute(
            update(decisions_t).where(decisions_t.c.id == decision_id).values(status="done")
        )
        events = []
        if decision.task_id:
            session.execute(
                update(tasks_t)
                .where(tasks_t.c.id == decision.task_id, tasks_t.c.status == "open")
                .values(status="done", outcome="done", closed_at=now, closed_by=actor.user_id)
            )
            cancel_reminders(session, [decision.task_id])
            events.append(TaskClosed(decision.task_id, locked.case.id, "done", "done"))
        case = lock_case(session, locked.case.id)
        append_case_event(
            session,
            case,
            kind="decision",
            actor_id=actor.user_id,
            now=now,
            data={"decision": decision.number, "status": "done"},
            comment=note,
        )
        dispatch(engine.handlers, session, now, events)
        uow.commit()
