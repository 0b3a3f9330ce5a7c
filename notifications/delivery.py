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
   (capped, with jitter); or ``dead`` with the error kept, once the row has been failing for the
   whole retry window (``retry_window``, a time, 3 days by default: a mail server's outage of
   hours or a weekend loses nothing) or at once for a permanent failure. If the lease was lost
   meanwhile (this worker stalled past it and another took the row over) nothing is written and
   the possible duplicate is counted.
3. on stop (SIGTERM), or if the lease can no longer be renewed, the unsent rows are released.

While a batch is in hand, a heartbeat thread (``LeaseKeeper``) renews its leases every third of
the lease, and the loop renews them itself before a send that could outlast what is left; so
the lease can be short (30 s) and a slow SMTP send still never loses it. A worker killed
mid-batch leaves its rows leased for at most one lease; then another worker takes them over. A
row sent just before the kill is sent again, with the same Message-ID: delivery is
at-least-once, and every re-send recognisable.

**The server comes back.** A row that failed because the transport was unreachable (no
connection to the SMTP server) is marked ``unreachable``. After the first successful send of a
batch, every such waiting row of the channel is made due at once instead of each waiting out
its own backoff; and while such rows wait, a worker with nothing else to do tries
the earliest of them every ``probe_every`` seconds, so the first success comes soon after the
server does (``email`` only: one server serves the whole channel; a webhook's subscribers are
many servers).
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
from notifications.stale import REASON, SKIPPED, closed_task_rows
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


