"""valid_until filled in for agreements stored without it: derived from in_force_from and
term.years (workflow.fields.derived), so renewal and expiry work for them too

Revision ID: 0011_derived_valid_until
Revises: 0010_task_overdue_reason
Create Date: 2026-12-04
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base

revision = "0011_derived_valid_until"
down_revision = "0010_task_overdue_reason"
branch_labels = None
depends_on = None

AGREEMENT_KINDS = ("regional_agreement", "twin_city_agreement")

cases = sa.table(
    "cases",
    sa.column("id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("fields", workflow.persistence.base.JSONType()),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(cases.c.id, cases.c.fields).where(cases.c.kind.in_(AGREEMENT_KINDS))
    ).all()
    for case_id, stored in rows:
        stored = dict(stored or {})
        if stored.get("valid_until"):
            continue
        until = _valid_until(stored)
        if until is not None:
            stored["valid_until"] = until
            bind.execute(sa.update(cases).where(cases.c.id == case_id).values(fields=stored))


def _valid_until(stored: dict) -> str | None:
    """As ``workflow.fields.derived`` at the time of writing (a migration keeps its own copy:
    the code may change, what this migration did may not)."""
    years = (stored.get("term") or {}).get("years")
    try:
        start = dt.date.fromisoformat(stored.get("in_force_from") or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(years, int) or years < 1:
        return None
    try:
        return start.replace(year=start.year + years).isoformat()
    except ValueError:  # 29 February into a common year
        return start.replace(year=start.year + years, day=28).isoformat()


def downgrade() -> None:
    pass  # a derived date is as good as a typed one; nothing to take back
