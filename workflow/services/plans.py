"""Items of a plan of activities: added while the plan is drafted, updated by their responsible
organization while the plan is carried out.

Who may do what:

- while the plan is in a drafting state (its ``editable`` lists ``*``: drafting, revision), the
  plan's drafters (a role of that state in scope, e.g. the owner's initiator) and the
  coordinating agency add items and change their details;
- once the plan is adopted, the item's responsible organization (any of its people), the
  drafters and the coordinating agency change the item's status and add progress notes;
- nothing changes in a closed plan.

Each change is one transaction: the plan's case row is locked, then the item row; the item's
``version`` is the optimistic lock (a stale ``expected_version`` is ``ConcurrentUpdate``), and the
change is appended to the plan's audit chain (kind ``plan_item``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from workflow.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound, PermissionDenied
from workflow.fields import dates
from workflow.fields.common import SUBJECT_AREAS
from workflow.persistence.models import Organization
from workflow.persistence.plans import ITEM_STATUSES, PlanItem
from workflow.policy import Actor, role_in_scope
from workflow.search.index import index_activity
from workflow.services.case_log import append_case_event
from workflow.services.casework import CaseRow, lock_case

if TYPE_CHECKING:
    from workflow.engine import Engine

items_t = PlanItem.__table__

PLAN = "activity_plan"
AGENCY_ROLE = "coordinator"
ADOPTED_STATES = ("adopted",)
DETAIL_FIELDS = (
    "title",
    "area",
    "responsible_org_id",
    "due_on",
    "due_quarter",
    "venue",
    "budget_line",
    "description",
)
PROGRESS_FIELDS = ("status", "note")
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
BUDGET_LINE = re.compile(r"^\d+(\.\d+)*/\d+$")  # "3.6/1": event 1 of main event 3.6


@dataclass(frozen=True)
class ItemRef:
    id: int
    number: int
    version: int


def _plan(engine: Engine, session: Session, plan_case_id: int):
    case = lock_case(session, plan_case_id)
    if case is None or case.kind != PLAN:
        raise NotFound(f"Plan {plan_case_id} not found.")
    definition = engine.catalog.get(case.definition_id, session).definition
    return case, definition


def _drafter(definition, case: CaseRow, actor: Actor):
    """The principal drafting the plan in its current state, or None."""
    state = definition.states[case.state]
    roles = (*(state.roles or definition.start_roles), AGENCY_ROLE)
    for principal in actor.principals():
        if any(
            role_in_scope(definition, r, principal, case) for r in roles if r in definition.roles
        ):
            return principal
    return None


def _validate(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = dict(values)
    if "title" in out:
        out["title"] = (out["title"] or "").strip()
        if not out["title"] or len(out["title"]) > 500:
            errors["title"] = "1 to 500 characters."
    if "area" in out and out["area"] not in SUBJECT_AREAS:
        errors["area"] = f"One of {', '.join(SUBJECT_AREAS)}."
    if "due_on" in out and out["due_on"] is not None:
        if isinstance(out["due_on"], str):
            try:
                out["due_on"] = dt.date.fromisoformat(out["due_on"])
            except ValueError:
                errors["due_on"] = "A date written YYYY-MM-DD."
        elif not isinstance(out["due_on"], dt.date):
            errors["due_on"] = "A date."
        if isinstance(out["due_on"], dt.date) and not dates.in_range(out["due_on"]):
            errors["due_on"] = dates.range_message()
    if out.get("due_quarter") and not QUARTER.match(out["due_quarter"]):
        errors["due_quarter"] = "A quarter written as 2027-Q2."
    if out.get("budget_line") and not BUDGET_LINE.match(out["budget_line"]):
        errors["budget_line"] = "A budget line such as 3.6/1."
    if "responsible_org_id" in out and session.get(Organization, out["responsible_org_id"]) is None:
        errors["responsible_org_id"] = "No such organization."
    if "status" in out and out["status"] not in ITEM_STATUSES:
        errors["status"] = f"One of {', '.join(ITEM_STATUSES)}."
    if errors:
        raise InvalidInput("Some item fields are not valid.", errors)
    return out


def add_item(engine: Engine, plan_case_id: int, actor: Actor, **details: Any) -> ItemRef:
    """Add an item to a plan being drafted. Needs ``title``, ``area``, ``responsible_org_id``
    and a due date or quarter."""
    unknown = sorted(set(details) - set(DETAIL_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown item fields: {', '.join(unknown)}.")
    missing = [k for k in ("title", "area", "responsible_org_id") if not details.get(k)]
    if not (details.get("due_on") or details.get("due_quarter")):
        missing.append("due_on")
    if missing:
        raise InvalidInput(
            "Missing: " + ", ".join(missing) + ".", dict.fromkeys(missing, "Required.")
        )
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        case, definition = _plan(engine, session, plan_case_id)
        principal = _drafter(definition, case, actor)
        if principal is None and not actor.is_admin:
            raise PermissionDenied("You may not change the items of this plan.")
        if "*" not in definition.states[case.state].editable:
            raise Conflict(f"Items are added while the plan is drafted, not in '{case.state}'.")
        values = _validate(session, details)
        number = (
            session.scalar(
                select(func.max(items_t.c.number)).where(items_t.c.plan_case_id == case.id)
            )
            or 0
        ) + 1
        item_id = session.scalar(
            insert(items_t)
            .returning(items_t.c.id)
            .values(
                plan_case_id=case.id,
                number=number,
                status="planned",
                notes=[],
                version=1,
                updated_at=now,
                **values,
            )
        )
        append_case_event(
            session,
            case,
            kind="plan_item",
            actor_id=actor.user_id,
            now=now,
            data={"item": number, "added": _jsonable(values)},
        )
        index_activity(session, case.id, item_id, number, values["title"])
        uow.commit()
    return ItemRef(item_id, number, 1)


def update_item(
    engine: Engine,
    item_id: int,
    actor: Actor,
    expected_version: int,
    **changes: Any,
) -> ItemRef:
    """Change an item: details while the plan is drafted, ``status`` and a progress ``note``
    once it is adopted. Returns the item's new version."""
    unknown = sorted(set(changes) - set(DETAIL_FIELDS) - set(PROGRESS_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown item fields: {', '.join(unknown)}.")
    if not changes:
        raise InvalidInput("Nothing to change.")
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        plan_case_id = session.scalar(select(items_t.c.plan_case_id).where(items_t.c.id == item_id))
        if plan_case_id is None:
            raise NotFound(f"Plan item {item_id} not found.")
        case, definition = _plan(engine, session, plan_case_id)
        item = session.execute(
            select(items_t).where(items_t.c.id == item_id).with_for_update()
        ).one()
        if item.version != expected_version:
            raise ConcurrentUpdate(current_version=item.version)
        drafter = _drafter(definition, case, actor)
        responsible = any(p.org_id == item.responsible_org_id for p in actor.principals())
        details = {k: v for k, v in changes.items() if k in DETAIL_FIELDS}
        progress = {k: v for k, v in changes.items() if k in PROGRESS_FIELDS}
        if case.is_closed:
            raise Conflict("The plan is closed: its items are final.")
        if details:
            if "*" not in definition.states[case.state].editable:
                raise Conflict(f"Item details are fixed once the plan is in '{case.state}'.")
            if drafter is None and not actor.is_admin:
                raise PermissionDenied("You may not change the details of this item.")
        if progress:
            if case.state not in ADOPTED_STATES:
                raise Conflict("Progress is reported once the plan is adopted.")
            if not (responsible or drafter is not None or actor.is_admin):
                raise PermissionDenied("Only the responsible organization reports on this item.")
        values = _validate(session, {k: v for k, v in changes.items() if k != "note"})
        note = (progress.get("note") or "").strip()
        if note or "status" in progress:
            values["notes"] = [
                *(item.notes or []),
                {
                    "at": now.isoformat(),
                    "by": actor.user_id,
                    "status": values.get("status", item.status),
                    "text": note,
                },
            ]
        new_version = item.version + 1
        session.execute(
            update(items_t)
            .where(items_t.c.id == item_id)
            .values(version=new_version, updated_at=now, **values)
        )
        if "title" in values:
            index_activity(session, case.id, item_id, item.number, values["title"])
        append_case_event(
            session,
            case,
            kind="plan_item",
            actor_id=actor.user_id,
            now=now,
            data={
                "item": item.number,
                "changed": _jsonable({k: v for k, v in values.items() if k != "notes"}),
                **({"note": note} if note else {}),
            },
        )
        uow.commit()
    return ItemRef(item_id, item.number, new_version)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
