"""Which cases and tasks an actor sees, as SQL conditions mirroring ``workflow.policy``.

``can_view``: admins and federal bodies see every case; anyone else sees the cases whose owner or
region is the organization of one of her principals (herself, or whom she substitutes today).
A queue task can be claimed by a principal holding its role, in its organization (or anywhere
when the task's organization is NULL, i.e. a global role).

``visible_cases(actor)`` puts the actor's values into the expression. The ``*_condition`` /
``*_params`` pairs split them for the pages people open all day (inbox, region page): the
condition is built from the actor's *shape* alone (how many of her principals hold roles,
whether she sees everything) with bound parameters, so the whole statement can be built once
per shape and cached, and the values go in at execution. Building a SELECT costs about as much
as running it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, true

from workflow.persistence.models import Case, Task
from workflow.policy import GLOBAL_VIEW_KINDS, Actor, Principal


def sees_everything(actor: Actor) -> bool:
    return actor.is_admin or any(p.org_kind in GLOBAL_VIEW_KINDS for p in actor.principals())


def _orgs(actor: Actor) -> list[int]:
    return sorted({p.org_id for p in actor.principals()})


def _owned_or_in_region_of(orgs) -> ColumnElement[bool]:
    return or_(Case.owner_org_id.in_(orgs), Case.region_id.in_(orgs))


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    if sees_everything(actor):
        return true()
    return _owned_or_in_region_of(_orgs(actor))


def _queue_holders(actor: Actor) -> list[Principal]:
    return [p for p in actor.principals() if p.roles]


# --- as bound parameters, per shape --------------------------------------------------------------


def visible_cases_shape(actor: Actor | None) -> bool:
    """True when the condition restricts (the actor does not see everything)."""
    return actor is not None and not sees_everything(actor)


def visible_cases_condition(restricted: bool) -> ColumnElement[bool]:
    if not restricted:
        return true()
    return _owned_or_in_region_of(bindparam("visible_orgs", expanding=True))


def visible_cases_params(actor: Actor | None) -> dict:
    return {"visible_orgs": _orgs(actor)} if visible_cases_shape(actor) else {}


def claimable_tasks_shape(actor: Actor) -> int:
    """How many of the actor's principals hold roles (each adds one clause)."""
    return len(_queue_holders(actor))


def claimable_tasks_condition(holders: int) -> ColumnElement[bool]:
    if not holders:
        return false()
    clauses = [
        and_(
            Task.role.in_(bindparam(f"queue_roles_{i}", expanding=True)),
            or_(Task.org_id.is_(None), Task.org_id == bindparam(f"queue_org_{i}")),
        )
        for i in range(holders)
    ]
    return and_(Task.status == "open", Task.assignee_id.is_(None), or_(*clauses))


def claimable_tasks_params(actor: Actor) -> dict:
    params = {}
    for i, principal in enumerate(_queue_holders(actor)):
        params[f"queue_roles_{i}"] = sorted(principal.roles)
        params[f"queue_org_{i}"] = principal.org_id
    return params


def my_open_tasks_condition() -> ColumnElement[bool]:
    return and_(
        Task.status == "open", Task.assignee_id.in_(bindparam("principals", expanding=True))
    )


def my_open_tasks_params(actor: Actor) -> dict:
    return {"principals": [p.user_id for p in actor.principals()]}
