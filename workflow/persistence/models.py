"""The engine's tables: organizations, people, definitions, cases, documents, tasks, audit,
reminders and the outbox.

A *case* is one running instance of a workflow definition: a cooperation agreement, a plan of
activities or a coordinating-meeting cycle. Columns that lists and filters need (kind, state,
owner, region, partner country, planned date, title) are real indexed columns; everything else a
definition's field schema describes lives in ``fields`` (JSON, validated by marshmallow).

Writes on the hot path (``fire``) use these tables through SQLAlchemy Core; the ORM classes are
for reads, admin and tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.persistence.base import Base, JSONType, UTCDateTime

# Integer on SQLite (so it aliases ROWID and autoincrements), BIGINT on PostgreSQL.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Organization(Base):
    """A region, a municipality (``parent`` is its region), a federal body or a foreign partner."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # region|municipality|federal_body|foreign_partner
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    name_native: Mapped[str | None] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2, partners
    level: Mapped[str | None] = mapped_column(String(20))  # national|state|province|city
    calendar_code: Mapped[str | None] = mapped_column(String(16))  # regional calendar, e.g. RU-TA
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Moscow")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Organization | None] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str | None] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5), default="ru")
    notify_mode: Mapped[str] = mapped_column(String(10), default="instant")  # instant|digest|off
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    """A role held by a user; its scope is the user's organization (see ``workflow.policy``)."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"), Index("ix_user_roles_role", "role"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))


class DefinitionVersion(Base):
    """One version of a workflow definition, identified by the hash of its normalized content.

    Cases pin the row they started on; editing the YAML adds a row and leaves running cases alone.
    """

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("key", "content_hash"), UniqueConstraint("key", "number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… per key, for people
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)  # the YAML text as loaded
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_region_kind_state", "region_id", "kind", "state"),
        Index("ix_cases_owner_state", "owner_org_id", "state"),
        Index("ix_cases_kind_state_updated", "kind", "state", "updated_at"),
        # The list filtered by partner country (and kind, state), newest first; its prefix
        # serves the filter's list of countries.
        Index(
            "ix_cases_country_kind_state_updated", "partner_country", "kind", "state", "updated_at"
        ),
        Index("ix_cases_parent", "parent_case_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # the definition key
    definition_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"))
    state: Mapped[str] = mapped_column(String(64))
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)  # in a terminal state
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 on every change
    title: Mapped[str] = mapped_column(String(500))
    title_partner: Mapped[str | None] = mapped_column(String(500))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    partner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    partner_country: Mapped[str | None] = mapped_column(String(2))
    planned_date: Mapped[dt.date | None] = mapped_column(Date)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    audit_head: Mapped[str | None] = mapped_column(String(64))  # hash of the latest audit event
    # HMAC of audit_head with the audit key (workflow.audit_key); NULL: not sealed yet
    audit_mac: Mapped[str | None] = mapped_column(String(64))

    definition: Mapped[DefinitionVersion] = relationship()
    owner: Mapped[Organization] = relationship(foreign_keys=[owner_org_id])
    region: Mapped[Organization | None] = relationship(foreign_keys=[region_id])
    partner: Mapped[Organization | None] = relationship(foreign_keys=[partner_org_id])


class DocumentVersion(Base):
    """One version of the agreement text in one language; versions are never overwritten."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("case_id", "language", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(300))
    # The text the comparison and the search read: extracted from the file, or typed in.
    text: Mapped[str] = mapped_column(Text)
    # SHA-256 of the stored file (``document_blobs``); of the UTF-8 text for a typed-in version.
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The original file; NULL for versions typed in before files were kept.
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("document_blobs.sha256"), index=True)
    media_type: Mapped[str] = mapped_column(String(120), server_default="text/plain")
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    pages: Mapped[int | None] = mapped_column(Integer)
    # False for a scan without a text layer: stored and shown, but there is nothing to compare.
    has_text: Mapped[bool] = mapped_column(Boolean, server_default=true())


