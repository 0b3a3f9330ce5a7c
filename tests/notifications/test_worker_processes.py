"""Real worker processes (``soglasie worker``) against PostgreSQL and a loopback SMTP server:
several sweeping one burst of reminders, one being killed again and again, and a graceful stop.

The figures (messages, duplicates, time) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.notifications.processes import (
    seed_reminders,
    spawn_worker,
    stamp_current,
    wait_started,
)
from tests.notifications.smtp_server import MailServer
from tests.support.databases import create_worker_database, drop_worker_database, fresh_sqlite
from tests.support.world import build_world
from workflow.clock import FixedClock
from workflow.engine import Engine
from workflow.persistence.db import make_engine
from workflow.persistence.models import OutboxMessage, Reminder

BURST = 2000
DEADLINE = 150.0  # seconds: a safety net for a hung run, not a speed assertion


@pytest.fixture
def pg_url(postgres_url, worker_id):
    """A database of its own (the worker processes need an up-to-date schema stamp)."""
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    from tests.support.databases import postgres_admin_url

    admin = postgres_admin_url()
    url = create_worker_database(admin, f"{worker_id}_procs")
    stamp_current(url)
    yield url
    drop_worker_database(admin, url)


@pytest.fixture
def seeded(pg_url):
    now = dt.datetime.now(dt.UTC)
    engine = Engine.create(pg_url, clock=FixedClock(now), definitions=_definitions())
    try:
        world = build_world(engine)
        seed_reminders(engine, world, BURST, due_at=now - dt.timedelta(minutes=1))
    finally:
        engine.dispose()
    return pg_url


@pytest.fixture
def bind(seeded):
    """A plain engine on the workers' database, for polling its rows."""
    engine = make_engine(seeded)
    yield engine
    engine.dispose()


def _definitions():
    from tests.conftest import VALID_DEFINITIONS

    return VALID_DEFINITIONS


def _state(bind, *, with_ids: bool = False) -> dict:
    """Counts of the burst's reminder and outbox rows (plain Core: polled often)."""
    reminder_t, outbox_t = Reminder.__table__, OutboxMessage.__table__
    burst = outbox_t.c.template == "task_reminder"
    with bind.connect() as conn:
        reminders = dict(
            conn.execute(
                select(reminder_t.c.status, func.count()).group_by(reminder_t.c.status)
            ).all()
        )
        outbox = dict(
            conn.execute(
                select(outbox_t.c.status, func.count()).where(burst).group_by(outbox_t.c.status)
            ).all()
        )
        state = {
            "fired": reminders.get("fired", 0),
            "rows": sum(outbox.values()),
            "sent": outbox.get("sent", 0),
            "dead": outbox.get("dead", 0),
        }
        if with_ids:
            state["distinct_keys"] = conn.scalar(
                select(func.count(func.distinct(outbox_t.c.idempotency_key))).where(burst)
            )
            state["message_ids"] = set(conn.scalars(select(outbox_t.c.message_id).where(burst)))
    return state


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _received(server) -> Counter:
    return Counter(server.message_ids("task_reminder"))


def _wait_until_delivered(bind, server, procs, on_tick=None) -> float:
    started = time.monotonic()
    while True:
        state = _state(bind)
        done = state["sent"] + state["dead"] >= BURST
        if done and len(_received(server)) >= BURST - state["dead"]:
            return time.monotonic() - started
        assert time.monotonic() - started < DEADLINE, f"stuck: {state}"
        dead = [p for p in procs if p.poll() is not None]
        assert not dead, "a worker process died on its own:\n" + "\n".join(
            f"--- exit {p.returncode}, {p.log.name}:\n{p.log.read_text(errors='replace')[-3000:]}"
            for p in dead
        )
        if on_tick:
            on_tick()
        time.sleep(0.1)


