"""The approver's inbox: *My tasks*, *Claimable* (my roles' queues) and *Done*.

``counts`` is one statement, ``tasks`` one more; with the two of authentication the inbox page
stays at four (five when the actor substitutes for someone and the page names her).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from workflow.persistence.models import Case, SlaClock, Task, User
from workflow.policy import Actor
from workflow.queries import prepared
from workflow.queries.aliases import ACTING_FOR, ASSIGNEE, OWNER, REGION
from workflow.queries.visibility import (
    claimable_tasks_condition,
    claimable_tasks_params,
    claimable_tasks_shape,
    my_open_tasks_condition,
    my_open_tasks_params,
)

TABS = ("mine", "claimable", "done")


@dataclass(frozen=True)
class InboxCounts:
    mine: int
    claimable: int
    done: int


@dataclass(frozen=True)
class InboxTask:
    id: int
    case_id: int
    case_title: str
    case_kind: str
    definition_id: int
    case_state: str
    case_version: int
    task_state: str
    role: str
    org_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    owner_name: str
    owner_name_en: str | None
    region_calendar: str | None
    due_on: dt.date | None
    paused: bool
    status: str
    outcome: str | None
    closed_at: dt.datetime | None
    acting_for_name: str | None
    acting_for_id: int | None  # whose task it was, when someone else closed it
    # Why the task opened already overdue (``workflow.services.overdue``); None when in time.
    overdue_reason: dict | None = None


def _done_condition():
    return (Task.status == "done") & (Task.closed_by == bindparam("user_id"))


def _params(actor: Actor) -> dict:
    return {
        "user_id": actor.user_id,
        **my_open_tasks_params(actor),
        **claimable_tasks_params(actor),
    }


# The statements are built once per shape of actor (how many of her principals hold roles) and
# kept: building one costs about as much as running it, and every inbox view runs both.
@lru_cache(maxsize=64)
def _counts_statement(holders: int):
    def count(condition):
        return select(func.count()).select_from(Task).where(condition).scalar_subquery()

    return select(
        count(my_open_tasks_condition()),
        count(claimable_tasks_condition(holders)),
        count(_done_condition()),
    )


@lru_cache(maxsize=64)
def _tasks_statement(tab: str, holders: int):
    paused = exists().where(SlaClock.case_id == Task.case_id, SlaClock.status == "paused")
    query = (
        select(
            Task.id,
            Task.case_id,
            Case.title,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.version,
            Task.state,
            Task.role,
            Task.org_id,
            Task.assignee_id,
            ASSIGNEE.full_name,
            OWNER.name_ru,
            OWNER.name_en,
            REGION.calendar_code,
            Task.due_on,
            paused,
            Task.status,
            Task.outcome,
            Task.closed_at,
            ACTING_FOR.full_name,
            Task.acting_for,
            Task.overdue_reason,
        )
        .join(Case, Case.id == Task.case_id)
        .join(OWNER, OWNER.id == Case.owner_org_id)
        .outerjoin(REGION, REGION.id == Case.region_id)
        .outerjoin(ASSIGNEE, ASSIGNEE.id == Task.assignee_id)
        .outerjoin(ACTING_FOR, ACTING_FOR.id == Task.acting_for)
    )
    if tab == "done":
        query = query.where(_done_condition()).order_by(Task.closed_at.desc(), Task.id.desc())
    else:
        condition = (
            my_open_tasks_condition() if tab == "mine" else claimable_tasks_condition(holders)
        )
        query = query.where(condition).order_by(Task.due_on.is_(None), Task.due_on, Task.id)
    return query.limit(bindparam("limit")).offset(bindparam("offset"))


def counts(session: Session, actor: Actor) -> InboxCounts:
    """One statement: three scalar subqueries."""
    statement = _counts_statement(claimable_tasks_shape(actor))
    row = prepared.one(session, statement, **_params(actor))
    return InboxCounts(*(int(v or 0) for v in row))


def tasks(
    session: Session, actor: Actor, tab: str, *, limit: int = 50, offset: int = 0
) -> list[InboxTask]:
    """One statement: the tab's tasks, open ones by due date (undated last), done ones newest
    first."""
    statement = _tasks_statement(tab, claimable_tasks_shape(actor))
    params = {**_params(actor), "limit": limit, "offset": offset}
    rows = prepared.rows(session, statement, **params)
    return [InboxTask(*row) for row in rows]


def names(session: Session, user_ids: list[int]) -> dict[int, str]:
    """Full names of a few users (one statement; none when the list is empty)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(user_ids))
    )
    return {r.id: r.full_name or r.username for r in rows}
