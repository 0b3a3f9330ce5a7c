"""Sessions end on the server: a cookie copied before sign-out (or a password change, a
deactivation, "sign out everywhere") is refused afterwards, on the pages and the API; the
remember-me cookie expires on the server; "My sessions" lists and ends sessions; a user changes
her own password under the ASVS policy."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.web.conftest import PASSWORD, Browser
from web.app import create_app
from workflow.clock import FixedClock
from workflow.persistence.user_sessions import UserSession
from workflow.settings import Settings

SESSION, REMEMBER = "soglasie_session", "soglasie_remember"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
NEW_PASSWORD = "a river of tea under the birch trees"


@pytest.fixture(autouse=True)
def _sessions_on_the_test_clock(app, clock):
    """Sessions count real time (``web.auth.users.session_clock``); here they count the test's
    clock, so expiry and "last seen" are tested by moving it."""
    app.extensions["soglasie.session_clock"] = clock


def _client(app, user_agent: str | None = None) -> Browser:
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return Browser(client)


def _signed(app, username: str = "ini", user_agent: str | None = None, **extra) -> Browser:
    browser = _client(app, user_agent)
    assert browser.login(username, **extra).status_code == 303
    return browser


def _copy(app, source: Browser, *names: str) -> Browser:
    """A second browser holding copies of ``source``'s cookies ``names`` (a stolen cookie)."""
    thief = Browser(app.test_client(), lang=None)
    for name in names:
        cookie = source.client.get_cookie(name)
        assert cookie is not None, f"{name} is not set"
        thief.client.set_cookie(name, cookie.value)
    return thief


def _works(browser: Browser) -> tuple[int, int]:
    """(page status, API status) for a signed-in-only page and API call."""
    page = browser.get("/inbox").status_code
    api = browser.get("/api/v1/users/me").status_code
    return page, api


def _change_password(browser: Browser, current: str, new: str, again: str | None = None):
    return browser.post(
        "/settings/password",
        {
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
        form_page="/settings/password",
    )


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app):
    owner = _signed(app)
    copy = _copy(app, owner, SESSION)
    assert _works(copy) == (200, 200)
    assert owner.post("/logout").status_code == 303
    assert _works(copy) == (302, 401)
    assert _works(owner) == (302, 401)


def test_a_remember_cookie_copied_before_sign_out_is_refused_after_it(app):
    owner = _signed(app, remember="y")
    remember = owner.client.get_cookie(REMEMBER).value
    assert _works(_holding(app, REMEMBER, remember)) == (200, 200)  # the remember cookie alone
    owner.post("/logout")
    assert _works(_holding(app, REMEMBER, remember)) == (302, 401)


def _holding(app, name: str, value: str) -> Browser:
    """A fresh browser with one cookie, as copied."""
    thief = Browser(app.test_client(), lang=None)
    thief.client.set_cookie(name, value)
    return thief


def test_the_server_refuses_a_remember_cookie_after_its_period(app, clock):
    owner = _signed(app, remember="y")
    remember = owner.client.get_cookie(REMEMBER).value
    clock.advance(days=13, hours=23)
    assert _works(_holding(app, REMEMBER, remember)) == (200, 200)
    clock.advance(hours=2)  # 14 days and an hour after the sign-in
    assert _works(_holding(app, REMEMBER, remember)) == (302, 401)


def test_a_session_without_remember_me_ends_on_the_server_after_its_hours(app, clock):
    owner = _signed(app)
    copy = _copy(app, owner, SESSION)
    clock.advance(hours=11)
    assert _works(copy) == (200, 200)
    clock.advance(hours=2)
    assert _works(copy) == (302, 401)


