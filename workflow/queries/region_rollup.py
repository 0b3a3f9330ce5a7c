"""Roll-ups per region for the coordinating agency: every region's cases counted by kind and
state, its overdue tasks, and its plan items by status with the overdue ones.

Plain read queries (three statements whatever the number of regions), no state machines: a
case's region is the ``cases.region_id`` column (the region itself for its own agreements and
plans, the parent region for its municipalities'). An item is overdue when it is still planned,
in progress or postponed and its due date has passed, or, without a date, its quarter has ended.
A task is overdue when it is open and its due date has passed, whoever must act (a federal
review running late counts for the region whose agreement waits); a meeting decision's follow-up
task counts for the region of the organization responsible for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from workflow.persistence.models import Case, Organization, Task
from workflow.persistence.plans import PlanItem
from workflow.queries.aliases import ACTING_ORG

OPEN_ITEM_STATUSES = ("planned", "in_progress", "postponed")


@dataclass
class RegionRollup:
    region_id: int
    code: str
    name_ru: str
    name_en: str | None
    cases: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, state) -> count
    open_cases: int = 0
    overdue_tasks: int = 0
    items: dict[str, int] = field(default_factory=dict)  # item status -> count
    overdue_items: int = 0

    def count(self, kind: str, state: str | None = None) -> int:
        return sum(n for (k, s), n in self.cases.items() if k == kind and state in (None, s))


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def region_rollups(
    session: Session, today: dt.date, region_codes: list[str] | None = None
) -> list[RegionRollup]:
    """The roll-up of every region (or of ``region_codes``), ordered by code."""
    regions_query = select(
        Organization.id, Organization.code, Organization.name_ru, Organization.name_en
    ).where(Organization.kind == "region")
    if region_codes is not None:
        regions_query = regions_query.where(Organization.code.in_(region_codes))
    result = {
        row.id: RegionRollup(row.id, row.code, row.name_ru, row.name_en)
        for row in session.execute(regions_query.order_by(Organization.code))
    }
    if not result:
        return []
    ids = list(result)

    for region_id, kind, state, closed, count in session.execute(
        select(Case.region_id, Case.kind, Case.state, Case.is_closed, func.count())
        .where(Case.region_id.in_(ids))
        .group_by(Case.region_id, Case.kind, Case.state, Case.is_closed)
    ):
        rollup = result[region_id]
        rollup.cases[(kind, state)] = count
        if not closed:
            rollup.open_cases += count

    # A task counts for its case's region; a task on a case of no region (a follow-up of the
    # coordinating meeting) counts for the region of the organization that must act on it.
    task_region = func.coalesce(
        Case.region_id,
        case((ACTING_ORG.kind == "region", ACTING_ORG.id), else_=ACTING_ORG.parent_id),
    ).label("region_id")
    for region_id, overdue in session.execute(
        select(task_region, func.count())
        .select_from(Task)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(ACTING_ORG, ACTING_ORG.id == Task.org_id)
        .where(Task.status == "open", Task.due_on < today, task_region.in_(ids))
        .group_by(task_region)
    ):
        result[region_id].overdue_tasks = overdue

    overdue_item = and_(
        PlanItem.status.in_(OPEN_ITEM_STATUSES),
        or_(
            PlanItem.due_on < today,
            and_(PlanItem.due_on.is_(None), PlanItem.due_quarter < quarter_of(today)),
        ),
    )
    for region_id, status, count, overdue in session.execute(
        select(
            Case.region_id,
            PlanItem.status,
            func.count(),
            func.sum(case((overdue_item, 1), else_=0)),
        )
        .select_from(PlanItem)
        .join(Case, Case.id == PlanItem.plan_case_id)
        .where(Case.region_id.in_(ids))
        .group_by(Case.region_id, PlanItem.status)
    ):
        rollup = result[region_id]
        rollup.items[status] = count
        rollup.overdue_items += int(overdue or 0)
    return list(result.values())
