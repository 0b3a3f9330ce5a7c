"""decisions by email: one-use link tokens (hashed) and per-person opt-outs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import workflow.persistence.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = workflow.persistence.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_decision_tokens",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_email_decision_tokens_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_email_decision_tokens_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_decision_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_decision_tokens")),
        sa.UniqueConstraint("public_id", name=op.f("uq_email_decision_tokens_public_id")),
        sa.UniqueConstraint(
            "task_id",
            "user_id",
            "trigger",
            name=op.f("uq_email_decision_tokens_task_id_user_id_trigger"),
        ),
    )
    op.create_index(
        "ix_email_decision_tokens_case_id", "email_decision_tokens", ["case_id"], unique=False
    )
    op.create_table(
        "email_decision_optouts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_decision_optouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_decision_optouts")),
    )


def downgrade() -> None:
    op.drop_table("email_decision_optouts")
    op.drop_index("ix_email_decision_tokens_case_id", table_name="email_decision_tokens")
    op.drop_table("email_decision_tokens")
