"""Who may call the API: personal tokens (shown once, stored hashed, revocable, expiring, tied
to an active user), the pages' session cookie with its CSRF token, and the 429 for a client
that keeps presenting bad tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import select, update

from tests.api.scenario import ApiClient, As, Reply
from tests.support.databases import stamp_head
from web.cli import main as cli
from workflow import passwords
from workflow.persistence.integrations import ApiToken
from workflow.persistence.models import User

PASSWORD = "correct-horse-battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_a_token_is_shown_once_stored_hashed_and_works_until_revoked(client, tokens, engine):
    me = ApiClient(client, tokens).as_("ta_ini")
    created = me.post("/tokens", json={"name": "регион CRM"}).ok(201)
    plaintext = created["token"]
    assert plaintext.startswith(f"sgl_{created['prefix']}_")
    listed = me.get("/tokens").ok()
    assert all("token" not in t for t in listed)
    with engine.uow(write=False) as uow:
        stored = uow.session.scalar(select(ApiToken).where(ApiToken.id == created["id"]))
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in repr(vars(stored))

    new = As(client, plaintext)
    assert new.get("/users/me").ok()["username"] == "ta_ini"
    me.call("DELETE", f"/tokens/{created['id']}").ok()
    refused = new.get("/users/me").refused(401)
    assert refused["code"] == "unauthorized"
    assert new.get("/users/me").response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_and_a_deactivated_users_token_are_refused(
    client, tokens, engine, clock, world
):
    me = ApiClient(client, tokens).as_("ta_ini")
    today = engine.today()
    short = me.post("/tokens", json={"name": "short", "expires_on": today.isoformat()}).ok(201)
    assert As(client, short["token"]).get("/users/me").status == 200
    clock.advance(days=1)
    As(client, short["token"]).get("/users/me").refused(401)

    with engine.uow() as uow:
        uow.session.execute(
            update(User).where(User.id == world.user_id("spe_ini")).values(is_active=False)
        )
        uow.commit()
    As(client, tokens["spe_ini"]).get("/users/me").refused(401)


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer sgl_nonsense", "Token abc", "Bearer " + "x" * 300],
)
def test_malformed_or_unknown_credentials_are_401_in_the_error_shape(client, header):
    reply = Reply(client.get("/api/v1/agreements", headers={"Authorization": header}))
    assert reply.refused(401)["code"] == "unauthorized"


def test_a_client_hammering_with_bad_tokens_gets_429_while_good_tokens_still_work(
    client, tokens, clock
):
    bad = {"Authorization": "Bearer sgl_0123456789_wrong"}
    statuses = [client.get("/api/v1/tasks", headers=bad).status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    limited = Reply(client.get("/api/v1/tasks", headers=bad))
    assert limited.refused(429)["code"] == "too_many_requests"
    assert int(limited.response.headers["Retry-After"]) > 0
    assert As(client, tokens["ta_ini"]).get("/tasks").status == 200  # same address
    clock.advance(minutes=6)
    assert client.get("/api/v1/tasks", headers=bad).status_code == 401


def test_a_token_acts_with_the_users_current_roles(client, tokens, engine, world):
    me = As(client, tokens["minjust"])
    assert me.get("/users").status == 403
    with engine.uow() as uow:
        user = uow.session.get(User, world.user_id("minjust"))
        user.roles[0].role = "admin"
        uow.commit()
    assert me.get("/users").status == 200  # no re-issue needed: roles are read per request


@pytest.fixture
def session_client(app, engine, world, monkeypatch):
    """A client signed in through the pages' login form as ``ta_ini``."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY", CHEAP.hash("timing-equalizer"))
    with engine.uow() as uow:
        uow.session.execute(
            update(User)
            .where(User.id == world.user_id("ta_ini"))
            .values(password_hash=CHEAP.hash(PASSWORD))
        )
        uow.commit()
    browser = app.test_client()
    token = _CSRF.search(browser.get("/login").get_data(as_text=True)).group(1)
    signed = browser.post(
        "/login", data={"username": "ta_ini", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 303
    page = browser.get("/settings/substitutions").get_data(as_text=True)
    browser.csrf_token = _CSRF.search(page).group(1)
    return browser


def test_the_pages_session_works_for_reads_and_needs_the_csrf_token_for_writes(session_client):
    assert session_client.get("/api/v1/users/me").get_json()["username"] == "ta_ini"
    refused = Reply(session_client.post("/api/v1/tokens", json={"name": "script"}))
    assert refused.refused(400)["code"] == "csrf_failed"
    accepted = session_client.post(
        "/api/v1/tokens",
        json={"name": "script"},
        headers={"X-CSRFToken": session_client.csrf_token},
    )
    assert accepted.status_code == 201


def test_bearer_requests_need_no_csrf_token(client, tokens):
    assert As(client, tokens["ta_ini"]).post("/tokens", json={"name": "ci"}).status == 201


def test_the_cli_creates_a_token_that_the_api_accepts(client, db_url, world):
    stamp_head(db_url)
    result = CliRunner().invoke(
        cli, ["tokens", "create", "ta_head", "--name", "нагрузочный тест", "--database-url", db_url]
    )
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert As(client, plaintext).get("/users/me").ok()["username"] == "ta_head"
    listed = CliRunner().invoke(cli, ["tokens", "list", "ta_head", "--database-url", db_url])
    assert "нагрузочный тест" in listed.stdout and "active" in listed.stdout
    prefix = plaintext.split("_")[1]
    CliRunner().invoke(cli, ["tokens", "revoke", prefix, "--database-url", db_url])
    assert As(client, plaintext).get("/users/me").status == 401
    unknown = CliRunner().invoke(cli, ["tokens", "create", "nobody", "--database-url", db_url])
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.stderr


def test_tokens_are_valid_until_the_end_of_their_last_day(engine, world, clock):
    from workflow.services.tokens import authenticate, create_token

    info, plaintext = create_token(
        engine, world.actor("ta_ini"), "day", expires_on=engine.today() + dt.timedelta(days=1)
    )
    assert authenticate(engine, plaintext) == world.user_id("ta_ini")
    clock.advance(days=1)
    assert authenticate(engine, plaintext) == world.user_id("ta_ini")
    clock.advance(days=1)
    assert authenticate(engine, plaintext) is None
    assert info.expires_on == engine.today() - dt.timedelta(days=1)


def test_the_failure_limiter_forgets_addresses_whose_failures_aged_out():
    from web.api.auth import FailureLimiter

    limiter = FailureLimiter(limit=2)
    limiter.max_keys = 3
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    for n in range(3):
        limiter.fail(f"10.0.0.{n}", start)
    limiter.fail("10.0.0.9", start + dt.timedelta(minutes=10))
    assert set(limiter._failures) == {"10.0.0.9"}
    limiter.fail("10.0.0.9", start + dt.timedelta(minutes=10))
    assert limiter.retry_after("10.0.0.9", start + dt.timedelta(minutes=10)) == 301