class ReviewRound(Base):
    """One round of a parallel review, pinned to the document versions it reviews."""

    __tablename__ = "review_rounds"
    __table_args__ = (UniqueConstraint("case_id", "state", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    documents: Mapped[dict[str, Any]] = mapped_column(
        JSONType(), default=dict
    )  # lang -> {number, sha256}
    outcome: Mapped[str | None] = mapped_column(String(20))  # approved|returned|cancelled
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Task(Base):
    """Work waiting for a person: assigned to one user, or in the queue of a role within an org.

    ``org_id`` is the organization whose holders of ``role`` may claim the task; NULL means any
    holder of a global role (a federal body).
    """

    __tablename__ = "tasks"
    __table_args__ = (
        # SQLite's planner takes "assignee_id IS NULL AND status = ?" (a queue's count) to the
        # assignee index, where most open tasks share the key NULL, and reads them all (100 ms
        # at 100k agreements). Partial indexes keep the two kinds of task apart; PostgreSQL
        # plans these queries well with the full indexes.
        Index(
            "ix_tasks_assignee_open",
            "assignee_id",
            "status",
            "due_on",
            sqlite_where=text("assignee_id IS NOT NULL"),
        ),
        Index(
            "ix_tasks_queue_open",
            "role",
            "status",
            "org_id",  # after status: a queue is "org_id IS NULL OR org_id = ?"
            "due_on",
            sqlite_where=text("assignee_id IS NULL"),
        ),
        # due_on included: "has an overdue open task" is answered from the index alone
        Index("ix_tasks_case_status", "case_id", "status", "due_on"),
        # status included: the inbox's "done" count is answered from the index alone
        Index("ix_tasks_closed_by", "closed_by", "status", "closed_at"),
        Index("ix_tasks_round", "round_id"),  # a review round's votes (every vote reads them)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(64))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("review_rounds.id"))
    role: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|done|cancelled
    outcome: Mapped[str | None] = mapped_column(String(64))  # trigger fired to close it
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    # When ``due_on`` was counted beyond the last year its calendar knew (a provisional
    # deadline): that last known year. ``workflow.services.deadlines`` recounts the task once
    # the calendar knows more; NULL for a deadline counted on known years (or none).
    due_known_through: Mapped[int | None] = mapped_column(Integer)
    # Why the task opened already past ``due_on`` (its term counts from a date of the case that
    # lay too close, ``workflow.services.overdue``); NULL for a task born in time.
    overdue_reason: Mapped[dict | None] = mapped_column(JSONType())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acting_for: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()


class SlaClock(Base):
    """The running time of a state's deadline, which can pause while the case is elsewhere.

    While a draft is back with its author (a ``pauses_in`` state of the deadline) the reviewers'
    clock stops; on return it resumes and the due date moves by the paused days.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (Index("ix_sla_clocks_case_state", "case_id", "state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(64))
    started_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="running")  # running|paused|stopped


class SlaPause(Base):
    __tablename__ = "sla_pauses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    clock_id: Mapped[int] = mapped_column(
        ForeignKey("sla_clocks.id", ondelete="CASCADE"), index=True
    )
    paused_on: Mapped[dt.date] = mapped_column(Date)
    resumed_on: Mapped[dt.date | None] = mapped_column(Date)
    reason_state: Mapped[str] = mapped_column(String(64))


class Substitution(Base):
    """``user_id`` hands her tasks to ``substitute_id`` from ``starts_on`` to ``ends_on``."""

    __tablename__ = "substitutions"
    __table_args__ = (
        Index("ix_substitutions_substitute", "substitute_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEvent(Base):
    """Append-only history; each row carries the hash of the previous row of the same case."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_audit_events_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # created|transition|vote|fields|document|task
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    trigger: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of hash with the audit key (workflow.audit_key); NULL: not sealed yet
    mac: Mapped[str | None] = mapped_column(String(64))


class Reminder(Base):
    """A time-driven piece of work: a reminder, an escalation or a deadline, swept when due.

    ``key`` is unique, so planning the same reminder twice is harmless. Recipients are resolved
    when the row fires (a task may have been claimed or delegated meanwhile).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        # (due_at, id): the sweep claims in that order, and reminders are planned at a fixed
        # local hour, so thousands share one due_at; on due_at alone PostgreSQL read and sorted
        # all of them for every batch of 200 (46 ms a claim with 100k due, bench: reminders).
        Index(
            "ix_reminders_due_pending",
            "due_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_reminders_task", "task_id"),
        Index("ix_reminders_case", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder|escalation|deadline|meeting
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline_on: Mapped[dt.date | None] = mapped_column(Date)
    role: Mapped[str | None] = mapped_column(String(64))  # for escalations: the supervising role
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rule: Mapped[str] = mapped_column(String(300))  # the rule that produced it, for people
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|fired|cancelled
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One message to one recipient (an email, or a webhook delivery), written in the same
    transaction as its cause and delivered by the worker after commit.

    ``idempotency_key`` is unique: the decision to send happens once. ``message_id`` is fixed at
    creation, so a re-send after a lost SMTP reply is recognisable.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # (next_attempt_at, id), the claim's order: a sweep writes many rows due at one moment
        # (see ix_reminders_due_pending).
        Index(
            "ix_outbox_deliverable",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_status_created", "status", "created_at"),
        Index("ix_outbox_recipient", "recipient_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")  # email|webhook
    template: Mapped[str] = mapped_column(String(64))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient: Mapped[str | None] = mapped_column(String(500))  # address or URL
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    message_id: Mapped[str] = mapped_column(String(200))
    # pending|sent|dead|held|cancelled|digested|skipped (a task closed before it went out)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Mail reliability (0005): when the row's current run of failures began (its retry window
    # counts from here; cleared by an administrator's retry), whether the last failure was the
    # transport being unreachable (retried at once when it is back), and when it was given up.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unreachable: Mapped[bool] = mapped_column(Boolean, server_default=false())
    dead_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
