"""SLA clocks: a state's deadline that keeps running across review rounds and pauses while the
draft is back with its author.

A deadline with ``pauses_in: [conciliation]`` starts a clock when its state is first entered.
Leaving for a pause state pauses the clock; coming back resumes it and pushes the due date by the
calendar days spent away (then to a working day) — unless an earlier round used up all the
time: then the clock stops and a fresh one starts with the full term from the new round's start,
so no round opens already overdue. Leaving anywhere else stops it. Every pause is a
``sla_pauses`` row and shows in the audit data, so reviewers see why a due date moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from workflow.calendar.production import ProductionCalendar
from workflow.definitions.model import StateSpec
from workflow.persistence import direct
from workflow.persistence.models import SlaClock, SlaPause

clocks_t = SlaClock.__table__
pauses_t = SlaPause.__table__

# Built once and run directly on the driver (``workflow.persistence.direct``).
_CLOCK_IN = select(
    clocks_t.c.id,
    clocks_t.c.status,
    clocks_t.c.due_on,
    clocks_t.c.paused_since,
    clocks_t.c.paused_days,
).where(
    clocks_t.c.case_id == bindparam("case_id"),
    clocks_t.c.state == bindparam("state"),
    clocks_t.c.status == bindparam("status"),
)
_RUNNING = (
    update(clocks_t)
    .where(
        clocks_t.c.case_id == bindparam("b_case_id"),
        clocks_t.c.state == bindparam("b_state"),
        clocks_t.c.status == "running",
    )
    .returning(clocks_t.c.id)
)
# Pause or stop the running clock in one UPDATE … RETURNING (no SELECT first).
_PAUSE_RUNNING = direct.Direct(_RUNNING.values(status="paused", paused_since=bindparam("b_today")))
_STOP_RUNNING = direct.Direct(_RUNNING.values(status="stopped"))
_CLOCK_IN = direct.Direct(_CLOCK_IN)
_RESUME_CLOCK = direct.Direct(
    update(clocks_t)
    .where(clocks_t.c.id == bindparam("clock_id"))
    .values(
        status="running",
        paused_since=None,
        paused_days=bindparam("b_paused_days"),
        due_on=bindparam("b_due_on"),
    )
)
# A clock whose time ran out in an earlier round ends here; a fresh one starts.
_END_CLOCK = direct.Direct(
    update(clocks_t)
    .where(clocks_t.c.id == bindparam("clock_id"))
    .values(status="stopped", paused_since=None, paused_days=bindparam("b_paused_days"))
)
_END_PAUSE = direct.Direct(
    update(pauses_t)
    .where(pauses_t.c.clock_id == bindparam("b_clock_id"), pauses_t.c.resumed_on.is_(None))
    .values(resumed_on=bindparam("today"))
)
_INSERT_PAUSE = direct.Direct(insert(pauses_t))
_INSERT_CLOCK = direct.Direct(insert(clocks_t))
# A case's clocks that may still change (a handful), read together with the case's row lock
# by a transition (``lock_case_with_tasks``), so leaving and entering states need no reads.
LIVE_CLOCKS = direct.Direct(
    select(
        clocks_t.c.id,
        clocks_t.c.state,
        clocks_t.c.status,
        clocks_t.c.due_on,
        clocks_t.c.paused_since,
        clocks_t.c.paused_days,
    )
    .where(clocks_t.c.case_id == bindparam("case_id"), clocks_t.c.status != "stopped")
    .order_by(clocks_t.c.id)
)


def on_leave(
    session: Session,
    case_id: int,
    state: StateSpec,
    dest: str,
    today: dt.date,
    audit: dict[str, Any],
    live: list[Any] | None = None,
) -> None:
    """Pause or stop the clock of ``state`` as the case leaves it for ``dest``.

    ``live``: the case's ``LIVE_CLOCKS`` rows, read under its row lock; then the changes are
    held back (``direct.defer``) rather than waited for, and ``live`` is kept up to date.
    """
    if state.deadline is None or not state.deadline.pauses_in:
        return
    where = {"b_case_id": case_id, "b_state": state.name}
    if dest in state.deadline.pauses_in:
        if live is None:
            paused = direct.run(session, _PAUSE_RUNNING, {**where, "b_today": today}).scalars()
        else:
            paused = [c.id for c in live if c.state == state.name and c.status == "running"]
            if paused:
                direct.defer(session, _PAUSE_RUNNING, {**where, "b_today": today})
                live[:] = [
                    c._replace(status="paused", paused_since=today) if c.id in paused else c
                    for c in live
                ]
        if not paused:
            return
        direct.defer_many(
            session,
            _INSERT_PAUSE,
            [
                {"clock_id": clock_id, "paused_on": today, "reason_state": dest}
                for clock_id in paused
            ],
        )
        audit["clock_paused"] = {"state": state.name, "on": today.isoformat()}
    else:
        direct.defer(session, _STOP_RUNNING, where)
        if live is not None:
            live[:] = [c for c in live if not (c.state == state.name and c.status == "running")]


def on_enter(
    session: Session,
    case_id: int,
    state: StateSpec,
    fresh_due: dt.date | None,
    today: dt.date,
    cal: ProductionCalendar,
    audit: dict[str, Any],
    live: list[Any] | None = None,
) -> dt.date | None:
    """The due date for a state being entered: a resumed clock's, or ``fresh_due``.

    Only deadlines with ``pauses_in`` use clocks; others simply get ``fresh_due``. ``live``:
    as for ``on_leave``.
    """
    if state.deadline is None or not state.deadline.pauses_in:
        return fresh_due
    if live is None:
        paused = direct.run(
            session, _CLOCK_IN, {"case_id": case_id, "state": state.name, "status": "paused"}
        ).first()
    else:
        paused = next((c for c in live if c.state == state.name and c.status == "paused"), None)
    if paused is not None:
        away = (today - paused.paused_since).days
        due = cal.next_working_day(paused.due_on + dt.timedelta(days=away))
        if due < today and fresh_due is not None:
            # The earlier round used up all the time (and more): resuming would open the new
            # round's tasks already overdue, for a text their reviewers have not seen. The
            # new round gets the state's full term from its own start; the history says so.
            direct.defer(
                session,
                _END_CLOCK,
                {"clock_id": paused.id, "b_paused_days": paused.paused_days + away},
            )
            direct.defer(session, _END_PAUSE, {"b_clock_id": paused.id, "today": today})
            audit["clock_restarted"] = {
                "state": state.name,
                "ran_out_on": due.isoformat(),
                "due_on": fresh_due.isoformat(),
            }
            return _start_clock(session, case_id, state, fresh_due, today)
        direct.defer(
            session,
            _RESUME_CLOCK,
            {"clock_id": paused.id, "b_paused_days": paused.paused_days + away, "b_due_on": due},
        )
        direct.defer(session, _END_PAUSE, {"b_clock_id": paused.id, "today": today})
        audit["clock_resumed"] = {
            "state": state.name,
            "paused_days": away,
            "due_on": due.isoformat(),
        }
        return due
    return _start_clock(session, case_id, state, fresh_due, today)


def _start_clock(
    session: Session, case_id: int, state: StateSpec, fresh_due: dt.date | None, today: dt.date
) -> dt.date | None:
    if fresh_due is not None:
        direct.defer(
            session,
            _INSERT_CLOCK,
            dict(
                case_id=case_id,
                state=state.name,
                started_on=today,
                due_on=fresh_due,
                paused_days=0,
                status="running",
            ),
        )
    return fresh_due
