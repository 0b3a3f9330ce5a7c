"""mail reliability: a retry window in time, retrying at once when the server is back, and when
mail was given up

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = workflow.persistence.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", UTC, nullable=True))
        batch_op.add_column(
            sa.Column("unreachable", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("dead_at", UTC, nullable=True))
    # Rows already dead: given up at their last known moment.
    op.execute("UPDATE outbox SET dead_at = created_at WHERE status = 'dead'")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("dead_at")
        batch_op.drop_column("unreachable")
        batch_op.drop_column("failing_since")
