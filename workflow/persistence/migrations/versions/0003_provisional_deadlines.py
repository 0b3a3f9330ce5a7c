"""provisional deadlines: the last known calendar year a task's due date was counted against

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

``tasks.due_known_through`` is set when a due date lies beyond the last year its calendar
knows (the decree moving that year's days off is not out yet), so the date can be recounted
when the calendar data learns the year (``soglasie deadlines recompute``, and every worker
start). Existing rows stay NULL: before this column nobody recorded it, and a recount of every
open task would also move dates for reasons other than the calendar.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_known_through", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("due_known_through")
