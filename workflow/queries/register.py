"""The register of agreements: every case the list would show (same filters, same visibility),
one plain row each, streamed.

``register_rows`` yields rows as the database sends them (``yield_per``: a server-side cursor
on PostgreSQL, stepwise fetching on SQLite), so a 100,000-row register is never held in memory.
The dates kept in a case's fields (signing per party, registration, entry into force) are read
out of the JSON in SQL, not by loading every case's fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import Case
from workflow.policy import Actor
from workflow.queries.aliases import OWNER, PARTNER, REGION
from workflow.queries.cases import CaseFilters, _conditions, partner_name

BATCH = 1000


@dataclass(frozen=True)
class RegisterRow:
    id: int
    kind: str
    definition_id: int
    state: str
    title: str
    title_partner: str | None
    owner_name: str
    owner_name_en: str | None
    region_name: str | None
    region_name_en: str | None
    partner: str | None
    partner_country: str | None
    planned_date: dt.date | None
    signed_russian: dt.date | None
    signed_partner: dt.date | None
    registration_number: str | None
    registration_date: dt.date | None
    in_force_from: dt.date | None
    valid_until: dt.date | None
    updated_at: dt.datetime


def _field(*path: str):
    return Case.fields[path].as_string()


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def register_rows(
    session: Session, actor: Actor, filters: CaseFilters, today: dt.date
) -> Iterator[RegisterRow]:
    """The list's order (latest change first), every matching row, no limit."""
    query = (
        select(
            Case.id,
            Case.kind,
            Case.definition_id,
            Case.state,
            Case.title,
            Case.title_partner,
            OWNER.name_ru,
            OWNER.name_en,
            REGION.name_ru,
            REGION.name_en,
            partner_name(PARTNER),
            Case.partner_country,
            Case.planned_date,
            _field("signing_russian", "date"),
            _field("signing_partner", "date"),
            _field("registration", "number"),
            _field("registration", "date"),
            _field("in_force_from"),
            _field("valid_until"),
            Case.updated_at,
        )
        .join(OWNER, OWNER.id == Case.owner_org_id)
        .outerjoin(REGION, REGION.id == Case.region_id)
        .outerjoin(PARTNER, PARTNER.id == Case.partner_org_id)
        .where(_conditions(session, actor, filters, today, PARTNER))
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .execution_options(yield_per=BATCH)
    )
    for r in session.execute(query):
        yield RegisterRow(
            *r[:13],
            signed_russian=_date(r[13]),
            signed_partner=_date(r[14]),
            registration_number=r[15],
            registration_date=_date(r[16]),
            in_force_from=_date(r[17]),
            valid_until=_date(r[18]),
            updated_at=r[19],
        )
