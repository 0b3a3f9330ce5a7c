"""Who may do what: the permission policy. Denies by default.

Guards answer "is the case ready?"; this module answers "may this person do it?". A role is
scoped by the holder's organization (see ``RoleSpec``). A user acting as a substitute for an
absent colleague may also act with the colleague's roles; the audit then records "B acting for A".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from workflow.definitions.model import Definition, TransitionSpec
from workflow.errors import NotFound
from workflow.persistence.models import Organization, Substitution, User, UserRole
from workflow.persistence.user_sessions import UserSession
from workflow.queries import prepared

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


def _region_of(org_id: int, kind: str, parent_id: int | None) -> int | None:
    if kind == "region":
        return org_id
    return parent_id if kind == "municipality" else None


@dataclass(frozen=True)
class UserRecord:
    """The columns of a user row that sign-in and pages need, loaded with the actor."""

    id: int
    username: str
    full_name: str
    language: str
    org_id: int
    password_hash: str | None
    notify_mode: str
    timezone: str = "Europe/Moscow"  # her organization's: the zone her pages show times in


# Built once: every page loads its user with these two statements (see
# ``workflow.queries.prepared``).
_USER_WITH_ROLES = (
    select(
        User.id,
        User.username,
        User.full_name,
        User.language,
        User.org_id,
        User.password_hash,
        User.notify_mode,
        Organization.kind,
        Organization.parent_id,
        Organization.timezone,
        UserRole.role,
    )
    .join(Organization, User.org_id == Organization.id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"), User.is_active.is_(True))
)
# The same, only through a live sign-in session (``workflow.services.user_sessions``): checking
# the session costs no statement of its own.
_USER_IN_SESSION = (
    _USER_WITH_ROLES.add_columns(
        UserSession.id.label("session_id"), UserSession.last_seen_at.label("session_seen_at")
    )
    .join(
        UserSession,
        and_(UserSession.user_id == User.id, UserSession.token_hash == bindparam("token_hash")),
    )
    .where(UserSession.revoked_at.is_(None), UserSession.expires_at > bindparam("now"))
)
_ABSENT_COLLEAGUES = (
    select(User.id, User.org_id, Organization.kind, Organization.parent_id, UserRole.role)
    .join(Substitution, Substitution.user_id == User.id)
    .join(Organization, User.org_id == Organization.id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(
        Substitution.substitute_id == bindparam("user_id"),
        Substitution.revoked.is_(False),
        Substitution.starts_on <= bindparam("today"),
        Substitution.ends_on >= bindparam("today"),
        User.is_active.is_(True),
    )
    .order_by(User.id)
)


def load_actor_with_user(
    session: Session, user_id: int, today: dt.date
) -> tuple[Actor, UserRecord]:
    """The actor for ``user_id`` on ``today`` in two SQL statements: the user with her
    organization and roles, then everyone she substitutes for that day with theirs.

    Pages call this once per request; keeping it to two statements keeps every page within its
    budget of five.
    """
    rows = prepared.rows(session, _USER_WITH_ROLES, user_id=user_id)
    if not rows:
        raise NotFound(f"User {user_id} does not exist or is inactive.")
    return _actor_from(session, rows, user_id, today)


def load_actor_in_session(
    session: Session, user_id: int, token_hash: str, now: dt.datetime, today: dt.date
) -> tuple[Actor, UserRecord, int, dt.datetime] | None:
    """As ``load_actor_with_user``, for a request that names the sign-in session whose token
    hashes to ``token_hash``: (actor, record, session id, session last seen), or None when the
    user is unknown or inactive or the session is not hers, revoked or expired at ``now``. Still
    two statements."""
    rows = prepared.rows(session, _USER_IN_SESSION, user_id=user_id, token_hash=token_hash, now=now)
    if not rows:
        return None
    actor, record = _actor_from(session, rows, user_id, today)
    return actor, record, rows[0].session_id, rows[0].session_seen_at


def _actor_from(session: Session, rows, user_id: int, today: dt.date) -> tuple[Actor, UserRecord]:
    first = rows[0]
    record = UserRecord(
        first.id,
        first.username,
        first.full_name,
        first.language,
        first.org_id,
        first.password_hash,
        first.notify_mode,
        first.timezone,
    )
    roles = frozenset(r.role for r in rows if r.role)
    me = Principal(
        first.id,
        first.org_id,
        first.kind,
        _region_of(first.org_id, first.kind, first.parent_id),
        roles,
    )
    absent_rows = prepared.rows(session, _ABSENT_COLLEAGUES, user_id=user_id, today=today)
    absent: dict[int, Principal] = {}
    for row in absent_rows:
        known = absent.get(row.id)
        roles_so_far = known.roles if known else frozenset()
        if row.role and row.role != ADMIN:  # admin rights are never delegated
            roles_so_far = roles_so_far | {row.role}
        absent[row.id] = Principal(
            row.id,
            row.org_id,
            row.kind,
            _region_of(row.org_id, row.kind, row.parent_id),
            roles_so_far,
        )
    actor = Actor(me, tuple(absent.values()), first.language, first.username)
    return actor, record


def load_actor(session: Session, user_id: int, today: dt.date) -> Actor:
    """The actor for ``user_id`` on ``today``, with everyone she substitutes for that day."""
    return load_actor_with_user(session, user_id, today)[0]
