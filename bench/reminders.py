"""Benchmark 3: reminders and email.

- Sweep: 100,000 reminders due at once (one per open task, 100 people), swept into outbox rows
  by ``workflow.reminders.fire_due_reminders`` in the worker's batches (``FOR UPDATE SKIP
  LOCKED`` claims on PostgreSQL). Target ≥ 5,000 reminders/s on PostgreSQL.
- Delivery: the outbox rows rendered and sent to a loopback aiosmtpd server by the worker's
  ``deliver_outbox`` (one SMTP connection per batch), in a worker process of its own (the
  server runs in this process). One worker: target ≥ 200 messages/s.
  Three worker processes on the same rows: every message exactly once (no duplicate
  Message-ID at the server), throughput reported.

Between repetitions the rows are put back (reminders pending, outbox emptied or re-pended).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import time

from sqlalchemy import delete, func, select, update

from bench.bulk import Rows, write_postgres, write_sqlite
from bench.core import Figure, Options, log, median_of
from bench.databases import scratch_database
from bench.generate import NOW
from bench.smtp_sink import SmtpSink
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.persistence.models import OutboxMessage, Reminder
from workflow.settings import Settings

NAME = "reminders"
SWEEP_TARGET = 5_000.0
DELIVERY_TARGET = 200.0
PEOPLE = 100


def _seed(url: str, count: int) -> None:
    """One region, ``PEOPLE`` initiators, ``count // 10`` agreements in ``drafting`` with ten
    open tasks each (one per reminder), and ``count`` reminders due an hour ago."""
    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW))
    ids = engine.sync_definitions()
    engine.dispose()
    rows = Rows()
    rows.table(
        "organizations", ("id", "code", "kind", "name_ru", "calendar_code", "timezone", "is_active")
    ).append((1, "RU-TA", "region", "Республика Татарстан", "RU-TA", "Europe/Moscow", True))
    users = rows.table(
        "users",
        (
            "id",
            "username",
            "email",
            "full_name",
            "org_id",
            "language",
            "notify_mode",
            "is_active",
            "created_at",
        ),
    )
    roles = rows.table("user_roles", ("id", "user_id", "role"))
    for u in range(1, PEOPLE + 1):
        users.append(
            (
                u,
                f"user{u}",
                f"user{u}@example.test",
                f"Сотрудник {u}",
                1,
                "ru",
                "instant",
                True,
                NOW,
            )
        )
        roles.append((u, u, "initiator"))
    cases = rows.table(
        "cases",
        (
            "id",
            "kind",
            "definition_id",
            "state",
            "is_closed",
            "version",
            "title",
            "owner_org_id",
            "region_id",
            "fields",
            "created_by",
            "created_at",
            "updated_at",
            "state_entered_at",
        ),
    )
    tasks = rows.table(
        "tasks",
        (
            "id",
            "case_id",
            "state",
            "role",
            "org_id",
            "assignee_id",
            "status",
            "due_on",
            "created_at",
        ),
    )
    reminders = rows.table(
        "reminders",
        (
            "id",
            "key",
            "case_id",
            "task_id",
            "kind",
            "due_at",
            "deadline_on",
            "rule",
            "data",
            "status",
            "created_at",
        ),
    )
    due_on = dt.date(2026, 3, 6)
    for c in range(1, count // 10 + 1):
        creator = 1 + c % PEOPLE
        cases.append(
            (
                c,
                "regional_agreement",
                ids["regional_agreement"],
                "drafting",
                False,
                1,
                f"Соглашение № {c}",
                1,
                1,
                {"title": f"Соглашение № {c}"},
                creator,
                NOW,
                NOW,
                NOW,
            )
        )
        for k in range(10):
            task_id = (c - 1) * 10 + k + 1
            tasks.append((task_id, c, "drafting", "initiator", 1, creator, "open", due_on, NOW))
            reminders.append(
                (
                    task_id,
                    f"task:{task_id}:before:3 working_days:{due_on}",
                    c,
                    task_id,
                    "reminder",
                    NOW - dt.timedelta(hours=1),
                    due_on,
                    "3 working_days before the deadline of 'drafting'",
                    {"before": "3 working_days"},
                    "pending",
                    NOW,
                )
            )
    (write_sqlite if url.startswith("sqlite") else write_postgres)(url, rows)


def _sweep_all(url: str, batch: int) -> tuple[int, float]:
    from workflow.reminders import fire_due_reminders

    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW))
    try:
        fired = 0
        start = time.perf_counter()
        while True:
            result = fire_due_reminders(engine, batch_size=batch)
            fired += result.fired
            if result.claimed == 0:
                break
        return fired, time.perf_counter() - start
    finally:
        engine.dispose()


def _reset_reminders(url: str) -> None:
    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW), sync=False)
    with engine.uow() as uow:
        uow.session.execute(delete(OutboxMessage))
        uow.session.execute(update(Reminder).values(status="pending", fired_at=None))
        uow.commit()
    engine.dispose()


def _repend_outbox(url: str) -> int:
    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW), sync=False)
    with engine.uow() as uow:
        uow.session.execute(
            update(OutboxMessage).values(
                status="pending",
                attempts=0,
                lease_owner=None,
                lease_until=None,
                sent_at=None,
                next_attempt_at=NOW,
            )
        )
        pending = uow.session.scalar(select(func.count()).select_from(OutboxMessage))
        uow.commit()
    engine.dispose()
    return pending


def _deliver(url: str, port: int, worker_id: str, barrier=None, queue=None):
    from notifications.render import load_templates
    from notifications.worker import Worker

    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW))
    settings = Settings(env="test", database_url=url, smtp_host="127.0.0.1", smtp_port=port)
    load_templates()  # as ``soglasie worker`` does at start: steady state, not the first batch
    worker = Worker(engine, settings, worker_id=worker_id)
    try:
        if barrier is not None:
            barrier.wait()
        start = time.perf_counter()
        result = worker.deliver_outbox()
        elapsed = time.perf_counter() - start
    finally:
        engine.dispose()
    if queue is not None:
        queue.put((result.sent, result.lost_lease, elapsed))
    return result.sent, elapsed


def _deliver_parallel(url: str, port: int, workers: int) -> tuple[int, float]:
    context = mp.get_context("fork")
    barrier, queue = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(target=_deliver, args=(url, port, f"bench-{i}", barrier, queue))
        for i in range(workers)
    ]
    for p in processes:
        p.start()
    results = [queue.get(timeout=600) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    return sum(r[0] for r in results), max(r[2] for r in results)


def run(options: Options) -> list[Figure]:
    from notifications.worker import WorkerConfig

    figures: list[Figure] = []
    count = options.pick(100_000, 2_000)
    repetitions = options.pick(3, 2)
    batch = WorkerConfig().sweep_batch
    for backend in options.backends:
        with scratch_database(backend, options.postgres_url, "reminders") as url:
            t0 = time.perf_counter()
            _seed(url, count)
            log(
                options,
                f"{backend}: {count:,} due reminders seeded in {time.perf_counter() - t0:.0f} s",
            )

            def sweep() -> float:
                _reset_reminders(url)
                fired, elapsed = _sweep_all(url, batch)
                if fired != count:
                    raise RuntimeError(f"swept {fired} reminders, expected {count}")
                return fired / elapsed

            rate, runs = median_of(repetitions, sweep)
            log(options, f"{backend}: sweep {rate:,.0f} reminders/s (batch {batch})")
            figures.append(
                Figure(
                    NAME,
                    backend,
                    f"sweep {count // 1000}k due reminders → outbox",
                    rate,
                    "rem/s",
                    target=f"≥ {SWEEP_TARGET:,.0f}/s (PostgreSQL)" if backend == "postgres" else "",
                    met=(rate >= SWEEP_TARGET) if backend == "postgres" else None,
                    runs=runs,
                    note=f"batches of {batch} (the worker's default)",
                )
            )
            messages = options.pick(5_000, 200)
            with SmtpSink() as sink:
                # Delivery uses the first ``messages`` outbox rows of the last sweep.
                engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW), sync=False)
                with engine.uow() as uow:
                    keep = select(OutboxMessage.id).order_by(OutboxMessage.id).limit(messages)
                    uow.session.execute(delete(OutboxMessage).where(OutboxMessage.id.not_in(keep)))
                    uow.commit()
                engine.dispose()

                def one_worker() -> float:
                    pending = _repend_outbox(url)
                    sink.reset()
                    # A process of its own, as in production: the SMTP server's thread lives
                    # in this process and would otherwise share the worker's GIL.
                    sent, elapsed = _deliver_parallel(url, sink.port, 1)
                    if sent != pending or sink.received != pending:
                        raise RuntimeError(f"sent {sent}, received {sink.received} of {pending}")
                    return sent / elapsed

                rate, runs = median_of(repetitions, one_worker)
                log(options, f"{backend}: delivery, 1 worker: {rate:,.0f} messages/s")
                figures.append(
                    Figure(
                        NAME,
                        backend,
                        "email delivery, 1 worker",
                        rate,
                        "msg/s",
                        target=f"≥ {DELIVERY_TARGET:g}/s",
                        met=rate >= DELIVERY_TARGET,
                        runs=runs,
                        note="loopback aiosmtpd, one SMTP connection per batch",
                    )
                )
                if True:  # three workers share the rows (SKIP LOCKED on PostgreSQL)
                    pending = _repend_outbox(url)
                    sink.reset()
                    sent, elapsed = _deliver_parallel(url, sink.port, 3)
                    duplicates = sink.duplicates
                    log(
                        options,
                        f"{backend}: delivery, 3 workers: {sent / elapsed:,.0f}/s, "
                        f"{duplicates} duplicates, {sink.received}/{pending} received",
                    )
                    figures.append(
                        Figure(
                            NAME,
                            backend,
                            "email delivery, 3 workers",
                            sent / elapsed,
                            "msg/s",
                            note="throughput reported",
                        )
                    )
                    figures.append(
                        Figure(
                            NAME,
                            backend,
                            "  3 workers: duplicates / missing",
                            duplicates + (pending - len(sink.handler.message_ids)),
                            "msgs",
                            target="0",
                            met=duplicates == 0 and len(sink.handler.message_ids) == pending,
                        )
                    )
    return figures
