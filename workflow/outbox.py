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

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.audience import audience
from workflow.clock import local_date
from workflow.email_decisions import attach_links
from workflow.events import CaseMoved, Event, HandlerContext, TaskAssigned, TaskOpened
from workflow.persistence import direct
from workflow.persistence.models import Case, OutboxMessage

MESSAGE_ID_DOMAIN = "soglasie.local"

cases_t = Case.__table__

# Built once, run directly on the driver: these run inside every transition.
_INSERTS: dict[str, direct.Direct] = {}
_CREATOR = select(cases_t.c.created_by).where(cases_t.c.id == bindparam("case_id"))


def new_message_id(domain: str = MESSAGE_ID_DOMAIN) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def _insert(session: Session) -> direct.Direct:
    """``INSERT … ON CONFLICT (idempotency_key) DO NOTHING`` for the session's dialect, built
    once per dialect."""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        table = OutboxMessage.__table__
        insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        insert = insert.on_conflict_do_nothing(index_elements=["idempotency_key"])
        statement = _INSERTS[dialect] = direct.Direct(insert)
    return statement


def enqueue(session: Session, now: dt.datetime, rows: Iterable[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose idempotency key already exists.

    Each row needs ``idempotency_key``, ``template`` and a recipient (``recipient_user_id`` or
    ``recipient``); the rest defaults. One ``executemany`` for all of them.
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
    if values:
        direct.defer_many(session, _insert(session), values)


def task_notifications(ctx: HandlerContext, events: Sequence[Event]) -> None:
    """Queue "a task is waiting for you" for new and reassigned tasks, and "your agreement
    moved" for the case's creator. Users with ``notify_mode = off`` (or no address) are skipped
    here; the digest/instant choice is made at delivery."""
    session, now = ctx.session, ctx.now
    opened = [e for e in events if isinstance(e, TaskOpened)]
    creators: dict[int, int | None] = {}
    for event in events:
        if isinstance(event, CaseMoved):
            creator = event.created_by
            if creator is None:
                creator = session.scalar(_CREATOR, {"case_id": event.case_id})
            creators[id(event)] = creator
    named = {e.assignee_id for e in opened if e.assignee_id}
    named |= {e.assignee_id for e in events if isinstance(e, TaskAssigned)}
    named |= {c for c in creators.values() if c}
    # Everyone these events concern (queues, substitutes, who is muted) in one statement for
    # the whole batch, rather than three per task (a review round opens three tasks at once).
    people = audience(
        session, {(e.role, e.org_id) for e in opened if not e.assignee_id}, named, local_date(now)
    )
    rows: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, TaskOpened):
            if event.assignee_id:
                recipients = people.with_substitutes([event.assignee_id])
            else:
                recipients = people.with_substitutes(people.queue(event.role, event.org_id))
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
            creator = creators[id(event)]
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
    rows = [r for r in rows if r["recipient_user_id"] not in people.muted]
    attach_links(session, now, events, rows)  # review tasks: decide-by-email links
    enqueue(session, now, rows)
