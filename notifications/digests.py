"""Daily digests: one message per person per day gathering what a ``digest`` user would
otherwise have been sent one by one — however many workers run, and whatever delivery has got
round to by then.

At ``digest_hour`` in the person's time zone (her organization's: the cut-off), the digest of
that day takes every row of hers created before the cut-off that waits for a digest: rows
delivery already parked as ``held``, and rows still ``pending`` that delivery would park (not
calendar messages, not leased). It queues one ``digest`` outbox row keyed
``digest:<user>:<day>`` and marks the rows ``digested``, in one transaction per person with her
user row and the rows locked. The
key is the person and the day, so a second run (another worker, a restart) finds the day's
digest there and queues nothing: a row that commits late for a day whose digest is out waits
for the next day's. The whole job runs under a cluster-wide lock (``once_per_cluster``), so N
workers run it once. A worker that was down at the digest hour sends the digest when it comes
back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update

from notifications.cluster import once_per_cluster
from notifications.render import CALENDAR
from notifications.stale import REASON, SKIPPED, closed_task_rows
from workflow.outbox import enqueue
from workflow.persistence.models import Organization, OutboxMessage, User

if TYPE_CHECKING:
    from workflow.engine import Engine

outbox_t = OutboxMessage.__table__
NOT_DIGESTED = (*sorted(CALENDAR), "digest")


def last_cutoff(now: dt.datetime, hour: int, timezone: str) -> dt.datetime:
    """The latest ``hour``:00 local time at or before ``now`` (UTC)."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    cutoff = dt.datetime.combine(local.date(), dt.time(hour), tzinfo=tz)
    if cutoff > local:
        cutoff -= dt.timedelta(days=1)
    return cutoff.astimezone(dt.UTC)


def digest_key(user_id: int, day: dt.date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def _waiting(now: dt.datetime):
    """Rows that wait for their recipient's digest."""
    return or_(
        outbox_t.c.status == "held",
        and_(
            outbox_t.c.status == "pending",
            outbox_t.c.channel == "email",
            outbox_t.c.template.not_in(NOT_DIGESTED),
            or_(outbox_t.c.lease_until.is_(None), outbox_t.c.lease_until <= now),
        ),
    )


def send_digests(engine: Engine, *, hour: int, timezone: str) -> int:
    """Queue the digests due now; returns how many were queued (0 on every worker but one)."""
    with once_per_cluster(engine, "send-digests") as mine:
        if not mine:
            return 0
        now = engine.clock.now()
        with engine.uow(write=False) as uow:
            candidates = uow.session.execute(
                select(User.id, Organization.timezone, func.min(outbox_t.c.created_at))
                .join(Organization, Organization.id == User.org_id)
                .join(outbox_t, outbox_t.c.recipient_user_id == User.id)
                .where(User.notify_mode == "digest", User.is_active.is_(True), _waiting(now))
                .group_by(User.id, Organization.timezone)
            ).all()
        queued = 0
        for user_id, user_tz, oldest in candidates:
            tz = user_tz or timezone
            cutoff = last_cutoff(now, hour, tz)
            if oldest >= cutoff:
                continue  # everything she has waiting is for the next digest
            day = cutoff.astimezone(ZoneInfo(tz)).date()
            queued += _digest_for(engine, user_id, cutoff, day, now)
        return queued


def _digest_for(
    engine: Engine, user_id: int, cutoff: dt.datetime, day: dt.date, now: dt.datetime
) -> int:
    key = digest_key(user_id, day)
    with engine.uow() as uow:
        session = uow.session
        lock = select(User.id).where(User.id == user_id)
        if uow.dialect == "postgresql":
            lock = lock.with_for_update()
        session.scalar(lock)
        if session.scalar(select(outbox_t.c.id).where(outbox_t.c.idempotency_key == key)):
            return 0  # the day's digest is out: what came late waits for tomorrow's
        rows = (
            select(outbox_t.c.id, outbox_t.c.template, outbox_t.c.payload)
            .where(
                outbox_t.c.recipient_user_id == user_id,
                outbox_t.c.created_at < cutoff,
                _waiting(now),
            )
            .order_by(outbox_t.c.id)
        )
        if uow.dialect == "postgresql":
            # Waits for a delivery claim that is parking them as "held" (re-checked after it).
            rows = rows.with_for_update()
        waiting = session.execute(rows).all()
        # What a task closed meanwhile was about is old news: skipped, not digested.
        skipped = closed_task_rows(session, waiting)
        if skipped:
            session.execute(
                update(outbox_t)
                .where(outbox_t.c.id.in_(list(skipped)))
                .values(status=SKIPPED, last_error=REASON, lease_owner=None, lease_until=None)
            )
        items = [row.id for row in waiting if row.id not in skipped]
        if not items:
            uow.commit()
            return 0
        enqueue(
            session,
            now,
            [
                {
                    "idempotency_key": key,
                    "template": "digest",
                    "recipient_user_id": user_id,
                    "payload": {"day": day.isoformat(), "items": items},
                }
            ],
        )
        session.execute(
            update(outbox_t)
            .where(outbox_t.c.id.in_(items))
            .values(status="digested", lease_owner=None, lease_until=None)
        )
        uow.commit()
    return 1
