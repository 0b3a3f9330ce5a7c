"""Tasks: opened when a case enters a task or review state, closed when it leaves; claiming,
releasing and reassigning; and the reminder rows planned for each task.

Claims are settled by the database: ``UPDATE … WHERE assignee_id IS NULL`` succeeds for exactly
one of several people clicking "claim" at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.calendar.production import ProductionCalendar
from workflow.clock import at_local_time
from workflow.definitions.model import Definition, StateSpec
from workflow.errors import Conflict, NotFound, PermissionDenied
from workflow.events import Event, TaskAssigned, TaskClosed, TaskOpened, dispatch
from workflow.persistence import direct
from workflow.persistence.models import Reminder, ReviewRound, Task, User, UserRole
from workflow.policy import Actor, can_reassign, can_view, role_in_scope, task_scope_org
from workflow.services.casework import CaseRow, lock_case, reminder_day

if TYPE_CHECKING:
    from workflow.engine import Engine

tasks_t = Task.__table__
reminders_t = Reminder.__table__

# Statements built once and run directly on the driver (``workflow.persistence.direct``).
_INSERT_TASKS = direct.Direct(insert(tasks_t).returning(tasks_t.c.id))
# The tasks of a review round inserted just before them in the same transaction (and round trip:
# ``reviews.queue_round``): the server finds the round, the state's open one.
_rounds_t = ReviewRound.__table__
_INSERT_ROUND_TASKS = direct.Direct(
    insert(tasks_t)
    .values(
        round_id=select(_rounds_t.c.id)
        .where(
            _rounds_t.c.case_id == bindparam("r_case_id"),
            _rounds_t.c.state == bindparam("r_state"),
            _rounds_t.c.outcome.is_(None),
        )
        .order_by(_rounds_t.c.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    .returning(tasks_t.c.id)
)
OPEN_ROUND = -1  # ``open_tasks``' round: the state's open review round, queued just before
_CANCEL_REMINDERS = direct.Direct(
    update(reminders_t)
    .where(
        reminders_t.c.task_id.in_(bindparam("task_ids", expanding=True)),
        reminders_t.c.status == "pending",
    )
    .values(status="cancelled")
)
_ACTOR_TASKS = (
    select(tasks_t.c.id, tasks_t.c.role, tasks_t.c.assignee_id, tasks_t.c.round_id)
    .where(
        tasks_t.c.case_id == bindparam("case_id"),
        tasks_t.c.status == "open",
        tasks_t.c.state == bindparam("state"),
    )
    .order_by(tasks_t.c.id)
)
_ACTOR_TASKS_IN_ROUND = direct.Direct(
    _ACTOR_TASKS.where(tasks_t.c.round_id == bindparam("round_id"))
)
_ACTOR_TASKS = direct.Direct(_ACTOR_TASKS)
_UPSERTS: dict[str, direct.Direct] = {}
_CLOSINGS: dict[tuple[bool, bool], direct.Direct] = {}


@dataclass(frozen=True)
class NewTask:
    role: str
    org_id: int | None
    assignee_id: int | None


def tasks_for_state(definition: Definition, state: StateSpec, case: CaseRow) -> list[NewTask]:
    """The tasks a case gets on entering ``state``: one for a task state, one per reviewer role
    for a review state, none for wait and terminal states."""
    if state.kind == "task":
        role = state.roles[0]
        assignee = case.created_by if state.assignee == "creator" else None
        return [NewTask(role, task_scope_org(definition, role, case), assignee)]
    if state.kind == "review" and state.review:
        return [
            NewTask(role, task_scope_org(definition, role, case), None)
            for role in state.review.reviewers
        ]
    return []


def open_tasks(
    session: Session,
    case: CaseRow,
    state: StateSpec,
    new: list[NewTask],
    due_on: dt.date | None,
    round_id: int | None,
    now: dt.datetime,
    events: list[Event],
    *,
    known_through: int | None = None,
    overdue_reason: dict | None = None,
) -> list[int]:
    """Insert the tasks ``new`` of ``state``; their ids. ``round_id`` may be ``OPEN_ROUND``:
    the round the caller queued just before (``reviews.queue_round``). ``known_through``: the
    calendar's last known year when ``due_on`` lies beyond it (``ProductionCalendar.
    provisional_through``), so ``workflow.services.deadlines`` can recount it later.
    ``overdue_reason``: why ``due_on`` has passed already (``workflow.services.overdue``)."""
    if not new:
        return []
    if round_id == OPEN_ROUND:
        statement = _INSERT_ROUND_TASKS
        extra = {"r_case_id": case.id, "r_state": state.name}
    else:
        statement, extra = _INSERT_TASKS, {"round_id": round_id}
    rows = [
        dict(
            case_id=case.id,
            state=state.name,
            role=t.role,
            org_id=t.org_id,
            assignee_id=t.assignee_id,
            status="open",
            due_on=due_on,
            due_known_through=known_through,
            overdue_reason=overdue_reason,
            created_at=now,
            **extra,
        )
        for t in new
    ]
    ids = direct.run_many(session, statement, rows).scalars()
    for task_id, t in zip(ids, new, strict=True):
        events.append(
            TaskOpened(task_id, case.id, state.name, t.role, t.org_id, t.assignee_id, due_on)
        )
    return ids


def plan_reminders(
    session: Session,
    case: CaseRow,
    definition: Definition,
    state: StateSpec,
    task_ids: list[int],
    due_on: dt.date | None,
    cal: ProductionCalendar,
    now: dt.datetime,
) -> None:
    """Reminder rows before the deadline and an escalation the day after it.

    Reminders whose moment has already passed are not planned (nobody needs a reminder of
    something due tomorrow that "was" sent last week).
    """
    if due_on is None or not task_ids:
        return
    escalate_to = state.deadline.escalate_to if state.deadline else None
    rows = []
    for task_id in task_ids:
        for before in state.reminders:
            day = reminder_day(cal, due_on, before)
            due_at = at_local_time(day)
            if due_at <= now:
                continue
            rows.append(
                dict(
                    key=f"task:{task_id}:before:{before}:{due_on}",
                    case_id=case.id,
                    task_id=task_id,
                    kind="reminder",
                    due_at=due_at,
                    deadline_on=due_on,
                    role=None,
                    org_id=None,
                    user_id=None,
                    rule=f"{before} before the deadline of '{state.name}'",
                    data={"before": str(before)},
                    status="pending",
                    created_at=now,
                )
            )
        escalation_day = cal.next_working_day(due_on + dt.timedelta(days=1))
        role = escalate_to or (definition.roles[state.roles[0]].supervisor if state.roles else None)
        rows.append(
            dict(
                key=f"task:{task_id}:escalation:{due_on}",
                case_id=case.id,
                task_id=task_id,
                kind="escalation",
                due_at=at_local_time(escalation_day),
                deadline_on=due_on,
                role=role,
                org_id=task_scope_org(definition, role, case) if role else None,
                user_id=None,
                rule=f"escalation when the deadline of '{state.name}' has passed",
                data={},
                status="pending",
                created_at=now,
            )
        )
    upsert_reminders(session, rows)


def upsert_reminders(session: Session, rows: list[dict]) -> None:
    """Insert reminder rows; a row whose key exists and was cancelled comes back to life
    (re-planned to the same moment), while a row that already fired is left alone, so
    re-planning never sends anything twice."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        # Built once per dialect: ``excluded`` alone costs milliseconds to set up.
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(reminders_t)
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"status": "pending", "due_at": statement.excluded.due_at},
            where=reminders_t.c.status == "cancelled",
        )
        statement = _UPSERTS[dialect] = direct.Direct(statement)
    direct.defer_many(session, statement, rows)


