"""Writing outbox rows: the engine's decision that someone must hear about something.

``enqueue`` inserts one row per recipient with a unique idempotency key; a second attempt to
queue the same message is ignored by the database (``ON CONFLICT DO NOTHING``), so a decision is
made exactly once however often the cause is replayed. Rendering and delivery happen later, in
``notifications``, after the commit.

``task_notifications`` is the default handler: it tells the people who can act on a new task.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.clock import local_date
from workflow.events import CaseMoved, Event, HandlerContext, TaskAssigned, TaskOpened
from workflow.persistence.models import Case, OutboxMessage, Substitution, User, UserRole

MESSAGE_ID_DOMAIN = "soglasie.local"


def new_message_id(domain: str = MESSAGE_ID_DOMAIN) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    table = OutboxMessage.__table__
    return pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)


def enqueue(session: Session, now: dt.datetime, rows: Iterable[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose idempotency key already exists.

    Each row needs ``idempotency_key``, ``template`` and a recipient (``recipient_user_id`` or
    ``recipient``); the rest defaults.
    """
    values = []
    for row in rows:
        values.append(
            {
                "channel": "email",
                "recipient_user_id": None,
                "recipient": None,
                "case_id": None,
                "payload": {},
                "message_id": new_message_id(),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                **row,
            }
        )
    if not values:
        return
    statement = _insert(session).on_conflict_do_nothing(index_elements=["idempotency_key"])
    session.execute(statement, values)


def queue_recipients(session: Session, role: str, org_id: int | None, today: dt.date) -> list[int]:
    """Active users who may claim a task of ``role`` in ``org_id``, plus their substitutes today."""
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.is_active.is_(True))
    )
    if org_id is not None:
        query = query.where(User.org_id == org_id)
    holders = list(session.scalars(query))
    return sorted(set(holders) | set(substitutes_of(session, holders, today)))


def substitutes_of(session: Session, user_ids: Sequence[int], today: dt.date) -> list[int]:
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(Substitution.substitute_id).where(
                Substitution.user_id.in_(user_ids),
                Substitution.revoked.is_(False),
                Substitution.starts_on <= today,
                Substitution.ends_on >= today,
            )
        )
    )


def task_notifications(ctx: HandlerContext, events: Sequence[Event]) -> None:
    """Queue "a task is waiting for you" for new and reassigned tasks, and "your agreement
    moved" for the case's creator. Users with ``notify_mode = off`` are skipped here; the
    digest/instant choice is made at delivery."""
    session, now = ctx.session, ctx.now
    today = local_date(now)
    rows: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, TaskOpened):
            recipients = (
                [event.assignee_id, *substitutes_of(session, [event.assignee_id], today)]
                if event.assignee_id
                else queue_recipients(session, event.role, event.org_id, today)
            )
            for user_id in recipients:
                rows.append(
                    {
                        "idempotency_key": f"task-opened:{event.task_id}:{user_id}",
                        "template": "task_opened",
                        "recipient_user_id": user_id,
                        "case_id": event.case_id,
                        "payload": {
                            "task_id": event.task_id,
                            "state": event.state,
                            "role": event.role,
                            "due_on": event.due_on.isoformat() if event.due_on else None,
                        },
                    }
                )
        elif isinstance(event, TaskAssigned):
            rows.append(
                {
                    "idempotency_key": f"task-assigned:{event.task_id}:{event.assignee_id}:"
                    f"{now.timestamp():.6f}",
                    "template": "task_assigned",
                    "recipient_user_id": event.assignee_id,
                    "case_id": event.case_id,
                    "payload": {"task_id": event.task_id, "by_user_id": event.by_user_id},
                }
            )
        elif isinstance(event, CaseMoved):
            creator = session.scalar(select(Case.created_by).where(Case.id == event.case_id))
            if creator and creator != event.actor_id:
                rows.append(
                    {
                        "idempotency_key": (
                            f"case-moved:{event.case_id}:{event.audit_seq}:{creator}"
                        ),
                        "template": "case_moved",
                        "recipient_user_id": creator,
                        "case_id": event.case_id,
                        "payload": {
                            "trigger": event.trigger,
                            "from_state": event.from_state,
                            "to_state": event.to_state,
                            "audit_seq": event.audit_seq,
                            "actor_id": event.actor_id,
                            "comment": event.comment,
                        },
                    }
                )
    if rows:
        muted = set(
            session.scalars(
                select(User.id).where(
                    User.id.in_({r["recipient_user_id"] for r in rows}),
                    or_(User.notify_mode == "off", User.email.is_(None)),
                )
            )
        )
        enqueue(session, now, [r for r in rows if r["recipient_user_id"] not in muted])
