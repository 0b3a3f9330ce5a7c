"""Figures for the coordinator's dashboard: cases by stage and by region, overdue tasks, time
spent in each stage (from the audit trail) and agreements signed per year.

"Signed" is read from the definitions rather than hard-coded: a case counts as signed in the
year it first entered a state its definition marks ``public`` (signed, registered, in force).
Time in a stage runs from the event that entered it to the event that left it; stints still
running are not measured (they would pull the median down).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.models import AuditEvent, Case, Task, User
from workflow.queries.aliases import REGION


@dataclass(frozen=True)
class Period:
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class StateCount:
    kind: str
    definition_id: int
    state: str
    cases: int


@dataclass(frozen=True)
class RegionCount:
    region_id: int | None
    name_ru: str | None
    name_en: str | None
    closed: bool
    cases: int


@dataclass(frozen=True)
class OverdueTask:
    id: int
    case_id: int
    title: str
    definition_id: int
    state: str
    role: str
    due_on: dt.date
    region_name: str | None
    region_calendar: str | None
    assignee_name: str | None


@dataclass(frozen=True)
class StageTime:
    stage: str
    stints: int
    median_days: float
    p90_days: float


def _alive(period: Period):
    conditions = []
    if period.end is not None:
        conditions.append(Case.created_at < period.end)
    if period.start is not None:
        conditions.append(or_(Case.is_closed.is_(False), Case.updated_at >= period.start))
    return and_(*conditions) if conditions else and_(Case.id.is_not(None))


def by_state(session: Session, kinds: Iterable[str], period: Period) -> list[StateCount]:
    rows = session.execute(
        select(Case.kind, Case.definition_id, Case.state, func.count())
        .where(Case.kind.in_(list(kinds)), _alive(period))
        .group_by(Case.kind, Case.definition_id, Case.state)
    ).all()
    return [StateCount(*r) for r in rows]


def by_region(session: Session, kinds: Iterable[str], period: Period) -> list[RegionCount]:
    rows = session.execute(
        select(Case.region_id, REGION.name_ru, REGION.name_en, Case.is_closed, func.count())
        .outerjoin(REGION, REGION.id == Case.region_id)
        .where(Case.kind.in_(list(kinds)), _alive(period))
        .group_by(Case.region_id, REGION.name_ru, REGION.name_en, Case.is_closed)
    ).all()
    return [RegionCount(*r) for r in rows]


def overdue_tasks(
    session: Session, kinds: Iterable[str], today: dt.date, limit: int = 50
) -> tuple[int, list[OverdueTask]]:
    condition = and_(Task.status == "open", Task.due_on < today, Case.kind.in_(list(kinds)))
    total = session.scalar(
        select(func.count()).select_from(Task).join(Case, Case.id == Task.case_id).where(condition)
    )
    rows = session.execute(
        select(
            Task.id,
            Task.case_id,
            Case.title,
            Case.definition_id,
            Task.state,
            Task.role,
            Task.due_on,
            REGION.name_ru,
            REGION.calendar_code,
            User.full_name,
        )
        .join(Case, Case.id == Task.case_id)
        .outerjoin(REGION, REGION.id == Case.region_id)
        .outerjoin(User, User.id == Task.assignee_id)
        .where(condition)
        .order_by(Task.due_on, Task.id)
        .limit(limit)
    ).all()
    return int(total or 0), [OverdueTask(*r) for r in rows]


def _events(session: Session, kinds: Iterable[str], period: Period):
    query = (
        select(
            AuditEvent.case_id,
            AuditEvent.to_state,
            AuditEvent.created_at,
            Case.kind,
            Case.definition_id,
        )
        .join(Case, Case.id == AuditEvent.case_id)
        .where(
            Case.kind.in_(list(kinds)),
            AuditEvent.kind.in_(("created", "transition")),
        )
        .order_by(AuditEvent.case_id, AuditEvent.seq)
    )
    if period.end is not None:
        query = query.where(AuditEvent.created_at < period.end)
    return session.execute(query).all()


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_in_stage(
    session: Session,
    kinds: Iterable[str],
    period: Period,
    stage_of: Callable[[str, int, str], str | None],
    days_between: Callable[[dt.datetime, dt.datetime], float] | None = None,
) -> list[StageTime]:
    """Median and 90th percentile of finished stints per stage, in days.

    ``stage_of(kind, definition_id, state)`` names the stage of a state (None: not counted).
    ``days_between(entered, left)`` measures a stint (default: calendar days, fractional);
    the dashboard passes working days of the production calendar.
    A stint is counted when it ended inside the period.
    """
    measure = days_between or (lambda start, end: (end - start).total_seconds() / 86400)
    durations: dict[str, list[float]] = defaultdict(list)
    current_case = None
    stage = entered = None
    for case_id, to_state, at, kind, definition_id in _events(session, kinds, period):
        if case_id != current_case:
            current_case, stage, entered = case_id, None, None
        new_stage = stage_of(kind, definition_id, to_state) if to_state else None
        if new_stage == stage and stage is not None:
            continue
        if (
            stage is not None
            and entered is not None
            and (period.start is None or at >= period.start)
        ):
            durations[stage].append(measure(entered, at))
        stage, entered = new_stage, at
    return [
        StageTime(name, len(values), percentile(values, 0.5), percentile(values, 0.9))
        for name, values in durations.items()
    ]


def signed_per_year(
    session: Session, kinds: Iterable[str], public_states: dict[str, frozenset[str]]
) -> dict[int, int]:
    """Cases per year of their first entry into a public state."""
    clauses = [
        and_(Case.kind == kind, AuditEvent.to_state.in_(sorted(states)))
        for kind, states in public_states.items()
        if states and kind in set(kinds)
    ]
    if not clauses:
        return {}
    first = (
        select(AuditEvent.case_id, func.min(AuditEvent.created_at).label("at"))
        .join(Case, Case.id == AuditEvent.case_id)
        .where(AuditEvent.kind == "transition", or_(*clauses))
        .group_by(AuditEvent.case_id)
    )
    per_year: dict[int, int] = defaultdict(int)
    for _case_id, at in session.execute(first).all():
        per_year[at.year] += 1
    return dict(sorted(per_year.items()))