def cancel_reminders(session: Session, task_ids: list[int]) -> None:
    if task_ids:
        direct.defer(session, _CANCEL_REMINDERS, {"task_ids": list(task_ids)})


def close_open_tasks(
    session: Session,
    case_id: int,
    *,
    done_task_id: int | None,
    outcome: str,
    actor_id: int | None,
    acting_for: int | None,
    now: dt.datetime,
    events: list[Event],
    only_ids: list[int] | None = None,
    state: str | None = None,
    known_open: list[int] | None = None,
) -> list[int]:
    """Close the case's open tasks: ``done_task_id`` as done, the rest as cancelled.

    ``state`` limits it to the tasks of the state being left: tasks a service opened outside
    the workflow (a meeting decision's follow-up) live on across transitions.

    ``known_open``: the ids of exactly the tasks this would close, as the caller read them
    under the case's row lock (``lock_case_with_tasks``). Nothing can have opened or closed
    one since, so the UPDATE is held back (``direct.defer``) instead of waited for.
    """
    if only_ids is not None and not only_ids:
        return []
    params = {
        "b_case_id": case_id,
        "b_done_id": done_task_id,
        "b_outcome": outcome,
        "b_now": now,
        "b_actor_id": actor_id,
        "b_acting_for": acting_for,
    }
    if only_ids is not None:
        params["b_only_ids"] = list(only_ids)
    if state is not None:
        params["b_state"] = state
    # One UPDATE … RETURNING closes them all (done or cancelled per row) instead of a SELECT
    # and an UPDATE per task; the case row lock the caller holds keeps the set stable.
    if known_open is not None:
        if not known_open:
            return []
        params["b_only_ids"] = list(known_open)
        direct.defer(session, _closing_statement(True, state is not None), params)
        closed = [(i, "done" if i == done_task_id else "cancelled") for i in sorted(known_open)]
    else:
        statement = _closing_statement(only_ids is not None, state is not None)
        closed = sorted(direct.run(session, statement, params).rows)
    if not closed:
        return []
    for task_id, status in closed:
        events.append(TaskClosed(task_id, case_id, status, outcome))
    open_ids = [task_id for task_id, _status in closed]
    cancel_reminders(session, open_ids)
    return open_ids


