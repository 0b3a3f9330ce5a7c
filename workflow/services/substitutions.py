"""Substitution during absence: user A hands her tasks to colleague B between two dates.

While it is in effect B sees A's tasks, may act with A's roles, and the audit records
"B acting for A". Substitutes must belong to the same organization: a ministry official cannot
hand a ministry's review to someone outside it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from workflow.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workflow.persistence.models import Substitution, User
from workflow.policy import Actor

if TYPE_CHECKING:
    from workflow.engine import Engine

subs_t = Substitution.__table__
MAX_DAYS = 366


def set_substitution(
    engine: Engine,
    actor: Actor,
    substitute_id: int,
    starts_on: dt.date,
    ends_on: dt.date,
    user_id: int | None = None,
) -> int:
    """Record that ``user_id`` (default: the actor) is replaced by ``substitute_id``.

    Only the absent person herself or an admin may set it. Overlapping periods are refused.
    """
    user_id = user_id or actor.user_id
    if user_id != actor.user_id and not actor.is_admin:
        raise PermissionDenied("You may only set a substitute for yourself.")
    if ends_on < starts_on:
        raise InvalidInput(
            "The end date is before the start date.",
            {"ends_on": "Must be on or after the start date."},
        )
    if (ends_on - starts_on).days > MAX_DAYS:
        raise InvalidInput(
            "A substitution may last at most a year.",
            {"ends_on": "At most 366 days after the start."},
        )
    if substitute_id == user_id:
        raise InvalidInput(
            "Choose a colleague, not yourself.", {"substitute_id": "Must be another person."}
        )
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        people = dict(
            session.execute(
                select(User.id, User.org_id).where(
                    User.id.in_([user_id, substitute_id]), User.is_active.is_(True)
                )
            ).all()
        )
        if user_id not in people:
            raise NotFound(f"User {user_id} not found.")
        if substitute_id not in people:
            raise NotFound(f"User {substitute_id} not found.")
        if people[user_id] != people[substitute_id]:
            raise InvalidInput(
                "The substitute must work in the same organization.",
                {"substitute_id": "Not a colleague in your organization."},
            )
        overlap = session.scalar(
            select(subs_t.c.id).where(
                subs_t.c.user_id == user_id,
                subs_t.c.revoked.is_(False),
                subs_t.c.starts_on <= ends_on,
                subs_t.c.ends_on >= starts_on,
            )
        )
        if overlap is not None:
            raise Conflict("Another substitution already covers part of these dates.")
        new_id = session.scalar(
            insert(subs_t)
            .returning(subs_t.c.id)
            .values(
                user_id=user_id,
                substitute_id=substitute_id,
                starts_on=starts_on,
                ends_on=ends_on,
                created_at=now,
                revoked=False,
            )
        )
        uow.commit()
    return new_id


def revoke_substitution(engine: Engine, actor: Actor, substitution_id: int) -> None:
    with engine.uow() as uow:
        row = uow.session.execute(select(subs_t).where(subs_t.c.id == substitution_id)).first()
        if row is None:
            raise NotFound(f"Substitution {substitution_id} not found.")
        if row.user_id != actor.user_id and not actor.is_admin:
            raise PermissionDenied("Only the absent person or an admin may end a substitution.")
        uow.session.execute(
            update(subs_t).where(subs_t.c.id == substitution_id).values(revoked=True)
        )
        uow.commit()
