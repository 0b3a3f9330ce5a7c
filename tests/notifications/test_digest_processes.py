"""Three ``soglasie worker`` processes start together at the digest hour on one PostgreSQL:
each person on the daily digest gets one digest, with all of her day's mail."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tests.integration.helpers import submitted_case
from tests.notifications.processes import spawn_worker, stamp_current, wait_started
from tests.notifications.smtp_server import MailServer
from tests.support.databases import (
    create_worker_database,
    drop_worker_database,
    postgres_admin_url,
)
from tests.support.world import build_world
from workflow.clock import FixedClock
from workflow.engine import Engine
from workflow.persistence.db import make_engine
from workflow.persistence.models import OutboxMessage, Task, User

MOSCOW = ZoneInfo("Europe/Moscow")
outbox_t = OutboxMessage.__table__


@pytest.fixture
def pg_url(postgres_url, worker_id):
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    admin = postgres_admin_url()
    url = create_worker_database(admin, f"{worker_id}_digests")
    stamp_current(url)
    yield url
    drop_worker_database(admin, url)


@pytest.mark.slow
@pytest.mark.postgres
def test_three_worker_processes_send_one_digest_per_person_per_day(pg_url, tmp_path):
    from tests.conftest import VALID_DEFINITIONS

    local = dt.datetime.now(MOSCOW)
    hour = local.hour
    cutoff = local.replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    # Mail written before the digest hour (on the helpers' date); nothing delivered it yet.
    engine = Engine.create(
        pg_url, VALID_DEFINITIONS, clock=FixedClock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    )
    try:
        world = build_world(engine)
        with engine.uow() as uow:
            uow.session.execute(update(User).values(notify_mode="digest"))
            uow.commit()
        for _ in range(6):
            submitted_case(engine, world)
    finally:
        engine.dispose()
    bind = make_engine(pg_url)
    with bind.connect() as conn:
        open_tasks = set(conn.scalars(select(Task.id).where(Task.status == "open")))
        # The initiator's "new task: drafting" rows are about tasks the submit closed: skipped,
        # in no digest (notifications.stale).
        day_rows = Counter(
            row.recipient_user_id
            for row in conn.execute(select(outbox_t.c.recipient_user_id, outbox_t.c.payload))
            if (row.payload or {}).get("task_id", "none") in open_tasks | {"none"}
        )
    server = MailServer().start()
    procs = [
        spawn_worker(
            pg_url,
            server.port,
            f"d{i}",
            lease=10,
            timeout=2,
            log=tmp_path / f"d{i}.log",
            env_extra={"SOGLASIE_DIGEST_HOUR": str(hour)},
        )
        for i in range(3)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(server.by_template("digest")) < len(day_rows):
            assert time.monotonic() < deadline, server.by_template("digest")
            assert all(p.poll() is None for p in procs)
            time.sleep(0.2)
        time.sleep(2)  # any second digest would be out by now
        for proc in procs:
            wait_started(proc)
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=30) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        server.stop()
    with bind.connect() as conn:
        digests = conn.execute(
            select(
                outbox_t.c.recipient_user_id, outbox_t.c.idempotency_key, outbox_t.c.payload
            ).where(outbox_t.c.template == "digest")
        ).all()
        left = conn.execute(
            select(
                outbox_t.c.id, outbox_t.c.template, outbox_t.c.status, outbox_t.c.recipient_user_id
            ).where(
                outbox_t.c.template != "digest",
                outbox_t.c.status.not_in(("digested", "skipped")),
                outbox_t.c.created_at < cutoff,  # reminders the workers fire now wait for tomorrow
            )
        ).all()
    bind.dispose()
    day = cutoff.astimezone(MOSCOW).date().isoformat()
    assert codes == [0, 0, 0]
    assert sorted(d.recipient_user_id for d in digests) == sorted(day_rows)  # one each
    assert {d.idempotency_key for d in digests} == {f"digest:{u}:{day}" for u in day_rows}
    assert {d.recipient_user_id: len(d.payload["items"]) for d in digests} == dict(day_rows)
    assert left == []
    received = Counter(m["To"] for m in server.by_template("digest"))
    assert set(received.values()) == {1}