def _closing_statement(by_ids: bool, by_state: bool) -> direct.Direct:
    key = (by_ids, by_state)
    statement = _CLOSINGS.get(key)
    if statement is None:
        is_done = tasks_t.c.id == bindparam("b_done_id")
        statement = (
            update(tasks_t)
            .where(tasks_t.c.case_id == bindparam("b_case_id"), tasks_t.c.status == "open")
            .values(
                status=case((is_done, "done"), else_="cancelled"),
                outcome=bindparam("b_outcome"),
                closed_at=bindparam("b_now"),
                closed_by=case(
                    (is_done, bindparam("b_actor_id", type_=tasks_t.c.closed_by.type)), else_=None
                ),
                acting_for=case(
                    (is_done, bindparam("b_acting_for", type_=tasks_t.c.acting_for.type)),
                    else_=None,
                ),
            )
            .returning(tasks_t.c.id, tasks_t.c.status)
        )
        if by_ids:
            statement = statement.where(tasks_t.c.id.in_(bindparam("b_only_ids", expanding=True)))
        if by_state:
            statement = statement.where(tasks_t.c.state == bindparam("b_state"))
        statement = _CLOSINGS[key] = direct.Direct(statement)
    return statement


def actor_task(
    session: Session,
    definition: Definition,
    case: CaseRow,
    actor: Actor,
    role_hint: str | None = None,
    round_id: int | None = None,
):
    """The open task of this case the actor (or whom she substitutes) is working on.

    Prefers a task assigned to one of her principals, then a queue task whose role she holds.
    Returns ``(task_row, principal)`` or ``(None, None)``.
    """
    params = {"case_id": case.id, "state": case.state}
    if round_id is not None:
        params["round_id"] = round_id
    query = _ACTOR_TASKS if round_id is None else _ACTOR_TASKS_IN_ROUND
    open_rows = direct.run(session, query, params).rows
    return pick_actor_task(definition, case, actor, open_rows, role_hint)


