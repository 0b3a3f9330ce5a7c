"""Decisions by email: one-use links and the people who turned them off.

A row of ``email_decision_tokens`` is one link of one review email: one reviewer, one task, one
decision (approve or return with remarks). It stores the link's public id and the SHA-256 of
its secret, never the secret itself (``workflow.email_decisions``). ``used_at`` is set once, by
``UPDATE … WHERE used_at IS NULL`` in the transaction that records the decision.

``email_decision_optouts`` lists the people who asked for no such links (the settings page).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime
from workflow.persistence.models import BigId


class EmailDecisionToken(Base):
    __tablename__ = "email_decision_tokens"
    __table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("task_id", "user_id", "trigger"),
        Index("ix_email_decision_tokens_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32))  # random, 128 bits, in the link
    secret_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the link's secret
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # approve | return
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class EmailDecisionOptOut(Base):
    __tablename__ = "email_decision_optouts"

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
