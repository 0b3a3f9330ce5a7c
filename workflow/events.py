"""Domain events produced by the services, and the handlers that react inside the transaction.

Services collect events while they work and, just before the commit, pass them to each handler
registered on the engine. Handlers write rows (outbox emails, webhook deliveries, reminders) with
the same session, so they commit or roll back together with the cause: a rolled-back approval
never mails anyone. Handlers must not perform external effects themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CaseCreated:
    case_id: int
    kind: str
    state: str
    actor_id: int


@dataclass(frozen=True)
class CaseMoved:
    case_id: int
    kind: str
    trigger: str
    from_state: str
    to_state: str
    actor_id: int | None  # None when the system fired it (a timer)
    acting_for_id: int | None
    audit_seq: int
    comment: str | None = None
    created_by: int | None = None  # the case's creator, known to the firing (saves a lookup)


@dataclass(frozen=True)
class VoteRecorded:
    case_id: int
    trigger: str
    state: str
    role: str
    actor_id: int
    audit_seq: int


@dataclass(frozen=True)
class TaskOpened:
    task_id: int
    case_id: int
    state: str
    role: str
    org_id: int | None
    assignee_id: int | None
    due_on: dt.date | None


@dataclass(frozen=True)
class TaskClosed:
    task_id: int
    case_id: int
    status: str  # done|cancelled
    outcome: str | None


@dataclass(frozen=True)
class TaskAssigned:
    task_id: int
    case_id: int
    assignee_id: int
    by_user_id: int


@dataclass(frozen=True)
class FieldsChanged:
    case_id: int
    changed: tuple[str, ...]
    actor_id: int


@dataclass(frozen=True)
class DocumentAdded:
    case_id: int
    language: str
    number: int
    actor_id: int


@dataclass(frozen=True)
class MeetingScheduled:
    """A coordinating meeting got its date (or was created with one)."""

    meeting_id: int
    case_id: int


@dataclass(frozen=True)
class MeetingRescheduled:
    """The meeting moved: dependent reminders must be re-planned and invitations updated
    (``sequence`` is the new iCal SEQUENCE)."""

    meeting_id: int
    case_id: int
    old_starts_at: dt.datetime
    new_starts_at: dt.datetime
    sequence: int


@dataclass(frozen=True)
class MeetingCancelled:
    meeting_id: int
    case_id: int
    sequence: int


@dataclass(frozen=True)
class ParticipantsChanged:
    meeting_id: int
    case_id: int
    added_org_ids: tuple[int, ...]
    removed_org_ids: tuple[int, ...]


@dataclass(frozen=True)
class DeadlineBreached:
    """An escalation fired: an open task's deadline has passed (decided once, by the sweep)."""

    reminder_id: int
    case_id: int | None
    task_id: int | None
    state: str | None
    role: str | None  # the task's role
    deadline_on: dt.date | None
    escalated_to: str | None  # the supervising role told about it


Event = (
    CaseCreated
    | CaseMoved
    | VoteRecorded
    | TaskOpened
    | TaskClosed
    | TaskAssigned
    | FieldsChanged
    | DocumentAdded
    | MeetingScheduled
    | MeetingRescheduled
    | MeetingCancelled
    | ParticipantsChanged
    | DeadlineBreached
)


@dataclass
class HandlerContext:
    session: Session
    now: dt.datetime
    extra: dict[str, Any] = field(default_factory=dict)


class Handler(Protocol):
    def __call__(self, ctx: HandlerContext, events: Sequence[Event]) -> None: ...


def dispatch(
    handlers: Sequence[Callable[[HandlerContext, Sequence[Event]], None]],
    session: Session,
    now: dt.datetime,
    events: Sequence[Event],
) -> None:
    if not events:
        return
    ctx = HandlerContext(session, now)
    # A handler may queue the reads it will need (``handler.prefetch(ctx, events)``, e.g. with
    # ``direct.prefetch``) before any handler runs, so they share a round trip with the
    # reads of the handlers before it.
    for handler in handlers:
        early = getattr(handler, "prefetch", None)
        if early is not None:
            early(ctx, events)
    for handler in handlers:
        handler(ctx, events)
