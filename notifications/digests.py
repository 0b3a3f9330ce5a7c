"""Daily digests: one message a day gathering what a ``digest`` user would otherwise have been
sent one by one.

Delivery parks such rows as ``held``. Once a day, at ``digest_hour`` local time, this job takes
each user's rows held before that moment, queues one ``digest`` outbox row listing them and marks
them ``digested`` — in one transaction per user, with the user row locked (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL) so two workers never split one person's day into two digests. The
digest's key names the user, the day and its first row, so a replay queues nothing new. Rows
held after the cut-off wait for the next day's digest. A worker that was down at the digest hour
sends the digest when it comes back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from workflow.outbox import enqueue
from workflow.persistence.models import OutboxMessage, User

if TYPE_CHECKING:
    from workflow.engine import Engine

outbox_t = OutboxMessage.__table__


def last_cutoff(now: dt.datetime, hour: int, timezone: str) -> dt.datetime:
    """The latest ``hour``:00 local time at or before ``now`` (UTC)."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    cutoff = dt.datetime.combine(local.date(), dt.time(hour), tzinfo=tz)
    if cutoff > local:
        cutoff -= dt.timedelta(days=1)
    return cutoff.astimezone(dt.UTC)


def send_digests(engine: Engine, *, hour: int, timezone: str, max_users: int = 200) -> int:
    """Queue the digests due now; returns how many were queued."""
    now = engine.clock.now()
    cutoff = last_cutoff(now, hour, timezone)
    day = cutoff.astimezone(ZoneInfo(timezone)).date()
    with engine.uow(write=False) as uow:
        user_ids = list(
            uow.session.scalars(
                select(outbox_t.c.recipient_user_id)
                .where(outbox_t.c.status == "held", outbox_t.c.created_at < cutoff)
                .distinct()
                .limit(max_users)
            )
        )
    queued = 0
    for user_id in user_ids:
        queued += _digest_for(engine, user_id, cutoff, day, now)
    return queued


def _digest_for(
    engine: Engine, user_id: int, cutoff: dt.datetime, day: dt.date, now: dt.datetime
) -> int:
    with engine.uow() as uow:
        session = uow.session
        lock = select(User.id).where(User.id == user_id)
        if uow.dialect == "postgresql":
            lock = lock.with_for_update(skip_locked=True)
        if session.scalar(lock) is None:
            return 0  # another worker is writing this user's digest
        held = list(
            session.scalars(
                select(outbox_t.c.id)
                .where(
                    outbox_t.c.recipient_user_id == user_id,
                    outbox_t.c.status == "held",
                    outbox_t.c.created_at < cutoff,
                )
                .order_by(outbox_t.c.id)
            )
        )
        if not held:
            return 0
        enqueue(
            session,
            now,
            [
                {
                    "idempotency_key": f"digest:{user_id}:{day}:{held[0]}",
                    "template": "digest",
                    "recipient_user_id": user_id,
                    "payload": {"day": day.isoformat(), "items": held},
                }
            ],
        )
        session.execute(update(outbox_t).where(outbox_t.c.id.in_(held)).values(status="digested"))
        uow.commit()
    return 1
