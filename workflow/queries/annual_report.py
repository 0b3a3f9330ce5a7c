"""The data of an annual report on the plans of activities: the year's items of a
municipality's (or a region's) plans, grouped by agreement and by area, with counts of the
items done, postponed, cancelled and still in progress, and each item's latest progress notes.

Plain data (dicts and lists), no Flask: ``web.papers.annual_report_docx`` draws it.

- A *municipality's* report (to its region, twin-city agreements) covers the plans it owns and
  the plans attached to the agreements it owns.
- A *region's* report (to the federal body) covers every plan of the region: its own, its
  municipalities', and the plans attached to agreements of the region.
- An item belongs to the year when its due date falls in it, or its quarter is one of the year's.
- Only plans that were adopted count (``adopted`` and ``reported``): a plan still drafted or
  under review has no items to report on, a cancelled plan none to report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from workflow.clock import local_date
from workflow.fields.common import SUBJECT_AREAS
from workflow.persistence.models import Case, Organization, User
from workflow.persistence.plans import PlanItem
from workflow.policy import Actor
from workflow.queries.visibility import visible_cases

PLAN_KIND = "activity_plan"
REPORTED_PLAN_STATES = ("adopted", "reported")
# The order of the counts in the report; "planned" and "in_progress" are both still open.
COUNTED = ("done", "postponed", "cancelled", "in_progress", "planned")
LATEST_NOTES = 3

_PLAN = aliased(Case)
_AGREEMENT = aliased(Case)
_RESPONSIBLE = aliased(Organization)
_PARTNER = aliased(Organization)


def _scope_condition(kind: str, org_id: int):
    if kind == "municipality":
        return or_(_PLAN.owner_org_id == org_id, _AGREEMENT.owner_org_id == org_id)
    if kind == "region":
        return or_(
            _PLAN.owner_org_id == org_id,
            _PLAN.region_id == org_id,
            _AGREEMENT.region_id == org_id,
        )
    raise ValueError(f"unknown scope {kind!r}")


def _in_year(year: int):
    return or_(
        and_(PlanItem.due_on >= dt.date(year, 1, 1), PlanItem.due_on <= dt.date(year, 12, 31)),
        and_(PlanItem.due_on.is_(None), PlanItem.due_quarter.like(f"{year}-Q%")),
    )


def _counts(items: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(COUNTED, 0)
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    counts["total"] = len(items)
    return counts


def annual_report_data(
    session: Session,
    *,
    scope: str,
    org_id: int,
    year: int,
    actor: Actor | None = None,
    agreement_id: int | None = None,
) -> dict[str, Any]:
    """The report of ``org_id`` (a municipality or a region, ``scope``) for ``year``.

    ``actor``: only plans the actor may see. ``agreement_id``: the case the report is drafted
    for (its title heads the report). Agreements come in the order of their case numbers, areas
    in the order of ``SUBJECT_AREAS``, items in the order of their plan and number."""
    org = session.get(Organization, org_id)
    if org is None:
        raise ValueError(f"no organization {org_id}")
    query = (
        select(
            PlanItem.id,
            PlanItem.number,
            PlanItem.title,
            PlanItem.area,
            PlanItem.due_on,
            PlanItem.due_quarter,
            PlanItem.venue,
            PlanItem.budget_line,
            PlanItem.status,
            PlanItem.notes,
            _RESPONSIBLE.name_ru,
            _RESPONSIBLE.name_en,
            _PLAN.id.label("plan_id"),
            _PLAN.title.label("plan_title"),
            _PLAN.fields.label("plan_fields"),
            _AGREEMENT.id.label("agreement_id"),
            _AGREEMENT.title.label("agreement_title"),
            _AGREEMENT.fields.label("agreement_fields"),
            _PARTNER.name_ru.label("partner_ru"),
            _PARTNER.name_en.label("partner_en"),
        )
        .join(_PLAN, _PLAN.id == PlanItem.plan_case_id)
        .outerjoin(_AGREEMENT, _AGREEMENT.id == _PLAN.parent_case_id)
        .outerjoin(_PARTNER, _PARTNER.id == _AGREEMENT.partner_org_id)
        .join(_RESPONSIBLE, _RESPONSIBLE.id == PlanItem.responsible_org_id)
        .where(
            _PLAN.kind == PLAN_KIND,
            _PLAN.state.in_(REPORTED_PLAN_STATES),
            _scope_condition(scope, org_id),
            _in_year(year),
        )
        .order_by(_AGREEMENT.id.nulls_last(), _PLAN.id, PlanItem.number)
    )
    if actor is not None:
        visible = visible_cases(actor)
        query = query.where(_PLAN.id.in_(select(Case.id).where(visible)))
    rows = session.execute(query).all()

    authors = _authors(session, rows)
    groups: dict[int | None, dict[str, Any]] = {}
    for r in rows:
        group = groups.get(r.agreement_id)
        if group is None:
            partner = ((r.agreement_fields or {}).get("partner") or {}) if r.agreement_id else {}
            group = groups[r.agreement_id] = {
                "id": r.agreement_id,
                "title": r.agreement_title,
                "partner": partner.get("name_ru") or r.partner_ru,
                "partner_en": r.partner_en,
                "partner_country": partner.get("country"),
                "plans": [],
                "items": [],
            }
        if not any(p["id"] == r.plan_id for p in group["plans"]):
            adoption = (r.plan_fields or {}).get("adoption") or {}
            group["plans"].append(
                {
                    "id": r.plan_id,
                    "title": r.plan_title,
                    "adoption_number": adoption.get("number"),
                    "adoption_date": adoption.get("date"),
                }
            )
        group["items"].append(
            {
                "id": r.id,
                "plan_id": r.plan_id,
                "number": r.number,
                "title": r.title,
                "area": r.area,
                "due_on": r.due_on,
                "due_quarter": r.due_quarter,
                "venue": r.venue,
                "budget_line": r.budget_line,
                "status": r.status,
                "responsible": r.name_ru,
                "responsible_en": r.name_en,
                "notes": _latest_notes(r.notes, authors),
            }
        )

    agreements = []
    for group in groups.values():
        items = group.pop("items")
        order = {area: i for i, area in enumerate(SUBJECT_AREAS)}
        areas = sorted({i["area"] for i in items}, key=lambda a: order.get(a, len(order)))
        group["counts"] = _counts(items)
        group["areas"] = [
            {
                "area": area,
                "counts": _counts([i for i in items if i["area"] == area]),
                "items": [i for i in items if i["area"] == area],
            }
            for area in areas
        ]
        agreements.append(group)
    all_items = [i for g in agreements for a in g["areas"] for i in a["items"]]
    case = session.get(Case, agreement_id) if agreement_id else None
    return {
        "year": year,
        "scope": scope,
        "organization": {
            "id": org.id,
            "code": org.code,
            "name": org.name_ru,
            "name_en": org.name_en,
        },
        "case": {"id": case.id, "title": case.title} if case else None,
        "counts": _counts(all_items),
        "agreements": agreements,
    }


def _authors(session: Session, rows) -> dict[int, str]:
    ids = {n.get("by") for r in rows for n in (r.notes or []) if isinstance(n.get("by"), int)}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def _latest_notes(notes: list[dict[str, Any]] | None, authors: dict[int, str]):
    """The latest notes that say something (a status change without words is left out), oldest
    first."""
    said = [n for n in (notes or []) if (n.get("text") or "").strip()]
    out = []
    for note in said[-LATEST_NOTES:]:
        at = note.get("at")
        try:
            moment = dt.datetime.fromisoformat(at) if at else None
            # The Moscow date of a UTC moment (its UTC date is the day before late at night).
            day = (
                None if moment is None else (local_date(moment) if moment.tzinfo else moment.date())
            )
        except ValueError:
            day = None
        out.append(
            {
                "on": day,
                "by": authors.get(note.get("by")),
                "status": note.get("status"),
                "text": note["text"].strip(),
            }
        )
    return out


def report_year_for(fields: dict[str, Any] | None, today: dt.date) -> int:
    """The year an annual report covers: the year of the agreement's reporting period end
    (``report_period_end``, 31 December) if it is set, else the year before ``today`` in
    January–March (the report is written in the new year), else this year."""
    end = (fields or {}).get("report_period_end")
    if end:
        try:
            return dt.date.fromisoformat(end).year
        except ValueError:
            pass
    return today.year - 1 if today.month <= 3 else today.year


def report_scope(session: Session, case: Case) -> tuple[str, int]:
    """Whose report a case's button drafts: a twin-city agreement's municipality, or the region
    of a regional agreement (or of any other case owned by a region)."""
    owner = session.get(Organization, case.owner_org_id)
    if owner is not None and owner.kind == "municipality":
        return "municipality", owner.id
    return "region", case.region_id or case.owner_org_id
