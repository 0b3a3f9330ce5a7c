"""Delivering the outbox: claim rows with a lease, hand them to the channel's transport, record
the outcome only while the lease is still ours.

One batch:

1. *claim* (one short transaction): up to ``batch_size`` pending rows of a channel whose
   ``next_attempt_at`` has come and whose lease is free or expired, locked ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL (SQLite: ``BEGIN IMMEDIATE`` makes it a single writer). Email rows of
   people who chose the daily digest become ``held`` (the digest job collects them); rows of
   people who turned mail off or left become ``cancelled``. The rest get ``lease_owner`` = this
   worker and ``lease_until`` = now + lease, and the transaction commits: no transaction stays
   open while the transport talks to the network.
2. *send* each row (one SMTP connection for the batch) and record the outcome in its own small
   transaction, guarded by ``lease_owner = me``: ``sent``; or retried with exponential backoff
   and jitter; or ``dead`` with the error kept, after the last attempt or at once for a
   permanent failure. If the lease was lost meanwhile (this worker stalled past it and another
   took the row over) nothing is written and the possible duplicate is counted.
3. on stop (SIGTERM) or when the batch runs short of lease time, the unsent rows are released.

A worker killed mid-batch leaves its rows leased; they are taken over once the lease expires.
A row sent just before the kill is sent again, with the same Message-ID: delivery is
at-least-once, and every re-send recognisable.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, or_, select, update

from notifications.context import as_item
from notifications.render import CALENDAR
from notifications.transports import (
    ConnectionFailure,
    OutboxItem,
    PermanentFailure,
    Transport,
)
from workflow.persistence import direct
from workflow.persistence.models import OutboxMessage, User

if TYPE_CHECKING:
    from workflow.engine import Engine

log = logging.getLogger("soglasie.delivery")
outbox_t = OutboxMessage.__table__


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 50
    lease_seconds: float = 300.0
    send_timeout: float = 20.0  # the transport's own timeout (SMTP socket timeout)
    max_attempts: int = 8
    backoff_base: float = 60.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 6 * 3600.0
    jitter: float = 0.2  # ± fraction of each delay, so retries of a burst spread out

    def __post_init__(self):
        if self.lease_seconds <= 3 * self.send_timeout:
            raise ValueError(
                f"the delivery lease ({self.lease_seconds:g} s) must be longer than three "
                f"transport timeouts ({self.send_timeout:g} s each), or a slow server could "
                "outlive it and another worker would send the same row in parallel"
            )
        if self.max_attempts < 1 or self.batch_size < 1:
            raise ValueError("max_attempts and batch_size must be at least 1")

    def delay(self, attempts: int, rng: random.Random) -> dt.timedelta:
        """Wait before attempt ``attempts + 1``: base·2^(attempts−1), capped, ± jitter."""
        nominal = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))
        return dt.timedelta(seconds=nominal * rng.uniform(1 - self.jitter, 1 + self.jitter))


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0
    cancelled: int = 0
    released: int = 0
    lost_lease: int = 0  # outcomes not recorded because another worker owned the row by then

    def add(self, other: BatchResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def claim(
    engine: Engine, channel: str, worker_id: str, policy: DeliveryPolicy
) -> tuple[list[OutboxItem], BatchResult]:
    now = engine.clock.now()
    result = BatchResult()
    with engine.uow() as uow:
        session = uow.session
        query = (
            select(outbox_t)
            .where(
                outbox_t.c.status == "pending",
                outbox_t.c.channel == channel,
                outbox_t.c.next_attempt_at <= now,
                or_(outbox_t.c.lease_until.is_(None), outbox_t.c.lease_until <= now),
            )
            .order_by(outbox_t.c.next_attempt_at, outbox_t.c.id)
            .limit(policy.batch_size)
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return [], result
        held, cancelled = _route(session, rows) if channel == "email" else ({}, {})
        leased = [r for r in rows if r.id not in held and r.id not in cancelled]
        if held:
            session.execute(
                update(outbox_t).where(outbox_t.c.id.in_(list(held))).values(status="held")
            )
        for reason in set(cancelled.values()):
            ids = [i for i, r in cancelled.items() if r == reason]
            session.execute(
                update(outbox_t)
                .where(outbox_t.c.id.in_(ids))
                .values(status="cancelled", last_error=reason)
            )
        if leased:
            session.execute(
                update(outbox_t)
                .where(outbox_t.c.id.in_([r.id for r in leased]))
                .values(
                    lease_owner=worker_id,
                    lease_until=now + dt.timedelta(seconds=policy.lease_seconds),
                )
            )
        uow.commit()
    result.claimed, result.held, result.cancelled = len(rows), len(held), len(cancelled)
    return [as_item(r) for r in leased], result


def _route(session, rows) -> tuple[dict[int, str], dict[int, str]]:
    """Which claimed email rows wait for the digest, and which nobody wants any more."""
    user_ids = {r.recipient_user_id for r in rows if r.recipient_user_id is not None}
    users = {
        u.id: u
        for u in session.execute(
            select(User.id, User.notify_mode, User.is_active).where(User.id.in_(user_ids))
        )
    }
    held: dict[int, str] = {}
    cancelled: dict[int, str] = {}
    for row in rows:
        user = users.get(row.recipient_user_id)
        if user is None:
            continue
        if not user.is_active:
            cancelled[row.id] = "the recipient's account is no longer active"
        elif user.notify_mode == "off":
            cancelled[row.id] = "the recipient turned email notifications off"
        elif (
            user.notify_mode == "digest"
            and row.template not in CALENDAR
            and row.template != "digest"
        ):
            held[row.id] = "digest"
    return held, cancelled


_FINISHES: dict[frozenset[str], direct.Direct] = {}
# An outcome mark may be lost in a database crash without harm: the row stays leased to this
# worker, and once the lease runs out it is sent again with the same Message-ID (at least
# once, as ever). So it need not wait for the disk (UnitOfWork(durable=False)): a mark costs one
# round trip and no flush (bench: reminders, delivery).


def _finish_statement(columns: frozenset[str]) -> direct.Direct:
    statement = _FINISHES.get(columns)
    if statement is None:
        statement = _FINISHES[columns] = direct.Direct(
            update(outbox_t)
            .where(
                outbox_t.c.id == bindparam("item_id"),
                outbox_t.c.lease_owner == bindparam("worker_id"),
                outbox_t.c.status == "pending",
            )
            .values(
                lease_owner=None,
                lease_until=None,
                **{name: bindparam(f"v_{name}") for name in sorted(columns)},
            )
        )
    return statement


def _finish(engine: Engine, item: OutboxItem, worker_id: str, **values) -> bool:
    """Record an outcome if this worker still holds the row; False if it lost the lease."""
    params = {f"v_{name}": value for name, value in values.items()}
    params.update(item_id=item.id, worker_id=worker_id)
    with engine.uow(durable=False) as uow:
        # Sent with the COMMIT (one round trip): a mark that matched no row (the lease was
        # lost) changes nothing, so it needs no check before the commit.
        mark = direct.defer(uow.session, _finish_statement(frozenset(values)), params)
        uow.commit()
    return mark.rowcount == 1


def _fail(
    engine: Engine,
    item: OutboxItem,
    worker_id: str,
    policy: DeliveryPolicy,
    error: str,
    rng: random.Random,
    *,
    permanent: bool,
    result: BatchResult,
) -> None:
    attempts = item.attempts + 1
    now = engine.clock.now()
    if permanent or attempts >= policy.max_attempts:
        values = dict(status="dead", attempts=attempts, last_error=error[:4000])
        outcome = "dead"
    else:
        values = dict(
            attempts=attempts,
            last_error=error[:4000],
            next_attempt_at=now + policy.delay(attempts, rng),
        )
        outcome = "retried"
    if _finish(engine, item, worker_id, **values):
        setattr(result, outcome, getattr(result, outcome) + 1)
        log.warning("outbox %s %s after attempt %s: %s", item.id, outcome, attempts, error)
    else:
        result.lost_lease += 1


def release(engine: Engine, items: Sequence[OutboxItem], worker_id: str) -> int:
    """Give unsent rows back at once (a stopping worker), without counting an attempt."""
    if not items:
        return 0
    with engine.uow() as uow:
        released = uow.session.execute(
            update(outbox_t)
            .where(
                outbox_t.c.id.in_([i.id for i in items]),
                outbox_t.c.lease_owner == worker_id,
                outbox_t.c.status == "pending",
            )
            .values(lease_owner=None, lease_until=None)
        ).rowcount
        uow.commit()
    return released


def deliver_batch(
    engine: Engine,
    channel: str,
    transport_factory,
    worker_id: str,
    policy: DeliveryPolicy,
    *,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> BatchResult:
    """Claim and deliver one batch of ``channel``; see the module docstring."""
    rng = rng or random.Random()
    items, result = claim(engine, channel, worker_id, policy)
    if not items:
        return result
    # Stop starting new sends while a full send could still overrun the lease.
    budget_ends = time.monotonic() + policy.lease_seconds - 2 * policy.send_timeout
    transport: Transport = transport_factory(channel)
    try:
        transport.prepare(items)
        for index, item in enumerate(items):
            if (stop is not None and stop.is_set()) or time.monotonic() > budget_ends:
                result.released += release(engine, items[index:], worker_id)
                break
            try:
                transport.send(item)
            except PermanentFailure as exc:
                _fail(engine, item, worker_id, policy, str(exc), rng, permanent=True, result=result)
            except ConnectionFailure as exc:
                # The transport is unreachable: every remaining row waits for the backoff.
                for rest in items[index:]:
                    _fail(
                        engine,
                        rest,
                        worker_id,
                        policy,
                        str(exc),
                        rng,
                        permanent=False,
                        result=result,
                    )
                break
            except Exception as exc:  # transient by default: a retry costs less than a loss
                error = str(exc) or type(exc).__name__
                _fail(engine, item, worker_id, policy, error, rng, permanent=False, result=result)
            else:
                now = engine.clock.now()
                if _finish(
                    engine,
                    item,
                    worker_id,
                    status="sent",
                    sent_at=now,
                    attempts=item.attempts + 1,
                    last_error=None,
                ):
                    result.sent += 1
                else:
                    result.lost_lease += 1
                    log.warning("outbox %s sent after its lease was lost (a duplicate)", item.id)
    finally:
        transport.close()
    return result
