"""The public page of a region and its iCal feed: no sign-in, so nothing private.

Only cases in states a definition marks ``public: true`` (signed, registered, in force; adopted
plans) appear, and only their public columns: title, partner, state, dates. No people, no
comments, no documents, no drafts. ``public_states`` comes from the loaded definitions, so a
draft state can never leak through a query that forgot a condition: the condition is the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Case, Organization
from workflow.persistence.plans import PlanItem
from workflow.queries.aliases import OWNER, PARTNER
from workflow.queries.cases import partner_name
from workflow.queries.regions import RegionInfo


@dataclass(frozen=True)
class PublicCase:
    id: int
    kind: str
    definition_id: int
    state: str
    title: str
    title_partner: str | None
    owner_name: str
    owner_name_en: str | None
    partner_name: str | None
    partner_name_native: str | None
    partner_country: str | None
    planned_date: dt.date | None
    state_entered_at: dt.datetime
    parent_case_id: int | None


@dataclass(frozen=True)
class PublicItem:
    id: int
    plan_case_id: int
    number: int
    title: str
    area: str
    due_on: dt.date | None
    due_quarter: str | None
    venue: str | None
    status: str


@dataclass(frozen=True)
class PublicMeeting:
    id: int
    title_ru: str
    title_en: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    venue: str | None
    status: str
    proposals_due_on: dt.date | None
    reports_due_on: dt.date | None
    ical_uid: str
    ical_sequence: int
    updated_at: dt.datetime


def is_public(public_states: Mapping[str, frozenset[str]]):
    """SQL: the case's (kind, state) is one a definition marks public."""
    clauses = [
        and_(Case.kind == kind, Case.state.in_(sorted(states)))
        for kind, states in sorted(public_states.items())
        if states
    ]
    return or_(*clauses) if clauses else false()


def region(session: Session, code: str) -> RegionInfo | None:
    row = session.execute(
        select(
            Organization.id,
            Organization.code,
            Organization.name_ru,
            Organization.name_en,
            Organization.calendar_code,
        ).where(Organization.code == code, Organization.kind == "region")
    ).one_or_none()
    return RegionInfo(*row) if row else None


def regions(session: Session) -> list[RegionInfo]:
    rows = session.execute(
        select(
            Organization.id,
            Organization.code,
            Organization.name_ru,
            Organization.name_en,
            Organization.calendar_code,
        )
        .where(Organization.kind == "region", Organization.is_active.is_(True))
        .order_by(Organization.name_ru)
    ).all()
    return [RegionInfo(*r) for r in rows]


def cases(
    session: Session, region_id: int, public_states: Mapping[str, frozenset[str]]
) -> list[PublicCase]:
    rows = session.execute(
        select(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.title,
            Case.title_partner,
            OWNER.name_ru,
            OWNER.name_en,
            partner_name(PARTNER),
            func.coalesce(
                PARTNER.name_native, Case.fields[("partner", "name_partner")].as_string()
            ),
            Case.partner_country,
            Case.planned_date,
            Case.state_entered_at,
            Case.parent_case_id,
        )
        .join(OWNER, OWNER.id == Case.owner_org_id)
        .outerjoin(PARTNER, PARTNER.id == Case.partner_org_id)
        .where(Case.region_id == region_id, is_public(public_states))
        .order_by(Case.state_entered_at.desc(), Case.id.desc())
    ).all()
    return [PublicCase(*r) for r in rows]


def items(session: Session, plan_ids: list[int]) -> list[PublicItem]:
    if not plan_ids:
        return []
    rows = session.execute(
        select(
            PlanItem.id,
            PlanItem.plan_case_id,
            PlanItem.number,
            PlanItem.title,
            PlanItem.area,
            PlanItem.due_on,
            PlanItem.due_quarter,
            PlanItem.venue,
            PlanItem.status,
        )
        .where(PlanItem.plan_case_id.in_(plan_ids))
        .order_by(PlanItem.plan_case_id, PlanItem.number)
    ).all()
    return [PublicItem(*r) for r in rows]


def meetings(session: Session, region_id: int | None) -> list[PublicMeeting]:
    """Meetings the region is invited to (or open to every region), newest first."""
    query = select(
        Meeting.id,
        Meeting.title_ru,
        Meeting.title_en,
        Meeting.starts_at,
        Meeting.ends_at,
        Meeting.timezone,
        Meeting.venue,
        Meeting.status,
        Meeting.proposals_due_on,
        Meeting.reports_due_on,
        Meeting.ical_uid,
        Meeting.ical_sequence,
        Meeting.updated_at,
    )
    if region_id is not None:
        query = query.where(
            or_(
                exists().where(
                    MeetingParticipant.meeting_id == Meeting.id,
                    MeetingParticipant.org_id == region_id,
                ),
                ~exists().where(MeetingParticipant.meeting_id == Meeting.id),
            )
        )
    rows = session.execute(query.order_by(Meeting.starts_at.desc())).all()
    return [PublicMeeting(*r) for r in rows]
