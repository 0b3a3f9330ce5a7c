"""Read queries for the API's directory endpoints: organizations, users, substitutions, and the
webhook delivery log. Plain selects returning plain data; one statement each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.meetings import MeetingDecision
from workflow.persistence.models import Organization, OutboxMessage, Substitution, User, UserRole
from workflow.queries.cases import text_match


@dataclass(frozen=True)
class OrgRow:
    id: int
    code: str
    kind: str
    name_ru: str
    name_en: str | None
    name_native: str | None
    parent_id: int | None
    country: str | None
    level: str | None
    calendar_code: str | None
    timezone: str
    is_active: bool


def organizations(
    session: Session,
    *,
    kind: str | None = None,
    parent_id: int | None = None,
    q: str | None = None,
    code: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[OrgRow]:
    query = select(
        Organization.id,
        Organization.code,
        Organization.kind,
        Organization.name_ru,
        Organization.name_en,
        Organization.name_native,
        Organization.parent_id,
        Organization.country,
        Organization.level,
        Organization.calendar_code,
        Organization.timezone,
        Organization.is_active,
    )
    if kind:
        query = query.where(Organization.kind == kind)
    if parent_id:
        query = query.where(Organization.parent_id == parent_id)
    if code:
        query = query.where(Organization.code == code)
    if q and q.strip():
        query = query.where(
            text_match(session, [Organization.name_ru, Organization.name_en, Organization.code], q)
        )
    if after_id:
        query = query.where(Organization.id > after_id)
    rows = session.execute(query.order_by(Organization.id).limit(limit)).all()
    return [OrgRow(*r) for r in rows]


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    email: str | None
    position: str | None
    org_id: int
    language: str
    notify_mode: str
    is_active: bool
    created_at: dt.datetime
    roles: list[str]


def users(
    session: Session,
    *,
    user_id: int | None = None,
    org_id: int | None = None,
    role: str | None = None,
    q: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[UserRow]:
    """One statement: users with their roles aggregated."""
    roles = (
        select(func.coalesce(func.string_agg(UserRole.role, ","), ""))
        if session.get_bind().dialect.name == "postgresql"
        else select(func.coalesce(func.group_concat(UserRole.role, ","), ""))
    ).where(UserRole.user_id == User.id)
    query = select(
        User.id,
        User.username,
        User.full_name,
        User.email,
        User.position,
        User.org_id,
        User.language,
        User.notify_mode,
        User.is_active,
        User.created_at,
        roles.scalar_subquery(),
    )
    if user_id:
        query = query.where(User.id == user_id)
    if org_id:
        query = query.where(User.org_id == org_id)
    if role:
        query = query.where(
            select(UserRole.id).where(UserRole.user_id == User.id, UserRole.role == role).exists()
        )
    if q and q.strip():
        query = query.where(text_match(session, [User.username, User.full_name], q))
    if after_id:
        query = query.where(User.id > after_id)
    rows = session.execute(query.order_by(User.id).limit(limit)).all()
    return [UserRow(*r[:-1], sorted(filter(None, (r[-1] or "").split(",")))) for r in rows]


@dataclass(frozen=True)
class SubstitutionRow:
    id: int
    user_id: int
    substitute_id: int
    starts_on: dt.date
    ends_on: dt.date
    created_at: dt.datetime
    revoked: bool


def substitutions(
    session: Session, user_id: int | None, *, substitution_id: int | None = None
) -> list[SubstitutionRow]:
    """Substitutions given or received by ``user_id`` (every one when None), newest first."""
    query = select(
        Substitution.id,
        Substitution.user_id,
        Substitution.substitute_id,
        Substitution.starts_on,
        Substitution.ends_on,
        Substitution.created_at,
        Substitution.revoked,
    )
    if user_id is not None:
        query = query.where(
            or_(Substitution.user_id == user_id, Substitution.substitute_id == user_id)
        )
    if substitution_id is not None:
        query = query.where(Substitution.id == substitution_id)
    rows = session.execute(query.order_by(Substitution.id.desc()).limit(500)).all()
    return [SubstitutionRow(*r) for r in rows]


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    delivery_id: str
    event: str
    url: str | None
    case_id: int | None
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None


def webhook_deliveries(
    session: Session, subscription_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[DeliveryRow]:
    """The outbox rows queued for one subscription, newest first (keyset on the row id).

    The idempotency key starts with ``webhook:<id>:`` (``workflow.services.webhooks``); the
    colon after the id keeps subscription 1 from matching 12.
    """
    query = select(
        OutboxMessage.id,
        OutboxMessage.message_id,
        OutboxMessage.template,
        OutboxMessage.recipient,
        OutboxMessage.case_id,
        OutboxMessage.status,
        OutboxMessage.attempts,
        OutboxMessage.last_error,
        OutboxMessage.created_at,
        OutboxMessage.next_attempt_at,
        OutboxMessage.sent_at,
    ).where(
        OutboxMessage.channel == "webhook",
        OutboxMessage.idempotency_key.like(f"webhook:{int(subscription_id)}:%"),
    )
    if before_id:
        query = query.where(OutboxMessage.id < before_id)
    rows = session.execute(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()
    return [DeliveryRow(*r) for r in rows]


def decision_meeting(session: Session, decision_id: int) -> int | None:
    """The meeting whose minutes hold a decision."""
    return session.scalar(
        select(MeetingDecision.meeting_id).where(MeetingDecision.id == decision_id)
    )
