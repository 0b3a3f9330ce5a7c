"""demo clock: the simulated time of a demo, shared by the web app and the worker

Revision ID: 0009_demo_clock
Revises: 0008_idempotency
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base

revision = "0009_demo_clock"
down_revision = "0008_idempotency"
branch_labels = None
depends_on = None

UTC = workflow.persistence.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "demo_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("real_at", UTC, nullable=False),
        sa.Column("simulated_at", UTC, nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_clock")),
    )


def downgrade() -> None:
    op.drop_table("demo_clock")
