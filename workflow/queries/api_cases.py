"""Read queries the REST API needs beyond the pages': the case list with keyset pagination and
the audit history with the people's ids. Plain selects returning plain data; visibility is the
pages' rule (``workflow.queries.visibility``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.models import AuditEvent, Case, Task
from workflow.policy import Actor
from workflow.queries.aliases import ACTING_FOR, ACTOR, OWNER, REGION
from workflow.queries.cases import has_overdue_task, is_overdue, text_match
from workflow.queries.visibility import visible_cases


@dataclass(frozen=True)
class ListFilters:
    kinds: tuple[str, ...]  # the kinds the endpoint covers (agreements, or plans)
    state: str | None = None
    region_code: str | None = None
    owner_org_id: int | None = None
    partner_country: str | None = None
    parent_case_id: int | None = None
    overdue: bool | None = None
    mine: bool = False  # owned by the actor's organization
    q: str | None = None
    updated_since: dt.datetime | None = None


@dataclass(frozen=True)
class CaseItem:
    id: int
    kind: str
    definition_id: int
    state: str
    is_closed: bool
    version: int
    title: str
    title_partner: str | None
    owner_org_id: int
    owner_name: str
    region_id: int | None
    region_code: str | None
    partner_country: str | None
    planned_date: dt.date | None
    parent_case_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    next_due: dt.date | None
    region_calendar: str | None  # with the state, the calendar next_due counts on
    overdue: bool


def list_cases(
    session: Session,
    actor: Actor,
    f: ListFilters,
    today: dt.date,
    after: tuple[dt.datetime, int] | None,
    limit: int,
) -> list[CaseItem]:
    """One statement: up to ``limit`` cases, newest change first, after the cursor key."""
    next_due = (
        select(func.min(Task.due_on))
        .where(Task.case_id == Case.id, Task.status == "open")
        .scalar_subquery()
    )
    conditions = [visible_cases(actor), Case.kind.in_(f.kinds)]
    if f.state:
        conditions.append(Case.state == f.state)
    if f.region_code:
        conditions.append(REGION.code == f.region_code)
    if f.owner_org_id:
        conditions.append(Case.owner_org_id == f.owner_org_id)
    if f.partner_country:
        conditions.append(Case.partner_country == f.partner_country)
    if f.parent_case_id:
        conditions.append(Case.parent_case_id == f.parent_case_id)
    if f.overdue is not None:
        conditions.append(has_overdue_task(today) if f.overdue else ~has_overdue_task(today))
    if f.mine:
        conditions.append(Case.owner_org_id == actor.me.org_id)
    if f.q and f.q.strip():
        conditions.append(text_match(session, [Case.title, Case.title_partner], f.q))
    if f.updated_since:
        conditions.append(Case.updated_at >= f.updated_since)
    if after is not None:
        at, last_id = after
        conditions.append(or_(Case.updated_at < at, and_(Case.updated_at == at, Case.id < last_id)))
    rows = session.execute(
        select(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.is_closed,
            Case.version,
            Case.title,
            Case.title_partner,
            Case.owner_org_id,
            OWNER.name_ru,
            Case.region_id,
            REGION.code,
            Case.partner_country,
            Case.planned_date,
            Case.parent_case_id,
            Case.created_at,
            Case.updated_at,
            next_due.label("next_due"),  # and from it, overdue (see is_overdue)
            REGION.calendar_code,
        )
        .join(OWNER, OWNER.id == Case.owner_org_id)
        .outerjoin(REGION, REGION.id == Case.region_id)
        .where(*conditions)
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    return [CaseItem(*row, is_overdue(row.next_due, today)) for row in rows]


@dataclass(frozen=True)
class AuditRow:
    seq: int
    kind: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    comment: str | None
    data: dict[str, Any]
    created_at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    acting_for_id: int | None
    acting_for_name: str | None
    hash: str


def history(session: Session, case_id: int) -> list[AuditRow]:
    """One statement: every audit event of the case, oldest first."""
    rows = session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.kind,
            AuditEvent.trigger,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.comment,
            AuditEvent.data,
            AuditEvent.created_at,
            AuditEvent.actor_id,
            ACTOR.full_name,
            AuditEvent.acting_for_id,
            ACTING_FOR.full_name,
            AuditEvent.hash,
        )
        .outerjoin(ACTOR, ACTOR.id == AuditEvent.actor_id)
        .outerjoin(ACTING_FOR, ACTING_FOR.id == AuditEvent.acting_for_id)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq)
    ).all()
    return [AuditRow(*row) for row in rows]
