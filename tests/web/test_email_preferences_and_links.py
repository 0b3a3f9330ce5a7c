"""The page behind every email's unsubscribe link (choices, RFC 8058 one-click, idempotent), the
review email saying until when its decision links work, and guessing of decision links slowed
down to 429 (issue 13, issue 14's leftovers). Mail through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import select

from notifications.unsubscribe import make_unsubscribe_token
from notifications.worker import Worker, WorkerConfig
from tests.notifications.helpers import set_user, text_of
from tests.notifications.smtp_server import MailServer
from tests.web import scenario
from web.decide_throttle import LINK_LIMIT
from workflow.persistence.models import User

BASE_URL = "https://soglasie.example"


def _mode(engine, user_id: int) -> str:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(User.notify_mode).where(User.id == user_id))


@pytest.fixture
def token(app, web_world):
    return make_unsubscribe_token(app.extensions["soglasie.settings"], web_world.user_id("mfa"))


def test_the_link_in_an_email_opens_the_persons_email_choices_in_her_language(
    engine, app, web_world, token
):
    set_user(engine, web_world.user_id("mfa"), language="en")
    page = app.test_client().get(f"/unsubscribe/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "How do you want to receive email from soglasie?" in body
    assert 'value="instant" checked' in body  # how she gets email now
    assert "One digest a day" in body and "Unsubscribe from all email" in body

    set_user(engine, web_world.user_id("mfa"), language="ru")
    body = app.test_client().get(f"/unsubscribe/{token}").get_data(as_text=True)
    assert "Как вы хотите получать письма" in body


def test_choosing_the_daily_digest_from_the_page_needs_no_sign_in(engine, app, web_world, token):
    response = app.test_client().post(f"/unsubscribe/{token}", data={"mode": "digest"})
    assert response.status_code == 200
    assert _mode(engine, web_world.user_id("mfa")) == "digest"
    assert 'value="digest" checked' in response.get_data(as_text=True)


def test_one_click_unsubscribe_turns_email_off_and_is_idempotent(engine, app, web_world, token):
    client = app.test_client()
    for _ in range(2):  # a mail client may send it twice
        response = client.post(
            f"/unsubscribe/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert _mode(engine, web_world.user_id("mfa")) == "off"


def test_an_unknown_choice_or_a_forged_link_changes_nothing(engine, app, web_world, token):
    client = app.test_client()
    assert client.post(f"/unsubscribe/{token}", data={"mode": "weekly"}).status_code == 400
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert _mode(engine, web_world.user_id("mfa")) == "instant"


# --- decision links --------------------------------------------------------------------------


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


def _deliver(engine, app, mail_server):
    settings = app.extensions["soglasie.settings"].with_overrides(
        base_url=BASE_URL, smtp_host="127.0.0.1", smtp_port=mail_server.port, smtp_timeout=5.0
    )
    Worker(engine, settings, config=WorkerConfig(), rng=random.Random(5)).deliver_outbox()
    return mail_server.messages


def _review_email(engine, app, web_world, mail_server, to: str):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    (message,) = [
        m for m in _deliver(engine, app, mail_server) if m["To"] == to and "/decide/" in text_of(m)
    ]
    return message


def test_the_review_email_says_until_when_its_links_work_in_the_readers_zone(
    engine, app, web_world, clock, mail_server
):
    set_user(engine, web_world.user_id("mfa"), language="en")
    message = _review_email(engine, app, web_world, mail_server, "mfa@example.test")
    until = clock.now() + dt.timedelta(days=7)  # SOGLASIE_EMAIL_DECISION_DAYS
    local = until.astimezone(dt.timezone(dt.timedelta(hours=3)))  # the ministry: Moscow
    expected = f"The links work until {local.day} March 2026, {local:%H:%M} (Europe/Moscow)."
    assert expected in text_of(message)
    assert expected in message.get_body(preferencelist=("html",)).get_content()


def test_guessing_decision_links_is_answered_429_with_retry_after(
    engine, app, web_world, clock, mail_server
):
    message = _review_email(engine, app, web_world, mail_server, "mfa@example.test")
    real = re.search(r"/decide/([0-9a-f]{32})\.([0-9a-f]{64})", text_of(message))
    public_id, secret = real.groups()
    client = app.test_client()
    wrong = f"{public_id}.{'0' * 64}"
    for _ in range(LINK_LIMIT):
        assert client.get(f"/decide/{wrong}").status_code == 200  # "this link is not valid"
    throttled = client.get(f"/decide/{public_id}.{secret}")  # even the right secret, now
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60 + 1
    assert "Слишком много попыток с недействительными ссылками" in throttled.get_data(as_text=True)
    # Another link from the same address is still answered (the address limit is higher) ...
    assert client.get(f"/decide/{'a' * 32}.{'0' * 64}").status_code == 200
    # ... and after the window the link opens again.
    clock.advance(minutes=16)
    assert client.get(f"/decide/{public_id}.{secret}").status_code == 200


def test_many_invalid_links_from_one_address_are_slowed_down_too(engine, app, clock):
    client = app.test_client()
    statuses = [client.get(f"/decide/{n:032x}.{'0' * 64}").status_code for n in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    other = app.test_client().get(
        f"/decide/{'b' * 32}.{'0' * 64}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 200
