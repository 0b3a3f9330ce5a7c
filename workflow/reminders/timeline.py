"""The what-if timeline: every planned deadline and reminder of a case or a meeting, with its
date, its status and the rule that produced it — optionally as it *would* be if a planned date
moved ("what if signing moved to 15 June?").

Plain data for the pages and the API; read-only (one read transaction, nothing written). The
hypothetical plan is computed with the same functions the services use (``state_deadline``,
``reminder_day``, the meeting planner's ``planned_rows``), so what it shows is what a real
change would plan.

Entry kinds:

=====================  ==========================================================================
``planned_date``       a date field deadlines count from (e.g. ``planned_signing_date``)
``backward_deadline``  a definition rule "no later than N before <date>" (the ``lead_time`` guard)
``state_deadline``     when a state's work would be due, for states counted from a date field
``task_due``           an open or closed task's due date
``sla_due`` / ``sla_pause``  an SLA clock's due date, and each interval it was paused
``reminder`` / ``escalation`` / ``meeting`` / ``deadline``  reminder rows (as the worker sees them)
``meeting_date`` / ``proposals_due`` / ``reports_due``      a meeting's own dates
=====================  ==========================================================================

Statuses: reminder rows keep theirs (``pending``, ``fired``, ``cancelled``); in a what-if a pending
row the change would replace is ``would_cancel`` and its replacement ``projected``; dates are
``upcoming``, ``due_today``, ``missed`` (passed while still relevant) or ``past``; tasks ``open``,
``overdue``, ``done`` or ``cancelled``; clocks ``running``, ``paused`` or ``stopped``.

A counted date (deadline, reminder) in a year its calendar does not know yet is marked
``provisional`` (``timeline_entries.mark_provisional``): the page badges it, the API says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from workflow.clock import local_date
from workflow.errors import InvalidInput, NotFound
from workflow.fields import dates
from workflow.fields.registry import as_date, value_at
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import Reminder, Task
from workflow.policy import Actor, can_view
from workflow.reminders.meeting_plan import (
    calendars_of,
    key_prefix,
    meeting_facts,
    org_facts,
    participant_ids,
    planned_rows,
)
from workflow.reminders.meetings import MeetingPlanner, plan_meeting_reminders
from workflow.reminders.timeline_entries import (
    TimelineEntry,
    anchor_fields,
    backward_deadlines,
    clock_entries,
    date_status,
    future_state_deadlines,
    mark_provisional,
    moved_task_deadlines,
    projected_task_reminders,
    reminder_entry,
)
from workflow.services.casework import (
    CaseRow,
    calendar_for,
    lock_case,
)

if TYPE_CHECKING:
    from workflow.engine import Engine


@dataclass(frozen=True)
class Timeline:
    subject: str  # "case 12", "meeting 3"
    today: dt.date
    what_if: Mapping[str, str] = field(default_factory=dict)
    entries: tuple[TimelineEntry, ...] = ()

    def of_kind(self, *kinds: str) -> list[TimelineEntry]:
        return [e for e in self.entries if e.kind in kinds]


_ORDER = {"planned_date": 0, "meeting_date": 0, "backward_deadline": 1, "state_deadline": 2}


def _sorted(entries) -> tuple[TimelineEntry, ...]:
    return tuple(
        sorted(
            entries,
            key=lambda e: (
                e.on,
                e.at or dt.datetime.min.replace(tzinfo=dt.UTC),
                _ORDER.get(e.kind, 5),
                e.kind,
                e.reminder_id or 0,
                e.task_id or 0,
            ),
        )
    )


# --- cases ---------------------------------------------------------------------------------------


def case_timeline(
    engine: Engine,
    case_id: int,
    *,
    actor: Actor | None = None,
    what_if: Mapping[str, dt.date | str] | None = None,
) -> Timeline:
    """The timeline of a case; ``what_if`` maps date fields to hypothetical values.

    Raises ``NotFound`` if the case does not exist or ``actor`` may not see it, and
    ``InvalidInput`` for a what-if value that is not a date.
    """
    changes = _parse_what_if(what_if or {})
    today = engine.today()
    with engine.uow(write=False) as uow:
        session = uow.session
        case = lock_case(session, case_id, for_update=False)
        if case is None or (actor is not None and not can_view(actor, case)):
            raise NotFound(f"Case {case_id} not found.")
        entries = _case_entries(engine, session, case, today, changes)
    return Timeline(
        f"case {case_id}", today, {k: v.isoformat() for k, v in changes.items()}, _sorted(entries)
    )


def _parse_what_if(what_if: Mapping[str, dt.date | str]) -> dict[str, dt.date]:
    parsed = {}
    for name, value in what_if.items():
        day = as_date(value)
        if day is None:
            raise InvalidInput(
                "A what-if value must be a date (YYYY-MM-DD).", {name: "Not a date."}
            )
        if not dates.in_range(day):
            raise InvalidInput(
                f"A what-if value is not valid: {name}: {dates.range_message()}.",
                {name: dates.range_message()},
            )
        parsed[name] = day
    return parsed


def _with_changes(fields: dict[str, Any], changes: Mapping[str, dt.date]) -> dict[str, Any]:
    result = dict(fields)
    for name, day in changes.items():
        result[name] = day.isoformat()
    return result


# Built once: the agreement page shows the timeline on every view, and building a SELECT costs
# about as much as running it.
_CASE_TASKS = select(Task).where(Task.case_id == bindparam("case_id")).order_by(Task.id)
_CASE_REMINDERS = (
    select(Reminder).where(Reminder.case_id == bindparam("case_id")).order_by(Reminder.due_at)
)


def _case_entries(
    engine, session, case: CaseRow, today, changes, skip_prefix: str | None = None
) -> list[TimelineEntry]:
    version = engine.catalog.get(case.definition_id, session)
    definition = version.definition
    fields = dict(case.fields or {})
    hypothetical = _with_changes(fields, changes)
    entries: list[TimelineEntry] = []

    for name, day in changes.items():
        before = as_date(value_at(fields, name))
        entries.append(
            TimelineEntry(
                day,
                "planned_date",
                "hypothetical",
                f"what if {name} were {day}",
                f"field {name}",
                hypothetical=True,
                was_on=before,
            )
        )
    for name in sorted(anchor_fields(definition) - set(changes)):
        day = as_date(value_at(fields, name))
        if day is not None:
            entries.append(
                TimelineEntry(
                    day,
                    "planned_date",
                    date_status(day, today, False),
                    f"{name} of the case",
                    f"field {name}",
                )
            )

    entries += backward_deadlines(engine, version, case, fields, hypothetical, changes, today)
    entries += future_state_deadlines(engine, version, case, fields, hypothetical, changes, today)

    tasks = session.execute(_CASE_TASKS, {"case_id": case.id}).scalars().all()
    rows = session.execute(_CASE_REMINDERS, {"case_id": case.id}).scalars().all()
    moved_tasks = moved_task_deadlines(engine, version, case, tasks, hypothetical, changes, today)
    for task in tasks:
        if task.due_on is None:
            continue
        status = task.status
        if status == "open" and task.due_on < today:
            status = "overdue"
        new_due = moved_tasks.get(task.id)
        entries.append(
            TimelineEntry(
                new_due or task.due_on,
                "task_due",
                status,
                f"task '{task.state}' for role {task.role}",
                f"task #{task.id}",
                state=task.state,
                task_id=task.id,
                hypothetical=new_due is not None,
                was_on=task.due_on if new_due is not None else None,
            )
        )
    for row in rows:
        if skip_prefix and row.key.startswith(skip_prefix):
            continue  # listed by the meeting's own part of the timeline
        replaced = row.status == "pending" and row.task_id in moved_tasks
        entries.append(reminder_entry(row, "would_cancel" if replaced else row.status))
    for task in tasks:
        if task.id in moved_tasks:
            state = definition.states.get(task.state)
            cal = calendar_for(engine, case, definition, state)
            entries += projected_task_reminders(
                definition, state, task, moved_tasks[task.id], cal, engine.clock.now()
            )
    entries += clock_entries(session, case.id)
    return mark_provisional(engine, definition, case, tasks, entries)


# --- meetings ------------------------------------------------------------------------------------


def meeting_timeline(
    engine: Engine,
    meeting_id: int,
    *,
    actor: Actor | None = None,
    starts_at: dt.datetime | None = None,
) -> Timeline:
    """The timeline of a meeting (and of its workflow case); ``starts_at`` asks "what if the
    meeting moved there": the pending meeting reminders become ``would_cancel`` and the ones a
    reschedule would plan appear as ``projected``."""
    if starts_at is not None and starts_at.tzinfo is None:
        raise InvalidInput("The hypothetical start needs a time zone.", {"starts_at": "Naive."})
    if starts_at is not None and not dates.in_range(starts_at):
        raise InvalidInput(
            f"The hypothetical start is not valid: starts_at: {dates.range_message()}.",
            {"starts_at": dates.range_message()},
        )
    today = engine.today()
    now = engine.clock.now()
    with engine.uow(write=False) as uow:
        session = uow.session
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound(f"Meeting {meeting_id} not found.")
        case = lock_case(session, meeting.case_id, for_update=False)
        if case is None or (actor is not None and not can_view(actor, case)):
            raise NotFound(f"Meeting {meeting_id} not found.")
        facts = meeting_facts(meeting)
        entries = [
            TimelineEntry(
                facts.day,
                "meeting_date",
                meeting.status,
                "the meeting",
                f"meeting #{meeting.id}",
                at=meeting.starts_at,
                hypothetical=starts_at is not None and starts_at != meeting.starts_at,
            )
        ]
        if starts_at is not None:
            moved = replace(facts, starts_at=starts_at)
            entries[0] = replace(entries[0], on=moved.day, at=starts_at, was_on=facts.day)
        for kind, day in (
            ("proposals_due", meeting.proposals_due_on),
            ("reports_due", meeting.reports_due_on),
        ):
            if day is not None:
                entries.append(
                    TimelineEntry(
                        day,
                        kind,
                        date_status(day, today, meeting.status == "planned"),
                        f"{kind.replace('_', ' ')} of the invited regions",
                        f"meeting #{meeting.id}",
                    )
                )
        rows = (
            session.execute(
                select(Reminder)
                .where(
                    Reminder.case_id == meeting.case_id,
                    Reminder.key.startswith(key_prefix(meeting.id), autoescape=True),
                )
                .order_by(Reminder.due_at)
            )
            .scalars()
            .all()
        )
        for row in rows:
            replaced = starts_at is not None and row.kind == "meeting" and row.status == "pending"
            entries.append(reminder_entry(row, "would_cancel" if replaced else row.status))
        if starts_at is not None and meeting.status == "planned":
            planner = next(
                (h for h in engine.handlers if isinstance(h, MeetingPlanner)),
                plan_meeting_reminders,
            )
            projected = planned_rows(
                replace(facts, starts_at=starts_at),
                org_facts(session, participant_ids(session, meeting.id)),
                calendars_of(session),
                now,
                planner.offsets,
                (),
            )
            for row in projected:
                entries.append(
                    TimelineEntry(
                        local_date(row["due_at"]),
                        row["kind"],
                        "projected",
                        row["rule"],
                        "meeting reminder plan",
                        at=row["due_at"],
                        hypothetical=True,
                    )
                )
        entries += _case_entries(engine, session, case, today, {}, key_prefix(meeting.id))
    what_if = {"starts_at": starts_at.isoformat()} if starts_at is not None else {}
    return Timeline(f"meeting {meeting_id}", today, what_if, _sorted(entries))