# Channels served by one server: once it answers again, every row that waited for it is due.
ONE_SERVER_CHANNELS = frozenset({"email"})
DEFAULT_RETRY_WINDOW = 3 * 86400.0


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 50
    lease_seconds: float = 30.0  # renewed by a heartbeat while the batch is in hand
    send_timeout: float = 20.0  # the transport's own timeout (SMTP socket timeout)
    retry_window: float = DEFAULT_RETRY_WINDOW  # seconds of failing before a row is given up
    backoff_base: float = 60.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 3600.0
    jitter: float = 0.2  # ± fraction of each delay, so retries of a burst spread out
    probe_every: float = 15.0  # while rows wait for an unreachable server: try one this often

    def __post_init__(self):
        if self.lease_seconds <= self.send_timeout:
            raise ValueError(
                f"the delivery lease ({self.lease_seconds:g} s) must be longer than the "
                f"transport's timeout ({self.send_timeout:g} s), or a slow server could "
                "outlive it and another worker would send the same row in parallel"
            )
        if self.retry_window <= 0 or self.batch_size < 1:
            raise ValueError("retry_window must be positive and batch_size at least 1")

    @property
    def heartbeat(self) -> float:
        """How often the leases of a batch in hand are renewed."""
        return self.lease_seconds / 3

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
    skipped: int = 0  # about a task closed before the email went out (notifications.stale)
    released: int = 0
    lost_lease: int = 0  # outcomes not recorded because another worker owned the row by then
    recovered: int = 0  # waiting rows made due at once because the server answered again
    unreachable: int = 0  # rows that failed because the transport could not be reached

    def add(self, other: BatchResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def claim(
    engine: Engine, channel: str, worker_id: str, policy: DeliveryPolicy, *, probe: bool = False
) -> tuple[list[OutboxItem], BatchResult]:
    """Lease a batch of due rows; with ``probe``, the one row waiting longest for an
    unreachable server, due or not (is it back?)."""
    now = engine.clock.now()
    result = BatchResult()
    with engine.uow() as uow:
        session = uow.session
        due = outbox_t.c.unreachable.is_(True) if probe else outbox_t.c.next_attempt_at <= now
        query = (
            select(outbox_t)
            .where(
                outbox_t.c.status == "pending",
                outbox_t.c.channel == channel,
                due,
                or_(outbox_t.c.lease_until.is_(None), outbox_t.c.lease_until <= now),
            )
            .order_by(outbox_t.c.next_attempt_at, outbox_t.c.id)
            .limit(1 if probe else policy.batch_size)
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return [], result
        held, cancelled = _route(session, rows) if channel == "email" else ({}, {})
        skipped = closed_task_rows(session, rows) if channel == "email" else {}
        held = {i: r for i, r in held.items() if i not in skipped}
        cancelled = {i: r for i, r in cancelled.items() if i not in skipped}
        routed = held.keys() | cancelled.keys() | skipped.keys()
        leased = [r for r in rows if r.id not in routed]
        if skipped:
            session.execute(
                update(outbox_t)
                .where(outbox_t.c.id.in_(list(skipped)))
                .values(status=SKIPPED, last_error=REASON)
            )
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
    result.skipped = len(skipped)
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
    unreachable: bool = False,
) -> None:
    attempts = item.attempts + 1
    now = engine.clock.now()
    since = item.failing_since or now
    window_ends = since + dt.timedelta(seconds=policy.retry_window)
    common = dict(attempts=attempts, last_error=error[:4000], failing_since=since)
    if permanent or now >= window_ends:
        values = dict(common, status="dead", dead_at=now, unreachable=unreachable)
        outcome = "dead"
    else:
        # The last attempt falls at the end of the window, not a backoff past it.
        retry_at = min(now + policy.delay(attempts, rng), window_ends)
        values = dict(common, next_attempt_at=retry_at, unreachable=unreachable)
        outcome = "retried"
    if not _finish(engine, item, worker_id, **values):
        result.lost_lease += 1
        return
    setattr(result, outcome, getattr(result, outcome) + 1)
    result.unreachable += unreachable
    if outcome == "dead":
        _log_death(engine, item, attempts, since, now, error)
    else:
        log.warning("outbox %s retried after attempt %s: %s", item.id, attempts, error)


DYING_QUIET = dt.timedelta(hours=1)


def _log_death(engine, item, attempts, since, now, error) -> None:
    """ERROR when mail starts dying (no other row given up in the past hour), else WARNING."""
    with engine.uow(write=False) as uow:
        others = uow.session.scalar(
            select(outbox_t.c.id)
            .where(
                outbox_t.c.status == "dead",
                outbox_t.c.dead_at > now - DYING_QUIET,
                outbox_t.c.id != item.id,
            )
            .limit(1)
        )
    failing = (now - since).total_seconds()
    if others is None:
        log.error(
            "mail has started dying: outbox %s (%s to %s) given up after %s attempts over %.0f s: "
            "%s (administrators: /admin/outbox, send again once the cause is fixed)",
            item.id,
            item.template,
            item.recipient or f"user {item.recipient_user_id}",
            attempts,
            failing,
            error,
        )
    else:
        log.warning("outbox %s dead after attempt %s: %s", item.id, attempts, error)


def recover(engine: Engine, channel: str) -> int:
    """The channel's server answered again: every row that waited for it is due now."""
    now = engine.clock.now()
    with engine.uow(durable=False) as uow:
        changed = uow.session.execute(
            update(outbox_t)
            .where(
                outbox_t.c.status == "pending",
                outbox_t.c.channel == channel,
                outbox_t.c.unreachable.is_(True),
                outbox_t.c.next_attempt_at > now,
            )
            .values(next_attempt_at=now)
        ).rowcount
        uow.commit()
    if changed:
        log.info("%s: the server answers again; %s waiting messages are due now", channel, changed)
    return changed


class LeaseKeeper:
    """The heartbeat of a batch in hand: renews the leases of ``ids`` every ``policy.heartbeat``
    seconds from a thread, and on demand before a send (``ensure``). Rows another worker took
    over drop out of ``held``; if renewing fails (the database is unreachable) the batch stops
    once what is left of the lease could not cover one more send."""

    def __init__(self, engine: Engine, worker_id: str, policy: DeliveryPolicy, ids):
        self.engine, self.worker_id, self.policy = engine, worker_id, policy
        self.held: set[int] = set(ids)
        self._lock = threading.Lock()
        self._renewed = time.monotonic()  # the claim has just set the leases
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"lease-heartbeat-{worker_id}", daemon=True
        )
        self.renewals = 0

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.policy.heartbeat):
            try:
                self.renew()
            except Exception:
                log.exception("renewing the delivery leases of %s failed", self.worker_id)

    def remaining(self) -> float:
        return self._renewed + self.policy.lease_seconds - time.monotonic()

    def renew(self) -> None:
        with self._lock:
            ids = sorted(self.held)
            if not ids:
                return
            started = time.monotonic()
            with self.engine.uow(durable=False) as uow:
                kept = set(
                    uow.session.scalars(
                        update(outbox_t)
                        .where(
                            outbox_t.c.id.in_(ids),
                            outbox_t.c.lease_owner == self.worker_id,
                            outbox_t.c.status == "pending",
                        )
                        .values(
                            lease_until=self.engine.clock.now()
                            + dt.timedelta(seconds=self.policy.lease_seconds)
                        )
                        .returning(outbox_t.c.id)
                    )
                )
                uow.commit()
            self.held &= kept
            self._renewed = started
            self.renewals += 1

    def done(self, item_id: int) -> None:
        with self._lock:
            self.held.discard(item_id)

    def ensure(self, seconds: float) -> bool:
        """Before a send that may take ``seconds``: renew if less is left; False if the lease
        cannot be kept (the send must not start)."""
        if self.remaining() <= seconds + 1.0:
            try:
                self.renew()
            except Exception:
                log.exception("renewing the delivery leases of %s failed", self.worker_id)
                return False
        return self.remaining() > seconds


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
    probe: bool = False,
) -> BatchResult:
    """Claim and deliver one batch of ``channel``; see the module docstring."""
    rng = rng or random.Random()
    items, result = claim(engine, channel, worker_id, policy, probe=probe)
    if not items:
        return result
    with LeaseKeeper(engine, worker_id, policy, [i.id for i in items]) as keeper:
        _deliver(
            engine, channel, transport_factory, worker_id, policy, items, keeper, stop, rng, result
        )
    return result


def _deliver(
    engine, channel, transport_factory, worker_id, policy, items, keeper, stop, rng, result
) -> None:
    recovered = channel not in ONE_SERVER_CHANNELS
    transport: Transport = transport_factory(channel)
    try:
        transport.prepare(items)
        for index, item in enumerate(items):
            if (stop is not None and stop.is_set()) or not keeper.ensure(policy.send_timeout):
                result.released += release(engine, items[index:], worker_id)
                break
            if item.id not in keeper.held:
                result.lost_lease += 1  # taken over while this worker stalled: not sent twice
                continue
            try:
                transport.send(item)
            except PermanentFailure as exc:
                _fail(engine, item, worker_id, policy, str(exc), rng, permanent=True, result=result)
            except ConnectionFailure as exc:
                # The transport is unreachable: every remaining row waits for it (the backoff,
                # or the server's return, whichever comes first).
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
                        unreachable=True,
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
                    unreachable=False,
                ):
                    result.sent += 1
                else:
                    result.lost_lease += 1
                    log.warning("outbox %s sent after its lease was lost (a duplicate)", item.id)
                if not recovered:
                    # The server answers: rows that waited for it while it was unreachable
                    # need not wait out their backoffs (one UPDATE a batch, of no rows at all
                    # unless there was an outage).
                    recovered = True
                    result.recovered += recover(engine, channel)
            finally:
                keeper.done(item.id)
    finally:
        transport.close()
