"""Fault scenarios on the test's clock: the SMTP server down for a while as mail keeps coming,
then back; the worker ticking as ``soglasie worker`` does (every ``deliver_every`` seconds).
The clock is driven, so a 10-minute outage takes a few seconds of real time."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from tests.integration.helpers import submitted_case
from workflow.persistence.models import OutboxMessage


@dataclass(frozen=True)
class OutageFigures:
    outage_seconds: float
    queued: int  # outbox rows written during the outage
    lost: int  # rows never received
    duplicates: int  # messages received more than once
    dead: int
    return_to_last: float  # seconds from the server's return to the last message received


def run_outage(
    engine,
    world,
    clock,
    server,
    worker,
    *,
    seconds: float,
    tick: float = 10.0,
    phase: float = 7.0,
    queue_every: float | None = 60.0,
):
    """Mail queued every ``queue_every`` seconds of an outage of ``seconds`` (None: only as it
    starts, so no retry is due when the server returns); the figures once all is sent. The
    worker ticks ``phase`` seconds after the outage begins and every ``tick`` after that, so the
    server returns between two ticks, as it would."""
    started = clock.now()
    back = started + dt.timedelta(seconds=seconds)
    server.stop()
    submitted_case(engine, world)
    next_mail = started + dt.timedelta(seconds=queue_every) if queue_every else None
    clock.advance(seconds=phase)
    while clock.now() < back:
        if next_mail is not None and clock.now() >= next_mail:
            submitted_case(engine, world)
            next_mail += dt.timedelta(seconds=queue_every)
        worker.deliver_outbox()
        clock.advance(seconds=tick)
    server.start()
    for _ in range(int(24 * 3600 / tick)):  # a day at most
        worker.deliver_outbox()
        if _count(engine, started, "pending") == 0:
            break
        clock.advance(seconds=tick)
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(OutboxMessage.message_id, OutboxMessage.status, OutboxMessage.sent_at).where(
                OutboxMessage.created_at >= started,
                OutboxMessage.channel == "email",
                # the drafting task's email, closed by the submit before it went out
                OutboxMessage.status != "skipped",
            )
        ).all()
    received = Counter(m["Message-ID"] for m in server.messages)
    sent_at = [r.sent_at for r in rows if r.sent_at is not None]
    return OutageFigures(
        outage_seconds=seconds,
        queued=len(rows),
        lost=sum(1 for r in rows if received[r.message_id] == 0),
        duplicates=sum(n - 1 for n in received.values() if n > 1),
        dead=sum(1 for r in rows if r.status == "dead"),
        return_to_last=(max(sent_at) - back).total_seconds() if sent_at else float("nan"),
    )


def _count(engine, since: dt.datetime, status: str) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.created_at >= since, OutboxMessage.status == status)
        )
