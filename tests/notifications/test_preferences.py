"""Each person's choice: every message at once, one digest a day, or nothing; unsubscribe links;
and the demo mailbox used when no SMTP server is configured."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from notifications.unsubscribe import make_unsubscribe_token, read_unsubscribe_token
from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.conftest import BASE_URL
from tests.notifications.helpers import create_meeting, outbox, set_user, text_of
from workflow.persistence.mailbox import MailboxMessage

UTC = dt.UTC


def test_a_digest_reader_gets_one_message_a_day_listing_everything_held_for_her(
    engine, world, clock, mail_server, make_worker
):
    set_user(engine, world.user_id("mfa"), notify_mode="digest")
    first = submitted_case(engine, world)
    second = drafted_case(engine, world)
    engine.fire(second, "submit", world.actor("ini"))
    worker = make_worker()
    worker.run_once()
    assert "mfa@example.test" not in {m["To"] for m in mail_server.messages}
    held = outbox(engine, recipient_user_id=world.user_id("mfa"), status="held")
    assert len(held) == 2

    clock.set(dt.datetime(2026, 3, 3, 4, 59, tzinfo=UTC))  # 07:59 in Moscow: not yet
    worker.run_once()
    assert mail_server.by_template("digest") == []

    clock.set(dt.datetime(2026, 3, 3, 5, 30, tzinfo=UTC))  # 08:30 in Moscow
    worker.run_once()
    worker.run_once()
    (digest,) = mail_server.by_template("digest")
    assert digest["To"] == "mfa@example.test"
    assert digest["Subject"] == "«Согласие»: сводка за 3 марта 2026 г. (2 уведомления)"
    body = text_of(digest)
    assert f"{BASE_URL}/agreements/{first}" in body and f"{BASE_URL}/agreements/{second}" in body
    assert body.count("Новая задача: Согласование — Соглашение о сотрудничестве") == 2
    assert digest["List-Unsubscribe"].strip().startswith(f"<{BASE_URL}/unsubscribe/")
    statuses = {r.status for r in outbox(engine, recipient_user_id=world.user_id("mfa"))}
    assert statuses == {"digested", "sent"}


def test_calendar_messages_skip_the_digest(engine, world, mail_server, make_worker):
    set_user(engine, world.user_id("ini"), notify_mode="digest")
    create_meeting(engine, world, starts_at=dt.datetime(2026, 5, 20, 7, 0, tzinfo=UTC))
    make_worker().run_once()
    assert "ini@example.test" in {m["To"] for m in mail_server.by_template("meeting_invitation")}


def test_someone_who_turned_mail_off_gets_nothing_even_if_it_was_already_queued(
    engine, world, mail_server, make_worker
):
    submitted_case(engine, world)
    set_user(engine, world.user_id("minec"), notify_mode="off")
    make_worker().run_once()
    assert "minec@example.test" not in {m["To"] for m in mail_server.messages}
    (row,) = outbox(engine, recipient_user_id=world.user_id("minec"))
    assert (row.status, row.last_error) == (
        "cancelled",
        "the recipient turned email notifications off",
    )


def test_unsubscribe_tokens_name_the_user_and_cannot_be_forged(settings):
    token = make_unsubscribe_token(settings, 42)
    assert read_unsubscribe_token(settings, token) == 42
    assert read_unsubscribe_token(settings, token[:-2] + "xx") is None
    other = settings.with_overrides(secret_key="another-secret-key-of-sufficient-length-0000")
    assert read_unsubscribe_token(other, token) is None


def test_without_an_smtp_host_messages_land_in_the_demo_mailbox(
    engine, world, settings, make_worker
):
    demo = settings.with_overrides(smtp_host=None)
    create_meeting(engine, world, starts_at=dt.datetime(2026, 5, 20, 7, 0, tzinfo=UTC))
    make_worker(settings=demo).run_once()
    with engine.uow(write=False) as uow:
        stored = list(
            uow.session.scalars(
                select(MailboxMessage).where(MailboxMessage.to_address == "ini@example.test")
            )
        )
    (invitation,) = [m for m in stored if m.subject.startswith("Приглашение")]
    (row,) = outbox(engine, template="meeting_invitation", recipient_user_id=world.user_id("ini"))
    assert invitation.outbox_id == row.id
    assert invitation.headers["Message-ID"] == row.message_id
    assert "Ваш регион приглашён" in invitation.text
    assert "<b>Координационное совещание 2026</b>" in invitation.html
    assert "METHOD:REQUEST" in invitation.ics and "Координационное совещание 2026" in invitation.ics
    assert row.status == "sent"