def _reap(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _stop(procs) -> list[int]:
    for proc in procs:
        wait_started(proc)
        proc.send_signal(signal.SIGTERM)
    return [proc.wait(timeout=30) for proc in procs]


@pytest.mark.slow
@pytest.mark.postgres
def test_three_worker_processes_share_a_burst_of_reminders_without_duplicates(
    seeded, bind, tmp_path
):
    server = MailServer().start()
    cpu = _children_cpu()
    procs = [
        spawn_worker(seeded, server.port, f"p{i}", lease=10, timeout=2, log=tmp_path / f"p{i}.log")
        for i in range(3)
    ]
    try:
        elapsed = _wait_until_delivered(bind, server, procs)
        codes = _stop(procs)
    finally:
        _reap(procs)
        server.stop()
    state = _state(bind, with_ids=True)
    received = _received(server)
    print(
        f"\n3 workers, {BURST} reminders: {state['rows']} outbox rows, {sum(received.values())} "
        f"messages received ({len(received)} distinct), "
        f"{sum(received.values()) - len(received)} duplicates, {elapsed:.1f} s "
        f"(workers' CPU {_children_cpu() - cpu:.1f} s)"
    )
    assert codes == [0, 0, 0]
    assert state["fired"] == BURST
    assert state["rows"] == state["distinct_keys"] == BURST
    assert state["sent"] == BURST
    assert set(received) == state["message_ids"]
    assert sum(received.values()) == BURST  # each exactly once


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_killed_again_and_again_loses_nothing(seeded, bind, tmp_path):
    """Four workers; one of them is SIGKILLed at a random moment while it works, restarted
    under a new id, killed again... Its leased rows come back when the 3 s lease runs out."""
    rng = random.Random()
    server = MailServer().start()
    cpu = _children_cpu()

    def start(worker_id):
        log = tmp_path / f"{worker_id}.log"
        return spawn_worker(seeded, server.port, worker_id, lease=3, timeout=0.5, log=log)

    procs = [start(f"k{i}") for i in range(4)]
    kills = 0
    kill_at: float | None = None

    def maybe_kill():
        """Kill the victim at a random moment 0.05–0.4 s after it is up and working (short
        enough for several kills while 2,000 messages go out at full speed)."""
        nonlocal kills, kill_at
        if kill_at is None:
            if b" started (channels" in procs[0].log.read_bytes():
                kill_at = time.monotonic() + rng.uniform(0.05, 0.4)
            return
        if time.monotonic() < kill_at:
            return
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        kills += 1
        procs[0] = start(f"k0-{kills}")
        kill_at = None

    try:
        elapsed = _wait_until_delivered(bind, server, procs, on_tick=maybe_kill)
        codes = _stop(procs)
    finally:
        _reap(procs)
        server.stop()
    state = _state(bind, with_ids=True)
    received = _received(server)
    duplicates = sum(received.values()) - len(received)
    lost = len(state["message_ids"] - set(received))
    print(
        f"\n4 workers, one SIGKILLed {kills} times, {BURST} reminders: {state['rows']} outbox "
        f"rows, {sum(received.values())} messages received, {lost} lost, {duplicates} "
        f"duplicates ({100 * duplicates / BURST:.2f} %), {elapsed:.1f} s "
        f"(workers' CPU {_children_cpu() - cpu:.1f} s)"
    )
    assert kills >= 3
    assert codes == [0, 0, 0, 0]
    assert state["fired"] == BURST
    assert state["rows"] == state["distinct_keys"] == BURST
    assert (state["sent"], state["dead"]) == (BURST, 0)
    assert lost == 0
    assert duplicates < BURST // 100  # well under 1 %


@pytest.mark.slow
def test_sigterm_finishes_the_batch_in_hand_and_releases_the_rest(tmp_path, clock):
    url = fresh_sqlite(tmp_path / "worker.db")
    stamp_current(url)
    now = dt.datetime.now(dt.UTC)
    engine = Engine.create(url, _definitions(), clock=FixedClock(now))
    world = build_world(engine)
    seed_reminders(engine, world, 60, due_at=now - dt.timedelta(minutes=1))
    server = MailServer().start()
    server.delay = 0.1  # a slow server: a batch of 25 takes 2.5 s
    proc = spawn_worker(url, server.port, "graceful", lease=30, timeout=2, log=tmp_path / "g.log")
    try:
        deadline = time.monotonic() + 60
        while not server.message_ids("task_reminder"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        _reap([proc])
        server.stop()
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(OutboxMessage.status, OutboxMessage.lease_owner, OutboxMessage.message_id).where(
                OutboxMessage.template == "task_reminder"
            )
        ).all()
    engine.dispose()
    assert code == 0
    sent = {r.message_id for r in rows if r.status == "sent"}
    assert 0 < len(sent) < 60  # stopped part-way
    assert {r.lease_owner for r in rows} == {None}  # nothing left reserved for a dead worker
    assert set(server.message_ids("task_reminder")) == sent
