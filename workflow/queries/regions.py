"""The region status page: the region's cases by state, its plans with item status, and what is
coming up (deadlines of open tasks, plan items, meetings).

Three statements; with authentication the page issues five.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from workflow.persistence.base import UTCDateTime
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Case, Task
from workflow.persistence.plans import PlanItem
from workflow.policy import Actor
from workflow.queries import prepared
from workflow.queries.aliases import REGION
from workflow.queries.visibility import (
    visible_cases_condition,
    visible_cases_params,
    visible_cases_shape,
)


@dataclass(frozen=True)
class RegionInfo:
    id: int
    code: str
    name_ru: str
    name_en: str | None
    calendar_code: str | None


@dataclass(frozen=True)
class StateCount:
    kind: str
    definition_id: int
    state: str
    municipal: bool  # owned by one of the region's municipalities
    cases: int
    overdue: int


@dataclass
class RegionSummary:
    region: RegionInfo
    counts: list[StateCount] = field(default_factory=list)


@dataclass(frozen=True)
class PlanSummary:
    id: int
    kind: str
    definition_id: int
    state: str
    title: str
    parent_case_id: int | None
    items_by_status: dict[str, int]
    overdue_items: int


@dataclass(frozen=True)
class Upcoming:
    what: str  # task | item | meeting
    id: int
    case_id: int | None
    title: str
    on: dt.date | None
    at: dt.datetime | None
    detail: str | None  # task: its state; item: its status; meeting: its venue
    title_en: str | None
    definition_id: int | None  # a task's case's, for the calendar its performer counts on


# The page's three statements are built once (per shape of viewer, for ``upcoming``) and kept:
# building one costs about as much as running it. Values go in as parameters.
def _summary_statement():
    overdue = exists().where(
        Task.case_id == Case.id, Task.status == "open", Task.due_on < bindparam("today")
    )
    return (
        select(
            REGION.id,
            REGION.code,
            REGION.name_ru,
            REGION.name_en,
            REGION.calendar_code,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.owner_org_id != REGION.id,
            func.count(Case.id),
            func.sum(case((overdue, 1), else_=0)),
        )
        .select_from(REGION)
        .outerjoin(Case, Case.region_id == REGION.id)
        .where(REGION.code == bindparam("code"), REGION.kind == "region")
        .group_by(
            REGION.id,
            REGION.code,
            REGION.name_ru,
            REGION.name_en,
            REGION.calendar_code,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.owner_org_id != REGION.id,
        )
    )


_SUMMARY = _summary_statement()


def summary(session: Session, code: str, today: dt.date) -> RegionSummary | None:
    """One statement: the region with its cases counted by (kind, definition, state)."""
    rows = prepared.rows(session, _SUMMARY, code=code, today=today)
    if not rows:
        return None
    first = rows[0]
    result = RegionSummary(RegionInfo(*first[:5]))
    for row in rows:
        if row.kind is None:
            continue
        result.counts.append(
            StateCount(row[5], row[6], row[7], bool(row[8]), int(row[9]), int(row[10] or 0))
        )
    return result


def _plans_statement():
    overdue_item = and_(
        PlanItem.due_on < bindparam("today"),
        PlanItem.status.in_(("planned", "in_progress", "postponed")),
    )
    return (
        select(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.title,
            Case.parent_case_id,
            PlanItem.status,
            func.count(PlanItem.id),
            func.sum(case((overdue_item, 1), else_=0)),
        )
        .outerjoin(PlanItem, PlanItem.plan_case_id == Case.id)
        .where(
            Case.region_id == bindparam("region_id"),
            Case.kind.in_(bindparam("plan_kinds", expanding=True)),
        )
        .group_by(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.title,
            Case.parent_case_id,
            PlanItem.status,
        )
        .order_by(Case.id)
    )


_PLANS = _plans_statement()


def plans(
    session: Session, region_id: int, plan_kinds: tuple[str, ...], today: dt.date
) -> list[PlanSummary]:
    """One statement: the region's plans of activities with their items counted by status."""
    params = {"region_id": region_id, "plan_kinds": list(plan_kinds), "today": today}
    rows = prepared.rows(session, _PLANS, **params)
    plans_by_id: dict[int, dict] = {}
    for row in rows:
        plan = plans_by_id.setdefault(row[0], {"head": row[:6], "items": {}, "overdue": 0})
        if row[6] is not None:
            plan["items"][row[6]] = int(row[7])
            plan["overdue"] += int(row[8] or 0)
    return [
        PlanSummary(*p["head"], items_by_status=p["items"], overdue_items=p["overdue"])
        for p in plans_by_id.values()
    ]


@lru_cache(maxsize=4)
def _upcoming_statement(restricted: bool):
    """``restricted``: the viewer does not see every case, so tasks are filtered by hers."""
    no_date = cast(null(), Date)
    no_time = cast(null(), UTCDateTime())
    no_definition = cast(null(), Integer)
    region_id = bindparam("region_id")
    until = bindparam("until", type_=Date)
    tasks = (
        select(
            literal("task").label("what"),
            Task.id,
            Task.case_id,
            Case.title,
            Task.due_on.label("on"),
            no_time.label("at"),
            Task.state.label("detail"),
            null().label("title_en"),
            Case.definition_id,
        )
        .join(Case, Case.id == Task.case_id)
        .where(
            Case.region_id == region_id,
            Task.status == "open",
            Task.due_on.is_not(None),
            Task.due_on <= until,
            visible_cases_condition(restricted),
        )
    )
    items = (
        select(
            literal("item").label("what"),
            PlanItem.id,
            PlanItem.plan_case_id,
            PlanItem.title,
            PlanItem.due_on.label("on"),
            no_time.label("at"),
            PlanItem.status.label("detail"),
            null().label("title_en"),
            no_definition.label("definition_id"),
        )
        .join(Case, Case.id == PlanItem.plan_case_id)
        .where(
            Case.region_id == region_id,
            PlanItem.due_on.is_not(None),
            PlanItem.due_on <= until,
            PlanItem.status.in_(("planned", "in_progress", "postponed")),
        )
    )
    meetings = select(
        literal("meeting").label("what"),
        Meeting.id,
        Meeting.case_id,
        Meeting.title_ru,
        no_date.label("on"),
        Meeting.starts_at.label("at"),
        Meeting.venue.label("detail"),
        Meeting.title_en,
        no_definition.label("definition_id"),
    ).where(
        Meeting.starts_at >= bindparam("now"),
        Meeting.status != "cancelled",
        or_(
            exists().where(
                MeetingParticipant.meeting_id == Meeting.id,
                MeetingParticipant.org_id == region_id,
            ),
            ~exists().where(MeetingParticipant.meeting_id == Meeting.id),
        ),
    )
    union = union_all(tasks, items, meetings).subquery()
    return (
        select(union)
        .order_by(func.coalesce(union.c.on, func.date(union.c.at)), union.c.id)
        .limit(bindparam("limit"))
    )


def upcoming(
    session: Session,
    actor: Actor | None,
    region_id: int,
    today: dt.date,
    now: dt.datetime,
    *,
    horizon_days: int = 60,
    limit: int = 30,
) -> list[Upcoming]:
    """One statement: open tasks due (or overdue) within the horizon, plan items due, and
    meetings the region is invited to, soonest first."""
    statement = _upcoming_statement(visible_cases_shape(actor))
    params = {
        "region_id": region_id,
        "until": today + dt.timedelta(days=horizon_days),
        "now": now,
        "limit": limit,
        **visible_cases_params(actor),
    }
    rows = prepared.rows(session, statement, **params)
    return [Upcoming(*r) for r in rows]
