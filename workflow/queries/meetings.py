"""Coordinating meetings for the meetings pages: the list, a month, and one meeting with its
participants, proposals and reports, and the decisions of its minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.meetings import (
    Meeting,
    MeetingDecision,
    MeetingParticipant,
    MeetingSubmission,
)
from workflow.persistence.models import Case, Organization
from workflow.queries.aliases import AUTHOR


@dataclass(frozen=True)
class MeetingRow:
    id: int
    case_id: int
    year: int
    title_ru: str
    title_en: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    venue: str | None
    status: str
    proposals_due_on: dt.date | None
    reports_due_on: dt.date | None
    case_state: str
    definition_id: int
    participants: int
    proposals: int


@dataclass(frozen=True)
class Submission:
    id: int
    kind: str
    title: str
    text: str
    org_id: int
    org_name: str
    org_name_en: str | None
    submitted_by: str | None
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Decision:
    id: int
    number: int
    text: str
    responsible_name: str | None
    responsible_name_en: str | None
    due_on: dt.date | None
    status: str
    task_id: int | None


@dataclass
class MeetingDetail:
    meeting: MeetingRow
    agenda: list[Any]
    minutes: str | None
    ical_uid: str
    ical_sequence: int
    participants: list[tuple[int, str, str | None]] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


def _rows(session: Session, *conditions, order=None, limit: int | None = None):
    participants = (
        select(func.count(MeetingParticipant.id))
        .where(MeetingParticipant.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    proposals = (
        select(func.count(MeetingSubmission.id))
        .where(MeetingSubmission.meeting_id == Meeting.id, MeetingSubmission.kind == "proposal")
        .scalar_subquery()
    )
    query = (
        select(
            Meeting.id,
            Meeting.case_id,
            Meeting.year,
            Meeting.title_ru,
            Meeting.title_en,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.timezone,
            Meeting.venue,
            Meeting.status,
            Meeting.proposals_due_on,
            Meeting.reports_due_on,
            Case.state,
            Case.definition_id,
            participants,
            proposals,
        )
        .join(Case, Case.id == Meeting.case_id)
        .where(*conditions)
        .order_by(*(order if order is not None else (Meeting.starts_at.desc(),)))
    )
    if limit:
        query = query.limit(limit)
    return [MeetingRow(*r) for r in session.execute(query).all()]


def list_meetings(session: Session, limit: int = 200) -> list[MeetingRow]:
    return _rows(session, limit=limit)


def in_period(session: Session, start: dt.datetime, end: dt.datetime) -> list[MeetingRow]:
    """Meetings held in [start, end), or whose proposals or reports fall due then."""
    first, last = start.date(), end.date()
    return _rows(
        session,
        or_(
            and_(Meeting.starts_at < end, Meeting.ends_at >= start),
            Meeting.proposals_due_on.between(first, last),
            Meeting.reports_due_on.between(first, last),
        ),
        order=(Meeting.starts_at,),
    )


def detail(session: Session, meeting_id: int) -> MeetingDetail | None:
    rows = _rows(session, Meeting.id == meeting_id)
    if not rows:
        return None
    extra = session.execute(
        select(Meeting.agenda, Meeting.minutes, Meeting.ical_uid, Meeting.ical_sequence).where(
            Meeting.id == meeting_id
        )
    ).one()
    result = MeetingDetail(rows[0], list(extra.agenda or []), extra.minutes, extra[2], extra[3])
    result.participants = [
        (r.id, r.name_ru, r.name_en)
        for r in session.execute(
            select(Organization.id, Organization.name_ru, Organization.name_en)
            .join(MeetingParticipant, MeetingParticipant.org_id == Organization.id)
            .where(MeetingParticipant.meeting_id == meeting_id)
            .order_by(Organization.name_ru)
        )
    ]
    result.submissions = [
        Submission(*r)
        for r in session.execute(
            select(
                MeetingSubmission.id,
                MeetingSubmission.kind,
                MeetingSubmission.title,
                MeetingSubmission.text,
                MeetingSubmission.org_id,
                Organization.name_ru,
                Organization.name_en,
                AUTHOR.full_name,
                MeetingSubmission.submitted_at,
            )
            .join(Organization, Organization.id == MeetingSubmission.org_id)
            .outerjoin(AUTHOR, AUTHOR.id == MeetingSubmission.submitted_by)
            .where(MeetingSubmission.meeting_id == meeting_id)
            .order_by(MeetingSubmission.kind, MeetingSubmission.submitted_at)
        )
    ]
    result.decisions = [
        Decision(*r)
        for r in session.execute(
            select(
                MeetingDecision.id,
                MeetingDecision.number,
                MeetingDecision.text,
                Organization.name_ru,
                Organization.name_en,
                MeetingDecision.due_on,
                MeetingDecision.status,
                MeetingDecision.task_id,
            )
            .outerjoin(Organization, Organization.id == MeetingDecision.responsible_org_id)
            .where(MeetingDecision.meeting_id == meeting_id)
            .order_by(MeetingDecision.number)
        )
    ]
    return result