def test_the_database_keeps_only_the_tokens_hash(app, engine):
    owner = _signed(app, remember="y")
    with owner.client.session_transaction() as session:
        user_part, _, token = session["_user_id"].partition(":")
    with engine.uow(write=False) as uow:
        row = uow.session.scalar(select(UserSession).order_by(UserSession.id.desc()).limit(1))
    assert row.user_id == int(user_part) and row.remember
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(row))


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app):
    here = _signed(app, remember="y")
    elsewhere = _signed(app, remember="y")
    stolen_remember = _copy(app, elsewhere, REMEMBER)
    response = _change_password(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/settings/sessions")
    assert "Sessions ended on other devices: 1." in here.get("/settings/sessions").get_data(
        as_text=True
    )
    assert _works(here) == (200, 200)
    assert _works(elsewhere) == (302, 401)
    assert _works(stolen_remember) == (302, 401)
    assert _client(app).login("ini").status_code == 401  # the old password is gone
    assert _client(app).login("ini", password=NEW_PASSWORD).status_code == 303


def test_sign_out_everywhere_ends_every_session_this_one_too(app):
    here = _signed(app)
    elsewhere = _signed(app, remember="y")
    other_person = _signed(app, "ini2")
    response = here.post("/settings/sessions/end-all", form_page="/settings/sessions")
    assert response.status_code == 303 and response.location.endswith("/login")
    assert _works(here) == (302, 401)
    assert _works(elsewhere) == (302, 401)
    assert _works(_copy(app, elsewhere, REMEMBER)) == (302, 401)
    assert _works(other_person) == (200, 200)  # only her own sessions


def test_a_deactivated_users_sessions_are_refused_and_do_not_come_back(app):
    ini = _signed(app, remember="y")
    stolen = _copy(app, ini, REMEMBER)
    admin = _signed(app, "admin")
    me = ini.get("/api/v1/users/me").get_json()
    token = admin.csrf_from("/inbox")
    headers = {"X-CSRFToken": token}
    off = admin.client.patch(
        f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=headers
    )
    assert off.status_code == 200, off.get_data(as_text=True)
    assert _works(ini) == (302, 401) and _works(stolen) == (302, 401)
    on = admin.client.patch(f"/api/v1/users/{me['id']}", json={"is_active": True}, headers=headers)
    assert on.status_code == 200
    assert _works(ini) == (302, 401) and _works(stolen) == (302, 401)
    assert _works(_signed(app)) == (200, 200)  # a new sign-in works again


def test_an_administrator_setting_a_password_ends_all_her_sessions(app):
    ini = _signed(app)
    admin = _signed(app, "admin")
    me = ini.get("/api/v1/users/me").get_json()
    headers = {"X-CSRFToken": admin.csrf_from("/inbox")}
    response = admin.client.patch(
        f"/api/v1/users/{me['id']}", json={"password": NEW_PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _works(ini) == (302, 401)


def test_my_sessions_lists_devices_marks_this_one_and_ends_another(app):
    here = _signed(app, user_agent=FIREFOX_WINDOWS)
    elsewhere = _signed(app, user_agent=CHROME_LINUX, remember="y")
    _signed(app, "ini2", user_agent=CHROME_LINUX)  # someone else's: not listed
    page = here.get("/settings/sessions").get_data(as_text=True)
    assert page.count("data-session=") == 2
    assert "Firefox on Windows" in page and "Chromium on Linux" not in page
    assert "Chrome on Linux" in page and "127.0.0.1" in page
    assert page.index("Firefox on Windows") < page.index("this browser") < page.index("Chrome")
    assert "remembered until" in page
    other_id = _session_ids(page)[1]
    ended = here.post(f"/settings/sessions/{other_id}/end", form_page="/settings/sessions")
    assert ended.status_code == 303
    assert _works(elsewhere) == (302, 401)
    assert _works(here) == (200, 200)
    assert here.get("/settings/sessions").get_data(as_text=True).count("data-session=") == 1


def _session_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-session="(\d+)"', page)]


def test_nobody_ends_another_persons_session(app):
    victim = _signed(app, "ini2")
    victim_id = _session_ids(victim.get("/settings/sessions").get_data(as_text=True))[0]
    attacker = _signed(app)
    response = attacker.post(f"/settings/sessions/{victim_id}/end", form_page="/settings/sessions")
    assert response.status_code == 303
    assert "already ended" in attacker.get("/settings/sessions").get_data(as_text=True)
    assert _works(victim) == (200, 200)


def test_ending_this_browsers_session_from_the_list_signs_it_out(app):
    here = _signed(app)
    my_id = _session_ids(here.get("/settings/sessions").get_data(as_text=True))[0]
    response = here.post(f"/settings/sessions/{my_id}/end", form_page="/settings/sessions")
    assert response.status_code == 303 and response.location.endswith("/login")
    assert _works(here) == (302, 401)


def test_last_seen_is_written_at_most_once_a_minute(app, engine, clock):
    here = _signed(app)

    def last_seen():
        with engine.uow(write=False) as uow:
            return uow.session.scalar(select(UserSession.last_seen_at))

    signed_in_at = last_seen()
    clock.advance(seconds=50)
    here.get("/inbox")
    assert last_seen() == signed_in_at
    clock.advance(seconds=20)
    here.get("/inbox")
    assert last_seen() == clock.now()


def test_the_password_policy_speaks_on_the_page(app):
    here = _signed(app)
    refusals = {
        "password1234": "among the most common ones",
        "PassWord1234": "among the most common ones",
        "elevenchars": "at least 12 characters",
        "x" * 129: "at most 128 characters",
    }
    for new, words in refusals.items():
        response = _change_password(here, PASSWORD, new)
        assert response.status_code == 400 and words in response.get_data(as_text=True), new
    wrong = _change_password(here, "not-my-password", NEW_PASSWORD)
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    differ = _change_password(here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert differ.status_code == 400 and "passwords differ" in differ.get_data(as_text=True)
    assert _client(app).login("ini").status_code == 303  # nothing was changed


def test_the_password_page_in_russian(app):
    here = Browser(app.test_client(), lang="ru")
    assert here.login("ini").status_code == 303
    common = _change_password(here, PASSWORD, "password1234").get_data(as_text=True)
    assert "входит в число самых распространённых" in common
    short = _change_password(here, PASSWORD, "коротко").get_data(as_text=True)
    assert "не менее 12 символов" in short
    assert "Мои сеансы" in here.get("/settings/sessions").get_data(as_text=True)


def test_wrong_current_passwords_count_as_failed_sign_ins(app):
    here = _signed(app)
    statuses = [_change_password(here, f"guess-{n}", NEW_PASSWORD).status_code for n in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429


def test_the_remember_period_is_a_setting_the_page_and_the_server_follow(
    engine, web_world, cache_dir, clock
):
    settings = Settings(
        env="test",
        database_url=str(engine.bind.url),
        secret_key="test-secret-key-for-the-web-tests-0123456789",
        remember_days=3,
        extra={"SOGLASIE_CACHE_DIR": str(cache_dir)},
    )
    app = create_app(settings, engine=engine, config={"TESTING": True})
    app.extensions["soglasie.session_clock"] = clock
    russian = Browser(app.test_client(), lang="ru")
    assert "на 3 дня" in russian.get("/login").get_data(as_text=True)
    owner = _signed(app, remember="y")
    remember = owner.client.get_cookie(REMEMBER).value
    clock.advance(days=2, hours=23)
    assert _works(_holding(app, REMEMBER, remember)) == (200, 200)
    clock.advance(hours=2)
    assert _works(_holding(app, REMEMBER, remember)) == (302, 401)


def test_signing_in_again_over_a_live_sign_in_replaces_it(app):
    browser = _signed(app)
    before = _copy(app, browser, SESSION)
    assert browser.login("ini2").status_code == 303
    assert _works(before) == (302, 401)
    assert browser.get("/api/v1/users/me").get_json()["username"] == "ini2"
    assert _session_ids(browser.get("/settings/sessions").get_data(as_text=True))


def test_moving_the_business_calendar_does_not_end_a_session(app, clock):
    wall = FixedClock(clock.now())
    app.extensions["soglasie.session_clock"] = wall
    browser = _signed(app)
    clock.advance(days=80)  # the engine's date, on which deadlines count
    assert _works(browser) == (200, 200)
    wall.advance(hours=13)  # real time past the session's 12 hours
    assert _works(browser) == (302, 401)
