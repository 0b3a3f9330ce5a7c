"""audit seals: an HMAC per audit event and per case head, with a key kept outside the database

Existing rows stay unsealed (NULL): the key is not in the database, so the migration cannot
compute their MACs. ``soglasie audit verify`` reports them as unsealed until an operator, having
verified the chains, runs ``soglasie audit seal`` (see the README, "The audit trail").

Revision ID: 0006_audit_mac
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_mac"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("audit_mac")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("mac")
