"""Signing in and out: password checks, re-hashing, throttling, cookies, session renewal, CSRF."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from tests.web.conftest import PASSWORD, Browser
from web.auth import throttle
from workflow.persistence.login_attempts import LoginAttempt
from workflow.persistence.models import User


def _hash_of(engine, username):
    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(User.password_hash).where(User.username == username))


def test_a_good_password_signs_in_and_lands_in_the_inbox(browser):
    response = browser.login("ini")
    assert response.status_code == 303
    assert response.headers["Location"] == "/inbox"
    page = browser.get("/inbox")
    assert page.status_code == 200
    assert "Анна Ильина" in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(browser):
    response = browser.login("ini", "not-the-password")
    assert response.status_code == 401
    assert browser.get("/inbox").status_code == 302
    unknown = browser.login("nobody-by-this-name", "whatever-password")
    assert unknown.status_code == 401
    assert response.get_data(as_text=True).count("alert-error") == 1
    # The same message for an unknown user and a wrong password.
    assert _error(response) == _error(unknown)


def _error(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('class="alert alert-error"')
    return html[start : html.index("</div>", start)]


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(engine, web_world, browser):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with engine.uow() as uow:
        uow.session.execute(update(User).where(User.username == "ini").values(password_hash=weak))
        uow.commit()
    assert browser.login("ini").status_code == 303
    upgraded = _hash_of(engine, "ini")
    assert upgraded != weak and "m=8192" not in upgraded
    assert browser.get("/inbox").status_code == 200  # the session survives its own re-hash


def test_a_deactivated_user_cannot_sign_in_and_loses_her_session(engine, web_world, app):
    signed = Browser(app.test_client())
    assert signed.login("ini").status_code == 303
    with engine.uow() as uow:
        uow.session.execute(update(User).where(User.username == "ini").values(is_active=False))
        uow.commit()
    assert signed.get("/inbox").status_code == 302
    assert Browser(app.test_client()).login("ini").status_code == 401


def test_five_failures_for_one_account_get_429_until_the_window_passes(
    engine, web_world, clock, app
):
    for attempt in range(throttle.ACCOUNT_LIMIT):
        assert Browser(app.test_client()).login("ini", f"wrong-{attempt}").status_code == 401
    blocked = Browser(app.test_client()).login("ini")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many unsuccessful attempts" in blocked.get_data(as_text=True)
    assert Browser(app.test_client()).login("ini2").status_code == 303  # others are not blocked
    clock.advance(minutes=16)
    assert Browser(app.test_client()).login("ini").status_code == 303


def test_failures_from_one_address_across_accounts_are_throttled_too(engine, web_world, app):
    for i in range(throttle.ADDRESS_LIMIT - 1):
        throttle.record_failure(engine, f"guess{i:02d}", "127.0.0.1")
    assert Browser(app.test_client()).login("guess-last", "x-wrong-pass").status_code == 401
    assert Browser(app.test_client()).login("ini").status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert Browser(other_address).login("ini").status_code == 303


def test_a_success_clears_the_account_failures(engine, web_world, app):
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        Browser(app.test_client()).login("ini", "wrong-password")
    assert Browser(app.test_client()).login("ini").status_code == 303
    with engine.uow(write=False) as uow:
        left = uow.session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "ini")
        )
    assert left == 0


def test_old_failures_are_pruned_as_new_ones_arrive(engine, web_world, clock, app):
    Browser(app.test_client()).login("ini", "wrong-password")
    clock.advance(days=2)
    Browser(app.test_client()).login("head", "wrong-password")
    with engine.uow(write=False) as uow:
        names = set(uow.session.scalars(select(LoginAttempt.username)))
    assert names == {"head"}


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(browser):
    response = browser.login("ini", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("soglasie_session="))
    remember = next(c for c in cookies if c.startswith("soglasie_remember="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # not in the demo/test; production sets it (next test)


def test_production_cookies_are_secure(engine, web_world, tmp_path):
    from web.app import create_app
    from workflow.settings import Settings

    settings = Settings(
        env="production",
        database_url=str(engine.bind.url),
        secret_key="production-test-key-Kx9vR2mN8wT3zY6bC1dF5gH0jA",
        audit_key="audit-test-key-Qw7eR4tY1uI9oP3aS6dF2gH8jK5lZ0x",
        base_url="https://soglasie.example",
        extra={"SOGLASIE_CACHE_DIR": str(tmp_path)},
    )
    app = create_app(settings, engine=engine)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # browsers keep Secure cookies for https
    client.environ_base["HTTP_REFERER"] = "https://localhost/login"  # Flask-WTF checks it on https
    response = Browser(client).login("ini", remember="y")
    assert response.status_code == 303
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("soglasie")]
    assert len(cookies) == 2 and all("; Secure" in c for c in cookies)
    assert "Strict-Transport-Security" in response.headers


def test_signing_in_starts_a_new_session_so_a_planted_one_is_useless(app, browser):
    with browser.client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    before = browser.csrf_from("/login")
    browser.login("ini")
    with browser.client.session_transaction() as fresh:
        assert "planted" not in fresh
        assert fresh.get("csrf_token") != before or "csrf_token" not in fresh


def test_signing_out_ends_the_session(browser):
    browser.login("ini")
    response = browser.post("/logout")
    assert response.status_code == 303
    assert browser.get("/inbox").status_code == 302


def test_a_form_without_its_csrf_token_gets_400_with_a_clear_page(browser):
    browser.login("ini")
    response = browser.client.post("/logout")
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert browser.get("/inbox").status_code == 200  # still signed in


def test_the_sign_in_form_itself_needs_its_csrf_token(browser):
    response = browser.client.post("/login", data={"username": "ini", "password": PASSWORD})
    assert response.status_code == 400


def test_security_headers_are_on_every_page(browser):
    response = browser.get("/public")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(engine, web_world, signed_in):
    ini = signed_in("ini")
    for path in ("/inbox", "/agreements", "/regions/RU-TST", "/public", "/login"):
        html = ini.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path
        assert "onclick" not in html and "javascript:" not in html, path


def test_throttle_window_is_measured_with_the_engine_clock(engine, web_world, clock):
    for _ in range(throttle.ACCOUNT_LIMIT):
        throttle.record_failure(engine, "ini", "10.0.0.1")
    verdict = throttle.check(engine, "ini", "10.0.0.2")
    assert verdict.throttled and verdict.retry_after_seconds <= 15 * 60 + 1
    clock.advance(minutes=10)
    assert throttle.check(engine, "ini", "10.0.0.2").retry_after_seconds <= 5 * 60 + 1
    clock.set(clock.now() + dt.timedelta(minutes=6))
    assert not throttle.check(engine, "ini", "10.0.0.2").throttled