def pick_actor_task(
    definition: Definition, case: CaseRow, actor: Actor, open_rows, role_hint: str | None = None
):
    """``actor_task``'s choice among rows already read (ordered by id)."""
    principals = actor.principals()
    for principal in principals:
        for row in open_rows:
            if row.assignee_id == principal.user_id:
                return row, principal
    for principal in principals:
        for row in open_rows:
            if (
                row.assignee_id is None
                and role_in_scope(definition, row.role, principal, case)
                and (role_hint is None or row.role == role_hint)
            ):
                return row, principal
    return None, None


# --- services -------------------------------------------------------------------------------


def _load_task(engine: Engine, session: Session, task_id: int, actor: Actor):
    row = session.execute(
        select(tasks_t).where(tasks_t.c.id == task_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"Task {task_id} not found.")
    case = lock_case(session, row.case_id, for_update=False)
    if case is None or not can_view(actor, case):
        raise NotFound(f"Task {task_id} not found.")
    version = engine.catalog.get(case.definition_id, session)
    return row, case, version.definition


def claim_task(engine: Engine, task_id: int, actor: Actor) -> int:
    """Take a queue task into "my tasks". Exactly one of several simultaneous claims wins."""
    now = engine.clock.now()
    with engine.uow() as uow:
        row, case, definition = _load_task(engine, uow.session, task_id, actor)
        if row.status != "open":
            raise Conflict("This task is already closed.")
        if not any(role_in_scope(definition, row.role, p, case) for p in actor.principals()):
            raise PermissionDenied("You do not hold the role this task is waiting for.")
        if row.assignee_id == actor.user_id:
            return task_id
        result = uow.session.execute(
            update(tasks_t)
            .where(
                tasks_t.c.id == task_id, tasks_t.c.assignee_id.is_(None), tasks_t.c.status == "open"
            )
            .values(assignee_id=actor.user_id)
        )
        if result.rowcount != 1:
            raise Conflict("Someone else has already claimed this task.")
        dispatch(
            engine.handlers,
            uow.session,
            now,
            [TaskAssigned(task_id, case.id, actor.user_id, actor.user_id)],
        )
        uow.commit()
    return task_id


def release_task(engine: Engine, task_id: int, actor: Actor) -> int:
    """Put a task I claimed back into its queue."""
    with engine.uow() as uow:
        row, _case, _definition = _load_task(engine, uow.session, task_id, actor)
        if row.status != "open":
            raise Conflict("This task is already closed.")
        if row.assignee_id != actor.user_id:
            raise PermissionDenied("Only the person holding a task can release it.")
        uow.session.execute(update(tasks_t).where(tasks_t.c.id == task_id).values(assignee_id=None))
        uow.commit()
    return task_id


def reassign_task(engine: Engine, task_id: int, actor: Actor, assignee_id: int) -> int:
    """A coordinator or supervisor hands a task to a named person who holds its role."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        row, case, definition = _load_task(engine, session, task_id, actor)
        if row.status != "open":
            raise Conflict("This task is already closed.")
        if not can_reassign(definition, actor, row.role, case):
            raise PermissionDenied("You may not reassign this task.")
        target = session.execute(
            select(User.id, User.org_id).where(User.id == assignee_id, User.is_active.is_(True))
        ).one_or_none()
        if target is None:
            raise NotFound(f"User {assignee_id} not found.")
        holds_role = session.scalar(
            select(UserRole.id).where(UserRole.user_id == assignee_id, UserRole.role == row.role)
        )
        if not holds_role or (row.org_id is not None and target.org_id != row.org_id):
            raise Conflict(
                "That person does not hold the role this task needs in the right organization."
            )
        session.execute(
            update(tasks_t).where(tasks_t.c.id == task_id).values(assignee_id=assignee_id)
        )
        dispatch(
            engine.handlers,
            session,
            now,
            [TaskAssigned(task_id, case.id, assignee_id, actor.user_id)],
        )
        uow.commit()
    return task_id
