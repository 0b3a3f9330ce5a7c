"""Who may do what: the permission policy. Denies by default.

Guards answer "is the case ready?"; this module answers "may this person do it?". A role is
scoped by the holder's organization (see ``RoleSpec``). A user acting as a substitute for an
absent colleague may also act with the colleague's roles; the audit then records "B acting for A".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.definitions.model import Definition, TransitionSpec
from workflow.errors import NotFound
from workflow.persistence.models import Organization, Substitution, User, UserRole

ADMIN = "admin"
COORDINATOR = "coordinator"  # the coordinating agency: sees everything, may reassign any task
GLOBAL_VIEW_KINDS = ("federal_body",)


class CaseLike(Protocol):
    owner_org_id: int
    region_id: int | None


@dataclass(frozen=True)
class Principal:
    """One identity a person can act as: herself, or a colleague she substitutes for."""

    user_id: int
    org_id: int
    org_kind: str
    region_id: int | None  # the region of the organization (itself, or a municipality's parent)
    roles: frozenset[str]


@dataclass(frozen=True)
class Actor:
    me: Principal
    substituting: tuple[Principal, ...] = ()
    language: str = "ru"
    username: str = ""

    @property
    def user_id(self) -> int:
        return self.me.user_id

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.me.roles

    def principals(self) -> tuple[Principal, ...]:
        return (self.me, *self.substituting)


def role_in_scope(definition: Definition, role: str, principal: Principal, case: CaseLike) -> bool:
    """Does ``principal`` hold ``role`` for this case, given the role's scope?"""
    if role not in principal.roles:
        return False
    spec = definition.roles.get(role)
    if spec is None:
        return False
    if spec.scope == "global":
        return True
    if spec.scope == "party":
        return principal.org_id == case.owner_org_id
    if spec.scope == "region":
        return case.region_id is not None and principal.org_id == case.region_id
    return False


def task_scope_org(definition: Definition, role: str, case: CaseLike) -> int | None:
    """The organization whose holders of ``role`` may claim a task of this case (None: any)."""
    spec = definition.roles[role]
    if spec.scope == "party":
        return case.owner_org_id
    if spec.scope == "region":
        return case.region_id
    return None


def authorize_transition(
    definition: Definition, candidates: list[TransitionSpec], actor: Actor, case: CaseLike
) -> tuple[Principal, str] | None:
    """The principal (the actor first, then whom she substitutes) and role allowed to fire.

    Returns None when nobody the actor can act as holds a permitted role in scope.
    """
    for principal in actor.principals():
        for spec in candidates:
            for role in spec.roles:
                if role_in_scope(definition, role, principal, case):
                    return principal, role
    return None


def can_start(definition: Definition, actor: Actor, owner_org_id: int) -> bool:
    return any(
        role in actor.me.roles
        and (definition.roles[role].scope == "global" or actor.me.org_id == owner_org_id)
        for role in definition.start_roles
        if role in definition.roles
    )


def can_view(actor: Actor, case: CaseLike) -> bool:
    """Read access: the case's own organization, its region, federal bodies, admins."""
    if actor.is_admin:
        return True
    for principal in actor.principals():
        if principal.org_kind in GLOBAL_VIEW_KINDS:
            return True
        if principal.org_id in (case.owner_org_id, case.region_id):
            return True
    return False


def can_reassign(definition: Definition, actor: Actor, task_role: str, case: CaseLike) -> bool:
    """Admins, the coordinating agency, and the supervisor role of the task's role (in scope)."""
    if actor.is_admin or COORDINATOR in actor.me.roles:
        return True
    spec = definition.roles.get(task_role)
    if spec is None or spec.supervisor is None:
        return False
    return role_in_scope(definition, spec.supervisor, actor.me, case)


def _principal(user: User, org: Organization, roles: frozenset[str]) -> Principal:
    region_id = (
        org.id if org.kind == "region" else (org.parent_id if org.kind == "municipality" else None)
    )
    return Principal(user.id, org.id, org.kind, region_id, roles)


def load_actor(session: Session, user_id: int, today: dt.date) -> Actor:
    """The actor for ``user_id`` on ``today``, with everyone she substitutes for that day."""
    row = session.execute(
        select(User, Organization)
        .join(Organization, User.org_id == Organization.id)
        .where(User.id == user_id, User.is_active.is_(True))
    ).one_or_none()
    if row is None:
        raise NotFound(f"User {user_id} does not exist or is inactive.")
    user, org = row
    roles = frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    substituted = []
    absent_rows = session.execute(
        select(User, Organization)
        .join(Substitution, Substitution.user_id == User.id)
        .join(Organization, User.org_id == Organization.id)
        .where(
            Substitution.substitute_id == user_id,
            Substitution.revoked.is_(False),
            Substitution.starts_on <= today,
            Substitution.ends_on >= today,
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()
    for absent, absent_org in absent_rows:
        absent_roles = frozenset(
            session.scalars(select(UserRole.role).where(UserRole.user_id == absent.id))
        ) - {ADMIN}
        substituted.append(_principal(absent, absent_org, absent_roles))
    return Actor(_principal(user, org, roles), tuple(substituted), user.language, user.username)
