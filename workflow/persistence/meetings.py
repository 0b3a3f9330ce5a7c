"""Tables of the annual coordinating meeting cycle.

A meeting belongs to a ``coordination_cycle`` case (its workflow); these rows hold what the
workflow's fields cannot: the invited regions, their proposals and reports, and the decisions of
the minutes. ``ical_uid`` is fixed for the meeting's life and ``ical_sequence`` rises on every
reschedule, so calendar clients update the same event (RFC 5545).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.persistence.base import Base, JSONType, UTCDateTime
from workflow.persistence.models import BigId, Case, Organization


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_starts", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    title_ru: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Moscow")
    venue: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned|held|cancelled
    organizer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    proposals_due_on: Mapped[dt.date | None] = mapped_column(Date)
    reports_due_on: Mapped[dt.date | None] = mapped_column(Date)
    agenda: Mapped[list[Any]] = mapped_column(JSONType(), default=list)  # [{"title": ..., ...}]
    minutes: Mapped[str | None] = mapped_column(Text)
    ical_uid: Mapped[str] = mapped_column(String(200), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    participants: Mapped[list[MeetingParticipant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class MeetingParticipant(Base):
    """An organization (usually a region) invited to a meeting."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "org_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)

    organization: Mapped[Organization] = relationship()


class MeetingSubmission(Base):
    """A region's proposal for the agenda, or its report on the year."""

    __tablename__ = "meeting_submissions"
    __table_args__ = (Index("ix_meeting_submissions_meeting", "meeting_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(12))  # proposal|report
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MeetingDecision(Base):
    """A decision of the minutes; each becomes a follow-up task for the responsible org."""

    __tablename__ = "meeting_decisions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    responsible_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|done|cancelled
