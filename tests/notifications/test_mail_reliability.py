"""Mail that a long outage does not lose (issue 18): a retry window in time, the waiting mail
sent at once when the server is back, dead mail listed and announced, leases kept alive by a
heartbeat, and one daily digest per person however many workers run."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from dataclasses import replace

import pytest

from notifications.admin import list_dead, mail_health, retry_all_dead
from notifications.delivery import DeliveryPolicy, claim, deliver_batch
from notifications.digests import send_digests
from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.helpers import outbox, set_user
from tests.notifications.outage import run_outage

UTC = dt.UTC


def test_by_default_mail_is_retried_for_three_days_an_hour_apart_at_most_then_given_up(
    engine, world, clock, mail_server, make_worker, caplog
):
    policy = DeliveryPolicy(send_timeout=5, probe_every=1e9)
    assert (policy.retry_window, policy.backoff_cap) == (3 * 86400, 3600)
    mail_server.stop()
    submitted_case(engine, world)
    worker = make_worker(policy=policy)
    start = clock.now()
    attempts_at = []
    with caplog.at_level(logging.WARNING, logger="soglasie.delivery"):
        while not outbox(engine, status="dead"):
            attempts_at.append(clock.now())
            worker.deliver_outbox()
            waiting = outbox(engine, status="pending")
            if waiting:
                clock.set(min(r.next_attempt_at for r in waiting))
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts_at)]
    assert max(gaps) <= 3600 * 1.2
    dead = outbox(engine, status="dead")
    # Four reviewers' emails; the initiator's "new task: drafting" was closed by the submit
    # before it went out, and is skipped (notifications.stale).
    assert len(dead) == 4 and {r.status for r in outbox(engine)} == {"dead", "skipped"}
    assert all(r.dead_at - r.failing_since == dt.timedelta(days=3) for r in dead)
    assert dead[0].failing_since == start
    assert 70 <= dead[0].attempts <= 90
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "mail has started dying" in errors[0].getMessage()


def test_dead_mail_is_announced_with_since_when_and_sent_again_with_a_fresh_window(
    engine, world, clock, mail_server, make_worker
):
    mail_server.stop()
    submitted_case(engine, world)
    worker = make_worker()  # a three-hour window (conftest)
    failing = mail_health(engine)
    assert (failing.dead, failing.failing) == (0, 0)
    worker.deliver_outbox()
    failing = mail_health(engine)
    assert (failing.dead, failing.failing, failing.failing_since) == (0, 4, clock.now())
    first = clock.now()
    clock.advance(hours=3)
    worker.deliver_outbox()
    health = mail_health(engine)
    assert (health.dead, health.dying_since, health.failing) == (4, clock.now(), 0)
    assert health.dying and "cannot connect to SMTP server" in health.last_error
    assert {d.dead_at for d in list_dead(engine)} == {first + dt.timedelta(hours=3)}

    mail_server.start()
    assert retry_all_dead(engine) == 4
    rows = [r for r in outbox(engine) if r.status != "skipped"]
    assert {(r.status, r.failing_since, r.dead_at, r.unreachable) for r in rows} == {
        ("pending", None, None, False)
    }
    worker.deliver_outbox()
    assert len(mail_server.messages) == 4
    assert mail_health(engine).dead == 0


@pytest.mark.parametrize("outage", [60, 600])
def test_when_the_server_returns_the_waiting_mail_goes_out_within_seconds_not_backoffs(
    engine, world, clock, mail_server, make_worker, outage
):
    figures = run_outage(engine, world, clock, mail_server, make_worker(), seconds=outage)
    assert (figures.lost, figures.duplicates, figures.dead) == (0, 0, 0)
    assert figures.queued == 4 * (outage // 60)  # a submitted case mails its four reviewers
    # Before: the backoffs (up to 137 s after a 60 s outage, hours after a long one).
    assert figures.return_to_last <= 20, figures


def test_the_first_success_makes_every_row_that_waited_for_the_server_due_at_once(
    engine, world, clock, mail_server, make_worker, policy
):
    worker = make_worker(policy=replace(policy, probe_every=1e9))
    mail_server.stop()
    submitted_case(engine, world)
    worker.deliver_outbox()
    assert {r.unreachable for r in outbox(engine, status="pending")} == {True}
    mail_server.start()
    drafted_case(engine, world)  # a new message, due now: its success brings the rest
    result = worker.deliver_outbox()
    assert (result.recovered, result.sent) == (4, 5)
    assert {r.status for r in outbox(engine)} == {"sent", "skipped"}


def test_a_killed_workers_rows_are_taken_over_once_the_short_lease_runs_out(
    engine, world, clock, mail_server, make_worker
):
    policy = DeliveryPolicy(send_timeout=5)
    assert policy.lease_seconds == 30
    submitted_case(engine, world)
    items, _ = claim(engine, "email", "killed", policy)  # ... and then SIGKILL
    assert len(items) == 4  # the four reviewers (the drafting task's email: skipped)
    other = make_worker("other", policy=policy)
    clock.advance(seconds=29)
    assert other.deliver_outbox().claimed == 0
    clock.advance(seconds=1)
    assert other.deliver_outbox().sent == 4


def test_a_send_slower_than_the_lease_keeps_it_by_the_heartbeat(engine, world, clock, mail_server):
    """Lease 0.6 s, heartbeat 0.2 s; one send stalls 1 s while the clock moves 2 s: nobody else
    can take the rows meanwhile, and every outcome is recorded."""
    policy = DeliveryPolicy(lease_seconds=0.6, send_timeout=0.1, probe_every=1e9)
    submitted_case(engine, world)
    stolen = []

    class SlowTransport:
        stalled = False

        def prepare(self, items):
            pass

        def send(self, item):
            if not self.stalled:
                self.stalled = True
                for _ in range(4):
                    time.sleep(0.25)
                    clock.advance(seconds=0.5)
                    stolen.extend(claim(engine, "email", "thief", policy)[0])

        def close(self):
            pass

    result = deliver_batch(engine, "email", lambda _: SlowTransport(), "slow", policy)
    assert stolen == []
    assert (result.sent, result.lost_lease, result.released) == (4, 0, 0)


def _digest_rows(engine):
    return outbox(engine, template="digest")


@pytest.mark.parametrize("workers", [3])
def test_three_workers_send_one_daily_digest_per_person_with_all_of_her_days_mail(
    engine, world, clock, mail_server, make_worker, workers
):
    """Some of her rows were parked ("held") by delivery, others not yet (still pending): the
    digest takes them all, and three workers racing at the digest hour queue it once."""
    mfa = world.user_id("mfa")
    set_user(engine, mfa, notify_mode="digest")
    submitted_case(engine, world)
    make_worker("early").deliver_outbox()  # parks the first one
    for _ in range(3):
        submitted_case(engine, world)  # not seen by delivery yet
    mine = outbox(engine, recipient_user_id=mfa)
    assert sorted(r.status for r in mine) == ["held", "pending", "pending", "pending"]

    clock.set(dt.datetime(2026, 3, 3, 5, 0, tzinfo=UTC))  # 08:00 in Moscow
    crew = [make_worker(f"w{i}") for i in range(workers)]
    barrier = threading.Barrier(workers)
    queued = []

    def run(worker):
        barrier.wait()
        queued.append(worker.send_digests())

    threads = [threading.Thread(target=run, args=(w,)) for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for worker in crew:  # and again, later the same day
        worker.run_once()
    clock.advance(hours=5)
    for worker in crew:
        worker.run_once()

    (digest,) = [r for r in _digest_rows(engine) if r.recipient_user_id == mfa]
    assert digest.idempotency_key == f"digest:{mfa}:2026-03-03"
    assert sorted(digest.payload["items"]) == sorted(r.id for r in mine)
    assert sum(queued) == len(_digest_rows(engine))
    assert [m["To"] for m in mail_server.by_template("digest")].count("mfa@example.test") == 1
    assert {r.status for r in outbox(engine, recipient_user_id=mfa) if r.id != digest.id} == {
        "digested"
    }


def test_mail_held_after_the_digest_hour_waits_for_the_next_days_digest(
    engine, world, clock, mail_server, make_worker
):
    mfa = world.user_id("mfa")
    set_user(engine, mfa, notify_mode="digest")
    worker = make_worker()
    submitted_case(engine, world)
    clock.set(dt.datetime(2026, 3, 3, 5, 30, tzinfo=UTC))  # 08:30 in Moscow
    worker.run_once()
    submitted_case(engine, world)  # after the cut-off
    worker.run_once()
    assert send_digests(engine, hour=8, timezone="Europe/Moscow") == 0
    clock.set(dt.datetime(2026, 3, 4, 5, 30, tzinfo=UTC))
    worker.run_once()
    keys = sorted(r.idempotency_key for r in _digest_rows(engine) if r.recipient_user_id == mfa)
    assert keys == [f"digest:{mfa}:2026-03-03", f"digest:{mfa}:2026-03-04"]
