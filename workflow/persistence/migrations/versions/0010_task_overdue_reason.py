"""tasks.overdue_reason: why a task opened already past its due date

Revision ID: 0010_task_overdue_reason
Revises: 0009_demo_clock
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base

revision = "0010_task_overdue_reason"
down_revision = "0009_demo_clock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("overdue_reason", workflow.persistence.base.JSONType(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("overdue_reason")
