"""The entries of a timeline that come from rules rather than rows: the definition's backward
deadlines and date-anchored state deadlines, a task deadline moved by a hypothetical date and the
reminders that move with it; and the entries of reminder rows and SLA clocks.

The what-if parts call the services' own arithmetic (``state_deadline``, ``reminder_day``), so a
projected date is the date a real change would plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflow.calendar.production import DateOutOfRange
from workflow.calendar.terms import term_before
from workflow.clock import at_local_time, local_date
from workflow.definitions.catalog import Version
from workflow.definitions.performers import calendar_code
from workflow.fields.registry import as_date, value_at
from workflow.persistence.models import Reminder, SlaClock, SlaPause
from workflow.services.casework import calendar_for, reminder_day, state_deadline


@dataclass(frozen=True)
class TimelineEntry:
    on: dt.date
    kind: str
    status: str
    rule: str
    source: str  # where the rule lives: a row, a task, the definition's element
    at: dt.datetime | None = None  # the exact instant, for rows the worker fires
    state: str | None = None
    task_id: int | None = None
    reminder_id: int | None = None
    hypothetical: bool = False
    was_on: dt.date | None = None  # in a what-if: the date before the change
    # A computed date in a year its calendar does not know yet (``mark_provisional``).
    provisional: bool = False


# The kinds whose date a calendar computed (a planned date or a meeting's is typed in).
COUNTED_KINDS = frozenset(
    {"backward_deadline", "state_deadline", "task_due", "sla_due", "reminder", "escalation"}
)


def mark_provisional(engine, definition, case, tasks, entries) -> list[TimelineEntry]:
    """``entries`` with ``provisional`` set on the counted dates that lie beyond the last
    year their calendar knows: a task's on its performer's calendar
    (``performers.calendar_code``), a lead time binding the region on the region's."""
    calendars = engine.catalog.calendars
    state_of = {t.id: t.state for t in tasks}
    marked = []
    for entry in entries:
        state = entry.state or state_of.get(entry.task_id)
        code = calendar_code(definition, state, case.calendar_code) if state else case.calendar_code
        if entry.kind in COUNTED_KINDS and calendars.for_region(code).is_provisional(entry.on):
            entry = replace(entry, provisional=True)
        marked.append(entry)
    return marked


def counted(compute, *args):
    """``compute(*args)``, or None when a date it counts from is outside the calendar's years
    (a stored ``0001-01-01``): the timeline then shows the typed date as is, with no rule's
    deadline computed from it, rather than failing."""
    try:
        return compute(*args)
    except DateOutOfRange:
        return None


def date_status(day: dt.date, today: dt.date, still_relevant: bool = True) -> str:
    if day > today:
        return "upcoming"
    if day == today:
        return "due_today"
    return "missed" if still_relevant else "past"


def anchor_fields(definition) -> set[str]:
    names = {
        ref.params["field"]
        for t in definition.transitions
        for ref in t.guards
        if ref.name == "lead_time" and "field" in ref.params
    }
    names |= {
        s.deadline.anchor
        for s in definition.states.values()
        if s.deadline is not None and s.deadline.anchor != "entered"
    }
    return names


def backward_deadlines(engine, version: Version, case, fields, hypothetical, changes, today):
    """The definition's lead-time rules, e.g. "submit no later than 1 month before signing"."""
    definition = version.definition
    cal = calendar_for(engine, case)
    entries = []
    for transition in definition.transitions:
        for ref in transition.guards:
            if ref.name != "lead_time":
                continue
            name, parameter = ref.params["field"], ref.params["parameter"]
            duration = engine.catalog.parameter(definition, parameter, case.calendar_code)
            relevant = case.state in transition.sources
            rule = ref.params.get("rule") or (
                f"'{transition.trigger}' no later than {duration} before {name} "
                f"(parameter {parameter})"
            )
            source = (
                f"definition {definition.key}: transition '{transition.trigger}', guard lead_time"
            )
            current_anchor = as_date(value_at(fields, name))
            current = (
                counted(term_before, cal, current_anchor, duration) if current_anchor else None
            )
            if name in changes:
                day = counted(term_before, cal, as_date(value_at(hypothetical, name)), duration)
                if day is None:
                    continue
                entries.append(
                    TimelineEntry(
                        day,
                        "backward_deadline",
                        date_status(day, today, relevant),
                        rule,
                        source,
                        hypothetical=True,
                        was_on=current,
                    )
                )
            elif current is not None:
                entries.append(
                    TimelineEntry(
                        current,
                        "backward_deadline",
                        date_status(current, today, relevant),
                        rule,
                        source,
                    )
                )
    return entries


