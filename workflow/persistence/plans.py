"""Items of a plan of activities. The plan itself is an ``activity_plan`` case (its workflow:
drafting → review → adoption → monitoring → reported); the items are rows of their own so that
each responsible organization can update its items without touching the plan's workflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, JSONType, UTCDateTime
from workflow.persistence.models import BigId

ITEM_STATUSES = ("planned", "in_progress", "done", "postponed", "cancelled")


class PlanItem(Base):
    __tablename__ = "plan_items"
    __table_args__ = (
        UniqueConstraint("plan_case_id", "number"),
        Index("ix_plan_items_responsible", "responsible_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    area: Mapped[str] = mapped_column(String(40))  # trade_economic|scientific_technical|...
    responsible_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    due_quarter: Mapped[str | None] = mapped_column(String(7))  # "2027-Q2"
    venue: Mapped[str | None] = mapped_column(String(300))
    budget_line: Mapped[str | None] = mapped_column(String(20))  # "3.6/1", "3.6/2"
    status: Mapped[str] = mapped_column(String(12), default="planned")
    notes: Mapped[list[Any]] = mapped_column(JSONType(), default=list)  # [{"at","by","text"}]
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
