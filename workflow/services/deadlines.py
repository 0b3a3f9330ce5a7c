"""Recounting provisional deadlines once the calendar data learns their year.

A due date beyond the last year a production calendar knows (2028 today: its transfer decree
is not out) is counted on the ``holidays`` package's extrapolation and shown as provisional.
The task row keeps that last known year (``tasks.due_known_through``). When the calendar files
later name the year (a decree added to ``definitions/calendars/ru.yaml``, a republic's own acts
to ``regions/<CODE>.yaml``), the date may be wrong by a moved day: ``recount_provisional``
counts each such open task again with the engine's own arithmetic (``state_deadline``, the SLA
clock's pauses replayed as ``clocks.on_enter`` applied them), moves its due date and its
planned reminders (the old rows cancelled, never sent; ``plan_reminders`` plans the new ones),
and writes the move to the case's audit chain.

It runs at every worker start and as ``soglasie deadlines recompute``; running it again is
harmless (a task is recounted only when its calendar now knows more than when it was counted).
Only tasks counted as provisional are touched: recounting every open task would also move
dates for reasons that are not the calendar's (a changed parameter), silently.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.calendar.production import ProductionCalendar
from workflow.clock import local_date
from workflow.definitions.catalog import Version
from workflow.definitions.model import StateSpec
from workflow.persistence.models import SlaClock, SlaPause, Task
from workflow.services.case_log import append_case_event
from workflow.services.casework import CaseRow, calendar_for, lock_case, state_deadline
from workflow.services.tasks import cancel_reminders, plan_reminders

if TYPE_CHECKING:
    from workflow.engine import Engine

log = logging.getLogger(__name__)
tasks_t = Task.__table__
clocks_t = SlaClock.__table__

AUDIT_KIND = "deadline_recount"


@dataclass(frozen=True)
class Recount:
    """One provisional task counted again: ``was`` → ``now`` (equal when the year's calendar
    confirmed the date), on ``calendar``; ``provisional`` when still beyond its known years."""

    task_id: int
    case_id: int
    state: str
    calendar: str
    was: dt.date
    now: dt.date
    provisional: bool

    @property
    def moved(self) -> bool:
        return self.was != self.now


_CANDIDATES = (
    select(tasks_t.c.case_id, tasks_t.c.id)
    .where(tasks_t.c.status == "open", tasks_t.c.due_known_through.is_not(None))
    .order_by(tasks_t.c.case_id, tasks_t.c.id)
)


def recount_provisional(engine: Engine) -> list[Recount]:
    """Recount every open task whose provisional due date's calendar now knows a later year;
    one transaction per case (the case row locked, as a transition locks it)."""
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(_CANDIDATES).all()
    done: list[Recount] = []
    for case_id, group in groupby(rows, key=lambda r: r.case_id):
        done += _recount_case(engine, case_id, [r.id for r in group])
    for r in done:
        log.info(
            "task %s of case %s: provisional deadline %s recounted on calendar %s: %s%s",
            r.task_id,
            r.case_id,
            r.was,
            r.calendar,
            r.now,
            " (still provisional)" if r.provisional else "",
        )
    return done


def _recount_case(engine: Engine, case_id: int, task_ids: list[int]) -> list[Recount]:
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        case = lock_case(session, case_id)
        if case is None:
            return []
        version = engine.catalog.get(case.definition_id, session)
        tasks = session.scalars(
            select(Task).where(
                Task.id.in_(task_ids), Task.status == "open", Task.due_known_through.is_not(None)
            )
        ).all()
        done = []
        for task in tasks:
            state = version.definition.states.get(task.state)
            if state is None or state.deadline is None or task.due_on is None:
                continue  # a date set by hand (a meeting's decision): nothing to recount
            cal = calendar_for(engine, case, version.definition, state)
            if cal.known_through is None or cal.known_through <= task.due_known_through:
                continue  # the calendar has learned nothing since the date was counted
            recount = _recount_task(session, engine, version, state, case, task, cal, now)
            if recount is not None:
                done.append(recount)
        moved = [r for r in done if r.moved]
        if moved:
            append_case_event(
                session,
                case,
                kind=AUDIT_KIND,
                actor_id=None,
                now=now,
                data={
                    "deadlines_recounted": [
                        {
                            "task_id": r.task_id,
                            "state": r.state,
                            "calendar": r.calendar,
                            "from": r.was.isoformat(),
                            "to": r.now.isoformat(),
                            "provisional": r.provisional,
                        }
                        for r in moved
                    ]
                },
            )
        uow.commit()
    return done


def _recount_task(
    session: Session,
    engine: Engine,
    version: Version,
    state: StateSpec,
    case: CaseRow,
    task: Task,
    cal: ProductionCalendar,
    now: dt.datetime,
) -> Recount | None:
    clock = None
    if state.deadline.pauses_in:
        clock = session.scalar(
            select(SlaClock)
            .where(
                SlaClock.case_id == case.id,
                SlaClock.state == state.name,
                SlaClock.status == "running",
            )
            .order_by(SlaClock.id.desc())
            .limit(1)
        )
    entered = clock.started_on if clock is not None else local_date(task.created_at)
    due = state_deadline(engine, version, state, case, dict(case.fields or {}), entered)
    if due is None:
        return None
    if clock is not None:
        due = _replay_pauses(session, clock.id, due, cal)
    was = task.due_on
    session.execute(
        update(tasks_t)
        .where(tasks_t.c.id == task.id)
        .values(due_on=due, due_known_through=cal.provisional_through(due))
    )
    if due != was:
        if clock is not None:
            session.execute(update(clocks_t).where(clocks_t.c.id == clock.id).values(due_on=due))
        cancel_reminders(session, [task.id])
        plan_reminders(session, case, version.definition, state, [task.id], due, cal, now)
    return Recount(task.id, case.id, state.name, cal.name, was, due, cal.is_provisional(due))


def _replay_pauses(
    session: Session, clock_id: int, due: dt.date, cal: ProductionCalendar
) -> dt.date:
    """The due date after each finished pause of the clock, as ``clocks.on_enter`` moved it on
    every resumption: by the calendar days away, then to a working day."""
    pauses = session.scalars(
        select(SlaPause)
        .where(SlaPause.clock_id == clock_id, SlaPause.resumed_on.is_not(None))
        .order_by(SlaPause.id)
    ).all()
    for pause in pauses:
        away = (pause.resumed_on - pause.paused_on).days
        due = cal.next_working_day(due + dt.timedelta(days=away))
    return due