def future_state_deadlines(engine, version, case, fields, hypothetical, changes, today):
    """Deadlines of states the case has not reached yet that count from a date field."""
    if case.is_closed:
        return []
    entries = []
    for state in version.definition.states.values():
        spec = state.deadline
        if spec is None or spec.anchor == "entered" or state.name == case.state:
            continue
        rule = f"'{state.name}' due {spec.within} {spec.direction} {spec.anchor}"
        source = f"definition {version.definition.key}: state '{state.name}', deadline"
        current = counted(state_deadline, engine, version, state, case, fields, today)
        if spec.anchor in changes:
            day = counted(state_deadline, engine, version, state, case, hypothetical, today)
            if day is not None:
                entries.append(
                    TimelineEntry(
                        day,
                        "state_deadline",
                        "projected",
                        rule,
                        source,
                        state=state.name,
                        hypothetical=True,
                        was_on=current,
                    )
                )
        elif current is not None:
            entries.append(
                TimelineEntry(
                    current, "state_deadline", "projected", rule, source, state=state.name
                )
            )
    return entries


def moved_task_deadlines(engine, version, case, tasks, hypothetical, changes, today):
    """``task id -> hypothetical due date`` for open tasks whose deadline counts from a
    changed field (exactly what ``update_fields`` would re-plan)."""
    moved = {}
    for task in tasks:
        state = version.definition.states.get(task.state)
        if (
            task.status != "open"
            or state is None
            or state.deadline is None
            or state.deadline.anchor not in changes
        ):
            continue
        due = counted(state_deadline, engine, version, state, case, hypothetical, today)
        if due is not None and due != task.due_on:
            moved[task.id] = due
    return moved


def projected_task_reminders(definition, state, task, due_on, cal, now) -> list[TimelineEntry]:
    entries = []
    for before in state.reminders if state else ():
        day = reminder_day(cal, due_on, before)
        at = at_local_time(day)
        if at <= now:
            continue
        entries.append(
            TimelineEntry(
                day,
                "reminder",
                "projected",
                f"{before} before the deadline of '{state.name}'",
                f"definition {definition.key}: state '{state.name}', reminders",
                at=at,
                state=state.name,
                task_id=task.id,
                hypothetical=True,
            )
        )
    escalation_day = cal.next_working_day(due_on + dt.timedelta(days=1))
    entries.append(
        TimelineEntry(
            escalation_day,
            "escalation",
            "projected",
            f"escalation when the deadline of '{task.state}' has passed",
            f"definition {definition.key}: state '{task.state}', deadline",
            at=at_local_time(escalation_day),
            state=task.state,
            task_id=task.id,
            hypothetical=True,
        )
    )
    return entries


def reminder_entry(row: Reminder, status: str) -> TimelineEntry:
    return TimelineEntry(
        local_date(row.due_at),
        row.kind,
        status,
        row.rule,
        f"reminder #{row.id}",
        at=row.due_at,
        task_id=row.task_id,
        reminder_id=row.id,
    )


# Built once (building a SELECT costs about as much as running it; the agreement page asks for
# its timeline on every view).
_CLOCKS = select(SlaClock).where(SlaClock.case_id == bindparam("case_id")).order_by(SlaClock.id)
_PAUSES = (
    select(SlaPause)
    .join(SlaClock, SlaClock.id == SlaPause.clock_id)
    .where(SlaClock.case_id == bindparam("case_id"))
    .order_by(SlaPause.id)
)


def clock_entries(session: Session, case_id: int) -> list[TimelineEntry]:
    """Each SLA clock's due date and its pauses: two statements, whatever the number of clocks."""
    entries = []
    params = {"case_id": case_id}
    clocks = session.execute(_CLOCKS, params).scalars().all()
    pauses_of: dict[int, list[SlaPause]] = {}
    for pause in session.execute(_PAUSES, params).scalars():
        pauses_of.setdefault(pause.clock_id, []).append(pause)
    for clock in clocks:
        paused = f", paused {clock.paused_days} day(s) so far" if clock.paused_days else ""
        entries.append(
            TimelineEntry(
                clock.due_on,
                "sla_due",
                clock.status,
                f"SLA of '{clock.state}' started {clock.started_on}{paused}",
                f"SLA clock #{clock.id}",
                state=clock.state,
            )
        )
        for pause in pauses_of.get(clock.id, ()):
            until = f" until {pause.resumed_on}" if pause.resumed_on else " (still paused)"
            entries.append(
                TimelineEntry(
                    pause.paused_on,
                    "sla_pause",
                    "resumed" if pause.resumed_on else "paused",
                    f"clock of '{clock.state}' paused while in '{pause.reason_state}'{until}",
                    f"SLA clock #{clock.id}",
                    state=clock.state,
                )
            )
    return entries
