"""Administration of people and organizations, for administrators only: create a user, change
her roles, deactivate or reactivate her, set a new password, import organizations from CSV.

Each function is one unit of work. Deactivating a user, or setting her password, ends all her
sessions and remember-me cookies (``workflow.services.user_sessions``): reactivating her later
does not bring them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.passwords import hash_password, password_problem
from workflow.persistence.models import User, UserRole
from workflow.policy import Actor
from workflow.services.orgs import ImportSummary, import_organizations
from workflow.services.people import create_user
from workflow.services.user_sessions import revoke_all

if TYPE_CHECKING:
    from workflow.engine import Engine

ROLE = re.compile(r"^[a-z][a-z0-9_]*$")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only administrators may manage users and organizations.")


def add_user(engine: Engine, actor: Actor, username: str, org_code: str, roles, **details) -> int:
    _require_admin(actor)
    with engine.uow() as uow:
        user = create_user(uow.session, engine.clock, username, org_code, roles, **details)
        uow.commit()
        return user.id


def set_roles(engine: Engine, actor: Actor, user_id: int, roles: Iterable[str]) -> None:
    _require_admin(actor)
    wanted = sorted({r.strip() for r in roles if r.strip()})
    bad = [r for r in wanted if not ROLE.match(r) or len(r) > 64]
    if bad:
        raise InvalidInput(f"Not role names: {', '.join(bad)}.", {"roles": "Invalid role name."})
    if user_id == actor.user_id and "admin" not in wanted:
        raise InvalidInput(
            "You cannot take the administrator role away from yourself.",
            {"roles": "Keep 'admin' on your own account."},
        )
    with engine.uow() as uow:
        if uow.session.scalar(select(User.id).where(User.id == user_id)) is None:
            raise NotFound(f"User {user_id} not found.")
        uow.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        if wanted:
            uow.session.execute(insert(UserRole), [{"user_id": user_id, "role": r} for r in wanted])
        uow.commit()


def set_active(engine: Engine, actor: Actor, user_id: int, active: bool) -> None:
    _require_admin(actor)
    if user_id == actor.user_id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    with engine.uow() as uow:
        changed = uow.session.execute(
            update(User).where(User.id == user_id).values(is_active=active)
        ).rowcount
        if changed != 1:
            raise NotFound(f"User {user_id} not found.")
        if not active:
            revoke_all(uow.session, engine.clock, user_id)
        uow.commit()


def set_password(engine: Engine, actor: Actor, user_id: int, password: str) -> None:
    _require_admin(actor)
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, {"password": problem})
    with engine.uow() as uow:
        changed = uow.session.execute(
            update(User).where(User.id == user_id).values(password_hash=hash_password(password))
        ).rowcount
        if changed != 1:
            raise NotFound(f"User {user_id} not found.")
        revoke_all(uow.session, engine.clock, user_id)
        uow.commit()


def import_orgs(engine: Engine, actor: Actor, text: str, source: str) -> ImportSummary:
    """All or nothing; raises ``workflow.services.orgs.ImportRefused`` with line numbers."""
    _require_admin(actor)
    with engine.uow() as uow:
        summary = import_organizations(uow.session, text, source)
        uow.commit()
    return summary
