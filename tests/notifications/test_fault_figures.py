"""The figures of the README's "Mail delivery and reliability": faults on both backends.

    SOGLASIE_FAULT_FIGURES=1 SOGLASIE_TEST_POSTGRES_URL=... pytest -m slow -s -p no:randomly \
        tests/notifications/test_fault_figures.py

- a ``soglasie worker`` process killed with -9 mid-delivery, with the default 30 s lease: lost,
  duplicated (at most the message in flight), seconds from the kill until another worker has
  taken over every row the dead one had leased;
- the SMTP server down 60 s and 10 min while mail keeps coming: lost, seconds from the server's
  return to the last message. The worker's clock is driven (``tests/notifications/outage.py``),
  so ten minutes take seconds; the worker ticks every 10 s as ``soglasie worker`` does.

Skipped unless ``SOGLASIE_FAULT_FIGURES`` is set (the kill takes a lease, 30 s, per backend);
the fast versions of the same checks run in ``test_mail_reliability.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select

from tests.notifications.outage import run_outage
from tests.notifications.processes import seed_reminders, spawn_worker, stamp_current
from tests.notifications.smtp_server import MailServer
from tests.support.databases import (
    create_worker_database,
    drop_worker_database,
    fresh_sqlite,
    postgres_admin_url,
)
from tests.support.world import build_world
from workflow.clock import FixedClock
from workflow.engine import Engine
from workflow.persistence.db import make_engine
from workflow.persistence.models import OutboxMessage

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("SOGLASIE_FAULT_FIGURES"), reason="set SOGLASIE_FAULT_FIGURES=1"
    ),
]

MAILS = 300
LEASE = 30.0  # the default
outbox_t = OutboxMessage.__table__


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        url = fresh_sqlite(tmp_path / "faults.db")
        stamp_current(url)
        yield url
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    url = create_worker_database(admin, f"{worker_id}_faults")
    stamp_current(url)
    yield url
    drop_worker_database(admin, url)


def _definitions():
    from tests.conftest import VALID_DEFINITIONS

    return VALID_DEFINITIONS


def _rows(bind):
    with bind.connect() as conn:
        return conn.execute(
            select(
                outbox_t.c.id, outbox_t.c.status, outbox_t.c.lease_owner, outbox_t.c.message_id
            ).where(outbox_t.c.template == "task_reminder")
        ).all()


def test_a_worker_killed_mid_delivery_loses_nothing_and_its_rows_are_taken_over_within_the_lease(
    database, tmp_path
):
    now = dt.datetime.now(dt.UTC)
    engine = Engine.create(database, _definitions(), clock=FixedClock(now))
    world = build_world(engine)
    seed_reminders(engine, world, MAILS, due_at=now - dt.timedelta(minutes=1))
    engine.dispose()
    bind = make_engine(database)
    server = MailServer().start()
    server.delay = 0.02  # 50 messages a second: the kill lands mid-batch
    procs = []
    try:
        victim = spawn_worker(
            database, server.port, "victim", lease=LEASE, timeout=2, log=tmp_path / "v.log"
        )
        procs.append(victim)
        deadline = time.monotonic() + 60
        while len(server.message_ids("task_reminder")) < 40:
            assert time.monotonic() < deadline and victim.poll() is None, victim.log.read_text()[
                -3000:
            ]
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.monotonic()
        held = {r.id for r in _rows(bind) if r.lease_owner == "victim" and r.status == "pending"}
        rescuer = spawn_worker(
            database, server.port, "rescuer", lease=LEASE, timeout=2, log=tmp_path / "r.log"
        )
        procs.append(rescuer)
        takeover = None
        while True:
            rows = _rows(bind)
            if takeover is None and not any(
                r.lease_owner == "victim" and r.status == "pending" for r in rows
            ):
                takeover = time.monotonic() - killed_at
            if all(r.status == "sent" for r in rows) and takeover is not None:
                break
            assert time.monotonic() - killed_at < 180, Counter(r.status for r in rows)
            time.sleep(0.1)
        time.sleep(0.5)
        rescuer.send_signal(signal.SIGTERM)
        rescuer.wait(timeout=30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        server.stop()
    rows = _rows(bind)
    bind.dispose()
    received = Counter(server.message_ids("task_reminder"))
    lost = sum(1 for r in rows if received[r.message_id] == 0)
    duplicates = sum(received.values()) - len(received)
    backend = "postgresql" if database.startswith("postgresql") else "sqlite"
    print(
        f"\nFIGURE kill -9 [{backend}]: {MAILS} mails, the victim held {len(held)} leased rows; "
        f"lost {lost}, duplicated {duplicates}, taken over {takeover:.1f} s after the kill "
        f"(lease {LEASE:g} s)"
    )
    assert lost == 0
    assert duplicates <= 1  # the one message in flight at the kill, sent again: same Message-ID
    assert len(rows) == MAILS
    assert takeover <= LEASE + 5


@pytest.mark.parametrize("queue_every", [60, None], ids=["mail-every-minute", "mail-at-start"])
@pytest.mark.parametrize("outage", [60, 600])
def test_figures_of_an_smtp_outage(
    engine, world, clock, mail_server, make_worker, outage, queue_every
):
    from notifications.delivery import DeliveryPolicy

    worker = make_worker(policy=DeliveryPolicy(send_timeout=5))  # the defaults
    figures = run_outage(
        engine, world, clock, mail_server, worker, seconds=outage, queue_every=queue_every
    )
    backend = engine.bind.dialect.name
    when = "each minute" if queue_every else "as it started"
    print(
        f"\nFIGURE SMTP down {outage} s [{backend}], mail queued {when}: {figures.queued} mails, "
        f"lost {figures.lost}, duplicated {figures.duplicates}, dead {figures.dead}, last "
        f"message {figures.return_to_last:.0f} s after the server's return"
    )
    assert (figures.lost, figures.dead) == (0, 0)
    assert figures.return_to_last <= 30
