"""The mail server misbehaves: down, refusing, hanging up. Nothing is lost; nothing is sent twice
by our own doing; what cannot be delivered ends in the dead letters with its reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from notifications.admin import count_dead, list_dead, retry_all_dead, retry_dead
from tests.integration.helpers import submitted_case
from tests.notifications.helpers import outbox

REVIEWERS = ["mfa2@example.test", "mfa@example.test", "minec@example.test", "sector@example.test"]


def _recipients(server) -> list[str]:
    """Who got "new task" emails about the review (the drafting one went to the author)."""
    return sorted(
        m["To"] for m in server.by_template("task_opened") if m["To"] != "ini@example.test"
    )


def _review_rows(engine):
    return [r for r in outbox(engine, template="task_opened") if r.payload["state"] == "review"]


def _assert_backoff(rows, now, nominal_seconds, jitter=0.2):
    for row in rows:
        wait = (row.next_attempt_at - now).total_seconds()
        assert nominal_seconds * (1 - jitter) <= wait <= nominal_seconds * (1 + jitter), wait


def test_while_the_server_is_down_nothing_is_lost_and_retries_follow_the_backoff(
    engine, world, clock, mail_server, make_worker, policy
):
    mail_server.stop()
    submitted_case(engine, world)  # queues "new task" for the four reviewers
    worker = make_worker(policy=replace(policy, probe_every=1e9))  # no early probe here
    start = clock.now()

    worker.deliver_outbox()
    first = _review_rows(engine)
    assert [(r.status, r.attempts) for r in first] == [("pending", 1)] * 4
    assert all("cannot connect to SMTP server 127.0.0.1" in r.last_error for r in first)
    _assert_backoff(first, start, 60)

    clock.advance(seconds=47)  # before any retry is due (60 s − 20 % jitter = 48 s)
    assert worker.deliver_outbox().claimed == 0

    clock.set(max(r.next_attempt_at for r in first))
    worker.deliver_outbox()
    second = _review_rows(engine)
    assert [(r.status, r.attempts) for r in second] == [("pending", 2)] * 4
    _assert_backoff(second, clock.now(), 120)  # doubled

    mail_server.start()
    clock.set(max(r.next_attempt_at for r in second))
    worker.deliver_outbox()
    assert _recipients(mail_server) == REVIEWERS
    assert [(r.status, r.attempts) for r in _review_rows(engine)] == [("sent", 3)] * 4
    worker.deliver_outbox()
    assert _recipients(mail_server) == REVIEWERS  # once each


def test_a_permanently_refused_address_is_dead_lettered_at_once_with_the_servers_words(
    engine, world, mail_server, make_worker
):
    mail_server.refuse["minec@example.test"] = "550 5.1.1 <minec@example.test>: user unknown"
    submitted_case(engine, world)
    make_worker().deliver_outbox()
    assert _recipients(mail_server) == [a for a in REVIEWERS if a != "minec@example.test"]
    (dead,) = list_dead(engine)
    assert dead.recipient == "minec@example.test"
    assert dead.attempts == 1
    assert "550 5.1.1 <minec@example.test>: user unknown" in dead.last_error


def test_a_mailbox_that_stays_busy_is_dead_lettered_after_the_retry_window_and_can_be_retried(
    engine, world, clock, mail_server, make_worker
):
    mail_server.refuse["sector@example.test"] = "450 4.2.1 mailbox busy"
    submitted_case(engine, world)
    worker = make_worker()  # retried for three hours
    for _ in range(4):
        worker.deliver_outbox()
        clock.advance(hours=1)
    assert count_dead(engine) == 1
    (dead,) = list_dead(engine)
    assert (dead.recipient, dead.attempts) == ("sector@example.test", 4)
    assert "450 4.2.1 mailbox busy" in dead.last_error

    del mail_server.refuse["sector@example.test"]
    assert retry_dead(engine, dead.id) is True
    assert retry_dead(engine, dead.id) is False  # no longer dead
    worker.deliver_outbox()
    assert _recipients(mail_server) == REVIEWERS
    assert retry_all_dead(engine) == 0


def test_when_the_line_drops_before_the_reply_the_resend_carries_the_same_message_id(
    engine, world, clock, mail_server, make_worker
):
    mail_server.drop_after_data = 1  # the first message gets in, its "250" is lost
    submitted_case(engine, world)
    worker = make_worker()
    worker.deliver_outbox()
    rows = outbox(engine, template="task_opened")
    (retried,) = [r for r in rows if r.status == "pending"]
    assert retried.attempts == 1 and "connection lost" in retried.last_error
    # The others went over a fresh connection in the same batch (the four reviewers: the
    # initiator's drafting task was closed by the submit, its email skipped).
    assert len(mail_server.messages) == 4

    clock.set(retried.next_attempt_at)
    worker.deliver_outbox()
    copies = [m for m in mail_server.messages if m["Message-ID"] == retried.message_id]
    assert len(copies) == 2
    assert copies[0]["Subject"] == copies[1]["Subject"]
    assert {r.status for r in outbox(engine, template="task_opened")} == {"sent", "skipped"}


def test_a_batch_uses_one_smtp_connection(engine, world, mail_server, settings, make_worker):
    from notifications.transports.smtp import SmtpSender

    sender = SmtpSender.from_settings(settings)
    submitted_case(engine, world)
    make_worker(email_sender=sender).deliver_outbox()
    assert len(mail_server.messages) == 4  # the four reviewers
    assert sender.connections_opened == 1


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_outcome_of_the_one_that_took_over(
    engine, world, clock, mail_server, make_worker, policy
):
    from notifications.delivery import deliver_batch
    from notifications.transports import TransientFailure

    submitted_case(engine, world)
    fast = make_worker("fast")

    class StalledTransport:
        """Stalls past its lease on the first send; meanwhile "fast" delivers everything."""

        def open(self):
            pass

        def prepare(self, items):
            pass

        def send(self, item):
            if clock.now() < takeover:
                clock.set(takeover)
                assert fast.deliver_outbox().sent == 4
            raise TransientFailure("421 too late")

        def close(self):
            pass

    takeover = clock.now() + dt.timedelta(seconds=policy.lease_seconds + 1)
    late = deliver_batch(engine, "email", lambda _: StalledTransport(), "slow", policy)
    # claimed counts the skipped row too (the drafting task, closed by the submit)
    assert (late.claimed, late.retried, late.lost_lease) == (5, 0, 4)
    rows = outbox(engine, template="task_opened", status="sent")
    assert [(r.status, r.attempts, r.last_error) for r in rows] == [("sent", 1, None)] * 4
