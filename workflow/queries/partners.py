"""Foreign partners of the organization directory, for the pickers of a case's partner."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import Organization


def foreign_partners(session: Session) -> list:
    """Active foreign partners: ``id``, ``name_ru``, ``name_en``, ``country`` (one query)."""
    return list(
        session.execute(
            select(
                Organization.id, Organization.name_ru, Organization.name_en, Organization.country
            )
            .where(Organization.kind == "foreign_partner", Organization.is_active.is_(True))
            .order_by(Organization.name_ru)
        ).all()
    )
