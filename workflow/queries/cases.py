"""The agreements list: filters, search, pagination and CSV export.

``list_cases`` is one statement (the total comes from a window ``count(*) OVER ()``);
``filter_options`` one more. With authentication the list page issues four.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
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

from workflow.persistence.models import Case, Organization, SlaClock, Task
from workflow.policy import Actor
from workflow.queries.aliases import OWNER, PARTNER, REGION
from workflow.queries.visibility import sees_everything, visible_cases


@dataclass(frozen=True)
class CaseFilters:
    kinds: tuple[str, ...] = ()  # the kinds to show (empty: every kind)
    state: str | None = None
    region_id: int | None = None
    partner_country: str | None = None
    overdue: bool = False
    my_org: bool = False
    q: str | None = None


@dataclass(frozen=True)
class CaseListRow:
    id: int
    kind: str
    definition_id: int
    state: str
    is_closed: bool
    title: str
    title_partner: str | None
    owner_name: str
    owner_name_en: str | None
    region_name: str | None
    region_name_en: str | None
    region_calendar: str | None
    partner_name: str | None
    partner_country: str | None
    planned_date: dt.date | None
    updated_at: dt.datetime
    next_due: dt.date | None
    overdue: bool
    paused: bool


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseListRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class FilterOptions:
    regions: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def partner_name(partner):
    """The partner's Russian name: its directory entry, else ``fields.partner.name_ru``."""
    return func.coalesce(partner.name_ru, Case.fields[("partner", "name_ru")].as_string())


def text_match(session: Session, columns, q: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on any of ``columns``.

    PostgreSQL has ILIKE for every alphabet. SQLite's LIKE folds ASCII only, so Cyrillic is
    matched as typed, in lower case, capitalized and in upper case: it covers what people type.
    """
    q = q.strip()
    if session.get_bind().dialect.name == "postgresql":
        return or_(*(c.ilike(f"%{_escape(q)}%", escape="\\") for c in columns))
    variants = sorted({q, q.lower(), q.capitalize(), q.upper(), q.title()})
    return or_(*(c.like(f"%{_escape(v)}%", escape="\\") for c in columns for v in variants))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(session: Session, actor: Actor, f: CaseFilters, today: dt.date, partner):
    conditions = [visible_cases(actor)]
    if f.kinds:
        conditions.append(Case.kind.in_(f.kinds))
    if f.state:
        conditions.append(Case.state == f.state)
    if f.region_id:
        conditions.append(Case.region_id == f.region_id)
    if f.partner_country:
        conditions.append(Case.partner_country == f.partner_country)
    if f.my_org:
        conditions.append(Case.owner_org_id == actor.me.org_id)
    if f.overdue:
        conditions.append(has_overdue_task(today))
    if f.q and f.q.strip():
        conditions.append(
            text_match(session, [Case.title, Case.title_partner, partner_name(partner)], f.q)
        )
    return and_(*conditions)


def is_overdue(next_due: dt.date | None, today: dt.date) -> bool:
    """A listed case is overdue when its earliest open task is. Derived from the listed
    ``next_due`` rather than selected as an EXISTS, which PostgreSQL planned as a hash of every
    open task in the database for a page of 25 rows (bench: reads, plans-100000.txt)."""
    return next_due is not None and next_due < today


def has_overdue_task(today: dt.date):
    """SQL condition: the case has an open task past its due date (the "overdue" filter)."""
    return exists().where(Task.case_id == Case.id, Task.status == "open", Task.due_on < today)


def list_cases(
    session: Session,
    actor: Actor,
    filters: CaseFilters,
    today: dt.date,
    *,
    page: int = 1,
    per_page: int = 25,
    limit: int | None = None,
) -> CasePage:
    """One statement. ``limit`` (for exports) replaces pagination."""
    next_due = (
        select(func.min(Task.due_on))
        .where(Task.case_id == Case.id, Task.status == "open")
        .scalar_subquery()
    )
    paused = exists().where(SlaClock.case_id == Case.id, SlaClock.status == "paused")
    query = (
        select(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.is_closed,
            Case.title,
            Case.title_partner,
            OWNER.name_ru,
            OWNER.name_en,
            REGION.name_ru,
            REGION.name_en,
            REGION.calendar_code,
            partner_name(PARTNER),
            Case.partner_country,
            Case.planned_date,
            Case.updated_at,
            next_due,  # and from it, overdue (see is_overdue)
            paused,
            func.count().over().label("total"),
        )
        .join(OWNER, OWNER.id == Case.owner_org_id)
        .outerjoin(REGION, REGION.id == Case.region_id)
        .outerjoin(PARTNER, PARTNER.id == Case.partner_org_id)
        .where(_conditions(session, actor, filters, today, PARTNER))
        .order_by(Case.updated_at.desc(), Case.id.desc())
    )
    page = max(1, page)
    if limit is not None:
        query = query.limit(limit)
    else:
        query = query.limit(per_page).offset((page - 1) * per_page)
    rows = session.execute(query).all()
    total = rows[0].total if rows else 0
    listed = [
        CaseListRow(*row[:16], next_due=row[16], overdue=is_overdue(row[16], today), paused=row[17])
        for row in rows
    ]
    return CasePage(listed, total, page, per_page)


def _every_partner_country():
    """The distinct partner countries by a loose index scan: from each country, the next one
    up (one probe of the country index each), instead of reading every case's entry in the
    index, which grew with the database (14 ms at 100k agreements, bench: reads)."""
    first = select(func.min(Case.partner_country).label("country")).cte(
        "partner_countries", recursive=True
    )
    following = (
        select(func.min(Case.partner_country))
        .where(Case.partner_country > first.c.country)
        .scalar_subquery()
    )
    return first.union_all(select(following).where(first.c.country.is_not(None)))


def _country_rows(country):
    """Countries in the shape of the regions' rows, for the UNION."""
    return select(
        literal("country").label("what"),
        cast(null(), Integer).label("id"),
        country,
        cast(null(), String).label("name_ru"),
        cast(null(), String).label("name_en"),
    )


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """One statement: the regions, and the partner countries of the cases the actor sees."""
    regions = select(
        literal("region").label("what"),
        Organization.id,
        Organization.code,
        Organization.name_ru,
        Organization.name_en,
    ).where(Organization.kind == "region")
    if sees_everything(actor):
        country = _every_partner_country().c.country
        countries = _country_rows(country).where(country.is_not(None))
    else:  # her organizations' cases: bounded by their own number, not the database's
        countries = (
            _country_rows(Case.partner_country)
            .where(Case.partner_country.is_not(None), visible_cases(actor))
            .distinct()
        )
    rows = session.execute(union_all(regions, countries)).all()
    options = FilterOptions()
    for what, org_id, code, name_ru, name_en in rows:
        if what == "region":
            options.regions.append((org_id, code, name_ru, name_en))
        else:
            options.countries.append(code)
    options.regions.sort(key=lambda r: r[2])
    options.countries.sort()
    return options
