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

from sqlalchemy import bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.clock import local_date
from workflow.events import CaseMoved, Event, HandlerContext, TaskAssigned, TaskOpened
from workflow.persistence.models import Case, OutboxMessage, Substitution, User, UserRole

MESSAGE_ID_DOMAIN = "soglasie.local"

users_t = User.__table__
roles_t = UserRole.__table__
substitutions_t = Substitution.__table__
cases_t = Case.__table__

# Built once: these run inside every transition (see ``workflow.services.firing``).
_INSERTS: dict[str, Any] = {}
_ROLE_HOLDERS = (
    select(roles_t.c.role, users_t.c.org_id, users_t.c.id)
    .join(roles_t, roles_t.c.user_id == users_t.c.id)
    .where(roles_t.c.role.in_(bindparam("roles", expanding=True)), users_t.c.is_active.is_(True))
)
_ROLE_HOLDERS_IN_ORGS = _ROLE_HOLDERS.where(
    users_t.c.org_id.in_(bindparam("org_ids", expanding=True))
)
_SUBSTITUTES = select(substitutions_t.c.user_id, substitutions_t.c.substitute_id).where(
    substitutions_t.c.user_id.in_(bindparam("user_ids", expanding=True)),
    substitutions_t.c.revoked.is_(False),
    substitutions_t.c.starts_on <= bindparam("today"),
    substitutions_t.c.ends_on >= bindparam("today"),
)
_MUTED = select(users_t.c.id).where(
    users_t.c.id.in_(bindparam("user_ids", expanding=True)),
    or_(users_t.c.notify_mode == "off", users_t.c.email.is_(None)),
)
_CREATOR = select(cases_t.c.created_by).where(cases_t.c.id == bindparam("case_id"))


def new_message_id(domain: str = MESSAGE_ID_DOMAIN) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def _insert(session: Session):
    """``INSERT … ON CONFLICT (idempotency_key) DO NOTHING`` for the session's dialect, built
    once per dialect."""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        table = OutboxMessage.__table__
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
        _INSERTS[dialect] = statement
    return statement


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
    session.execute(_insert(session), values)


def queue_recipients(session: Session, role: str, org_id: int | None, today: dt.date) -> list[int]:
    """Active users who may claim a task of ``role`` in ``org_id``, plus their substitutes today."""
    holders = _holders_by_queue(session, {(role, org_id)})[(role, org_id)]
    return sorted(set(holders) | set(substitutes_of(session, holders, today)))


def substitutes_of(session: Session, user_ids: Sequence[int], today: dt.date) -> list[int]:
    if not user_ids:
        return []
    rows = session.execute(_SUBSTITUTES, {"user_ids": list(user_ids), "today": today})
    return [substitute_id for _user_id, substitute_id in rows]


def _substitutes_by_user(
    session: Session, user_ids: set[int], today: dt.date
) -> dict[int, list[int]]:
    """Everyone substituting for each of ``user_ids`` today, in one statement."""
    found: dict[int, list[int]] = {}
    if user_ids:
        rows = session.execute(_SUBSTITUTES, {"user_ids": sorted(user_ids), "today": today})
        for user_id, substitute_id in rows:
            found.setdefault(user_id, []).append(substitute_id)
    return found


def _holders_by_queue(
    session: Session, queues: set[tuple[str, int | None]]
) -> dict[tuple[str, int | None], list[int]]:
    """Active holders of each ``(role, org_id)`` queue (``org_id`` None: any organization),
    in one statement for all of them."""
    found: dict[tuple[str, int | None], list[int]] = {queue: [] for queue in queues}
    if not queues:
        return found
    params: dict[str, Any] = {"roles": sorted({role for role, _org in queues})}
    org_ids = {org for _role, org in queues}
    if None in org_ids:
        statement = _ROLE_HOLDERS
    else:
        statement = _ROLE_HOLDERS_IN_ORGS
        params["org_ids"] = sorted(org_ids)
    for role, org_id, user_id in session.execute(statement, params):
        for queue in ((role, org_id), (role, None)):
            if queue in found:
                found[queue].append(user_id)
    return found


def task_notifications(ctx: HandlerContext, events: Sequence[Event]) -> None:
    """Queue "a task is waiting for you" for new and reassigned tasks, and "your agreement
    moved" for the case's creator. Users with ``notify_mode = off`` are skipped here; the
    digest/instant choice is made at delivery."""
    session, now = ctx.session, ctx.now
    today = local_date(now)
    rows: list[dict[str, Any]] = []
    opened = [e for e in events if isinstance(e, TaskOpened)]
    # Everyone the new tasks concern, in two statements for the whole batch of events rather
    # than two per task (a review round opens three tasks at once).
    holders = _holders_by_queue(session, {(e.role, e.org_id) for e in opened if not e.assignee_id})
    substitutes = _substitutes_by_user(
        session,
        {e.assignee_id for e in opened if e.assignee_id}
        | {u for e in opened if not e.assignee_id for u in holders[(e.role, e.org_id)]},
        today,
    )
    for event in events:
        if isinstance(event, TaskOpened):
            if event.assignee_id:
                recipients = [event.assignee_id, *substitutes.get(event.assignee_id, ())]
            else:
                queue = holders[(event.role, event.org_id)]
                recipients = sorted(set(queue) | {s for u in queue for s in substitutes.get(u, ())})
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
            creator = event.created_by
            if creator is None:
                creator = session.scalar(_CREATOR, {"case_id": event.case_id})
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
            session.scalars(_MUTED, {"user_ids": sorted({r["recipient_user_id"] for r in rows})})
        )
        enqueue(session, now, [r for r in rows if r["recipient_user_id"] not in muted])
