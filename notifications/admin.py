"""For administrators: the dead letters, and retrying them.

A dead row keeps its last error (the SMTP server's words, or why it could not be rendered)
and when it was given up. Retrying ("send again") puts it back in the queue with a fresh retry
window, due at once; it keeps its idempotency key and Message-ID, so a message that did arrive
after all is recognisable. ``mail_health`` says since when mail has been dying (the notice on
the administrators' page) and how much is still being retried.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from workflow.persistence.models import OutboxMessage, User

if TYPE_CHECKING:
    from workflow.engine import Engine

outbox_t = OutboxMessage.__table__


@dataclass(frozen=True)
class DeadMessage:
    id: int
    channel: str
    template: str
    recipient: str | None  # the address (or URL) it was for
    recipient_user_id: int | None
    case_id: int | None
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    payload: dict[str, Any]
    dead_at: dt.datetime | None = None  # when it was given up


@dataclass(frozen=True)
class MailHealth:
    dead: int  # messages given up and not sent again yet
    dying_since: dt.datetime | None  # when the first of them was given up
    last_dead_at: dt.datetime | None
    last_error: str | None  # of the latest one given up
    failing: int  # messages still being retried
    failing_since: dt.datetime | None  # the oldest of them failed first then

    @property
    def dying(self) -> bool:
        return self.dead > 0


def mail_health(engine: Engine) -> MailHealth:
    with engine.uow(write=False) as uow:
        session = uow.session
        dead, first, last = session.execute(
            select(func.count(), func.min(outbox_t.c.dead_at), func.max(outbox_t.c.dead_at)).where(
                outbox_t.c.status == "dead"
            )
        ).one()
        last_error = None
        if dead:
            last_error = session.scalar(
                select(outbox_t.c.last_error)
                .where(outbox_t.c.status == "dead")
                .order_by(outbox_t.c.dead_at.desc(), outbox_t.c.id.desc())
                .limit(1)
            )
        failing, failing_since = session.execute(
            select(func.count(), func.min(outbox_t.c.failing_since)).where(
                outbox_t.c.status == "pending", outbox_t.c.failing_since.is_not(None)
            )
        ).one()
    return MailHealth(dead, first, last, last_error, failing, failing_since)


def count_dead(engine: Engine) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count()).select_from(outbox_t).where(outbox_t.c.status == "dead")
        )


def list_dead(engine: Engine, *, limit: int = 100, offset: int = 0) -> list[DeadMessage]:
    """Dead messages, newest first."""
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(outbox_t, User.email)
            .outerjoin(User, User.id == outbox_t.c.recipient_user_id)
            .where(outbox_t.c.status == "dead")
            .order_by(outbox_t.c.created_at.desc(), outbox_t.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return [
        DeadMessage(
            r.id,
            r.channel,
            r.template,
            r.recipient or r.email,
            r.recipient_user_id,
            r.case_id,
            r.attempts,
            r.last_error,
            r.created_at,
            dict(r.payload or {}),
            r.dead_at,
        )
        for r in rows
    ]


def _retry(engine: Engine, *conditions) -> int:
    now = engine.clock.now()
    with engine.uow() as uow:
        changed = uow.session.execute(
            update(outbox_t)
            .where(outbox_t.c.status == "dead", *conditions)
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                lease_owner=None,
                lease_until=None,
                failing_since=None,
                unreachable=False,
                dead_at=None,
            )
        ).rowcount
        uow.commit()
    return changed


def retry_dead(engine: Engine, outbox_id: int) -> bool:
    """Queue one dead message again; False if it is not (or no longer) dead."""
    return _retry(engine, outbox_t.c.id == outbox_id) == 1


def retry_all_dead(engine: Engine, *, channel: str | None = None) -> int:
    """Queue every dead message (of ``channel``) again; returns how many."""
    conditions = [outbox_t.c.channel == channel] if channel else []
    return _retry(engine, *conditions)
