"""Everything the agreement page shows about one case, as plain data.

Access is checked by the caller with ``workflow.policy.can_view`` on the returned header (a case
the actor may not see is reported as missing, so its existence does not leak). Six statements:
the header, documents, history, open tasks, related cases and SLA clocks, plus
reminders, plan items and the meeting where they apply.

The statements the page runs on every view are built once, at import, and run with the case as a
bound parameter (``workflow.queries.prepared`` says why).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.meetings import Meeting
from workflow.persistence.models import (
    AuditEvent,
    Case,
    DocumentVersion,
    Organization,
    Reminder,
    SlaClock,
    Task,
    User,
)
from workflow.persistence.plans import PlanItem
from workflow.queries import prepared
from workflow.queries.aliases import ACTING_FOR, ACTOR, CREATOR, OWNER, PARTNER, REGION


@dataclass(frozen=True)
class CaseHeader:
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
    owner_name_en: str | None
    owner_kind: str
    region_id: int | None
    region_code: str | None
    region_name: str | None
    region_name_en: str | None
    region_calendar: str | None
    partner_org_id: int | None
    partner_name: str | None
    partner_name_native: str | None
    partner_country: str | None
    planned_date: dt.date | None
    parent_case_id: int | None
    fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    state_entered_at: dt.datetime
    created_by_name: str | None


@dataclass(frozen=True)
class DocumentRow:
    id: int
    language: str
    number: int
    filename: str | None
    sha256: str
    note: str | None
    created_at: dt.datetime
    author: str | None
    media_type: str
    byte_size: int | None
    pages: int | None
    has_text: bool
    has_file: bool


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    kind: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    comment: str | None
    data: dict[str, Any]
    created_at: dt.datetime
    actor_name: str | None
    acting_for_name: str | None
    definition_id: int


@dataclass(frozen=True)
class OpenTask:
    id: int
    state: str
    role: str
    org_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    due_on: dt.date | None
    created_at: dt.datetime


@dataclass(frozen=True)
class RelatedCase:
    id: int
    kind: str
    definition_id: int
    state: str
    title: str
    relation: str  # "parent" | "child"


@dataclass(frozen=True)
class ClockRow:
    state: str
    started_on: dt.date
    due_on: dt.date
    paused_days: int
    paused_since: dt.date | None
    status: str


_HEADER = (
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
        OWNER.name_en,
        OWNER.kind,
        Case.region_id,
        REGION.code,
        REGION.name_ru,
        REGION.name_en,
        REGION.calendar_code,
        Case.partner_org_id,
        PARTNER.name_ru,
        PARTNER.name_native,
        Case.partner_country,
        Case.planned_date,
        Case.parent_case_id,
        Case.fields,
        Case.created_at,
        Case.updated_at,
        Case.state_entered_at,
        CREATOR.full_name,
    )
    .join(OWNER, OWNER.id == Case.owner_org_id)
    .outerjoin(REGION, REGION.id == Case.region_id)
    .outerjoin(PARTNER, PARTNER.id == Case.partner_org_id)
    .outerjoin(CREATOR, CREATOR.id == Case.created_by)
    .where(Case.id == bindparam("case_id"))
)


def header(session: Session, case_id: int) -> CaseHeader | None:
    row = prepared.one_or_none(session, _HEADER, case_id=case_id)
    return CaseHeader(*row) if row is not None else None


_DOCUMENTS = (
    select(
        DocumentVersion.id,
        DocumentVersion.language,
        DocumentVersion.number,
        DocumentVersion.filename,
        DocumentVersion.sha256,
        DocumentVersion.note,
        DocumentVersion.created_at,
        User.full_name,
        DocumentVersion.media_type,
        DocumentVersion.byte_size,
        DocumentVersion.pages,
        DocumentVersion.has_text,
        DocumentVersion.blob_sha256.is_not(None),
    )
    .outerjoin(User, User.id == DocumentVersion.created_by)
    .where(DocumentVersion.case_id == bindparam("case_id"))
    .order_by(DocumentVersion.language, DocumentVersion.number.desc())
)


def documents(session: Session, case_id: int) -> list[DocumentRow]:
    rows = prepared.rows(session, _DOCUMENTS, case_id=case_id)
    return [DocumentRow(*r) for r in rows]


def document_texts(session: Session, case_id: int, language: str, numbers: list[int]):
    """``{number: (text, filename, created_at)}`` for some versions of one language."""
    rows = session.execute(
        select(
            DocumentVersion.number,
            DocumentVersion.text,
            DocumentVersion.filename,
            DocumentVersion.created_at,
        ).where(
            DocumentVersion.case_id == case_id,
            DocumentVersion.language == language,
            DocumentVersion.number.in_(numbers),
        )
    ).all()
    return {r.number: (r.text, r.filename, r.created_at) for r in rows}


_HISTORY = (
    select(
        AuditEvent.seq,
        AuditEvent.kind,
        AuditEvent.trigger,
        AuditEvent.from_state,
        AuditEvent.to_state,
        AuditEvent.comment,
        AuditEvent.data,
        AuditEvent.created_at,
        ACTOR.full_name,
        ACTING_FOR.full_name,
        AuditEvent.definition_id,
    )
    .outerjoin(ACTOR, ACTOR.id == AuditEvent.actor_id)
    .outerjoin(ACTING_FOR, ACTING_FOR.id == AuditEvent.acting_for_id)
    .where(AuditEvent.case_id == bindparam("case_id"))
    .order_by(AuditEvent.seq.desc())
)


def history(session: Session, case_id: int) -> list[HistoryRow]:
    rows = prepared.rows(session, _HISTORY, case_id=case_id)
    return [HistoryRow(*r) for r in rows]


_OPEN_TASKS = (
    select(
        Task.id,
        Task.state,
        Task.role,
        Task.org_id,
        Task.assignee_id,
        User.full_name,
        Task.due_on,
        Task.created_at,
    )
    .outerjoin(User, User.id == Task.assignee_id)
    .where(Task.case_id == bindparam("case_id"), Task.status == "open")
    .order_by(Task.id)
)


def open_tasks(session: Session, case_id: int) -> list[OpenTask]:
    rows = prepared.rows(session, _OPEN_TASKS, case_id=case_id)
    return [OpenTask(*r) for r in rows]


_CHILDREN = (
    select(Case.id, Case.kind, Case.definition_id, Case.state, Case.title)
    .where(Case.parent_case_id == bindparam("case_id"))
    .order_by(Case.id)
)
# Its own statement, not "OR id = NULL" for the cases without a parent (most): that OR would cost
# SQLite a scan of the cases.
_PARENT_AND_CHILDREN = (
    select(Case.id, Case.kind, Case.definition_id, Case.state, Case.title)
    .where(or_(Case.parent_case_id == bindparam("case_id"), Case.id == bindparam("parent_case_id")))
    .order_by(Case.id)
)


def related(session: Session, case_id: int, parent_case_id: int | None) -> list[RelatedCase]:
    """The parent case (an agreement, for a plan) and child cases (its plans)."""
    if parent_case_id is None:
        rows = prepared.rows(session, _CHILDREN, case_id=case_id)
    else:
        rows = prepared.rows(
            session, _PARENT_AND_CHILDREN, case_id=case_id, parent_case_id=parent_case_id
        )
    return [RelatedCase(*r, relation="parent" if r.id == parent_case_id else "child") for r in rows]


_CLOCKS = (
    select(
        SlaClock.state,
        SlaClock.started_on,
        SlaClock.due_on,
        SlaClock.paused_days,
        SlaClock.paused_since,
        SlaClock.status,
    )
    .where(SlaClock.case_id == bindparam("case_id"))
    .order_by(SlaClock.id)
)


def clocks(session: Session, case_id: int) -> list[ClockRow]:
    rows = prepared.rows(session, _CLOCKS, case_id=case_id)
    return [ClockRow(*r) for r in rows]


@dataclass(frozen=True)
class PlannedReminder:
    kind: str
    due_at: dt.datetime
    deadline_on: dt.date | None
    rule: str
    task_id: int | None


def planned_reminders(session: Session, case_id: int, limit: int = 50) -> list[PlannedReminder]:
    """Pending reminder, escalation and deadline rows of the case, soonest first."""
    rows = session.execute(
        select(
            Reminder.kind, Reminder.due_at, Reminder.deadline_on, Reminder.rule, Reminder.task_id
        )
        .where(Reminder.case_id == case_id, Reminder.status == "pending")
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    ).all()
    return [PlannedReminder(*r) for r in rows]


@dataclass(frozen=True)
class PlanItemRow:
    id: int
    number: int
    title: str
    area: str
    responsible_org_id: int
    responsible_name: str
    responsible_name_en: str | None
    due_on: dt.date | None
    due_quarter: str | None
    venue: str | None
    budget_line: str | None
    status: str
    notes: list[Any]
    version: int


def plan_items(session: Session, case_id: int) -> list[PlanItemRow]:
    rows = session.execute(
        select(
            PlanItem.id,
            PlanItem.number,
            PlanItem.title,
            PlanItem.area,
            PlanItem.responsible_org_id,
            Organization.name_ru,
            Organization.name_en,
            PlanItem.due_on,
            PlanItem.due_quarter,
            PlanItem.venue,
            PlanItem.budget_line,
            PlanItem.status,
            PlanItem.notes,
            PlanItem.version,
        )
        .join(Organization, Organization.id == PlanItem.responsible_org_id)
        .where(PlanItem.plan_case_id == case_id)
        .order_by(PlanItem.number)
    ).all()
    return [PlanItemRow(*r) for r in rows]


def meeting_of(session: Session, case_id: int) -> int | None:
    """The meeting a coordination-cycle case runs, if any."""
    return session.scalar(select(Meeting.id).where(Meeting.case_id == case_id))
