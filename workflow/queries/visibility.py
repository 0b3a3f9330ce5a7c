"""Which cases and tasks an actor sees, as SQL conditions mirroring ``workflow.policy``.

``can_view``: admins and federal bodies see every case; anyone else sees the cases whose owner or
region is the organization of one of her principals (herself, or whom she substitutes today).
A queue task can be claimed by a principal holding its role, in its organization (or anywhere
when the task's organization is NULL, i.e. a global role).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from workflow.persistence.models import Case, Task
from workflow.policy import GLOBAL_VIEW_KINDS, Actor


def sees_everything(actor: Actor) -> bool:
    return actor.is_admin or any(p.org_kind in GLOBAL_VIEW_KINDS for p in actor.principals())


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    if sees_everything(actor):
        return true()
    orgs = sorted({p.org_id for p in actor.principals()})
    return or_(Case.owner_org_id.in_(orgs), Case.region_id.in_(orgs))


def principal_ids(actor: Actor) -> list[int]:
    return [p.user_id for p in actor.principals()]


def claimable_tasks(actor: Actor) -> ColumnElement[bool]:
    """Open, unassigned tasks in the queues of the actor's roles (and her absent colleagues')."""
    clauses = [
        and_(
            Task.role.in_(sorted(p.roles)),
            or_(Task.org_id.is_(None), Task.org_id == p.org_id),
        )
        for p in actor.principals()
        if p.roles
    ]
    if not clauses:
        return false()
    return and_(Task.status == "open", Task.assignee_id.is_(None), or_(*clauses))


def my_open_tasks(actor: Actor) -> ColumnElement[bool]:
    return and_(Task.status == "open", Task.assignee_id.in_(principal_ids(actor)))
