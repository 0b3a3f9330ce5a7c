"""My sessions in a real browser: two devices signed in, the list reached from the user menu,
one device ended from the other, then "sign out everywhere". Screenshots go to a temporary
folder (printed) for a person to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sessions-screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


def test_ending_another_device_and_signing_out_everywhere(live, chromium, shots):
    laptop = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    other = chromium.new_context(
        viewport={"width": 1366, "height": 900}, user_agent=FIREFOX_WINDOWS
    )
    try:
        here, there = laptop.new_page(), other.new_page()
        errors: list[str] = []
        here.on("console", lambda m: m.type == "error" and errors.append(m.text))
        sign_in(there, live, "ini")
        sign_in(here, live, "ini")

        here.click("details.user-menu summary")
        here.click("details.user-menu a[href$='/settings/sessions']")
        here.wait_for_url("**/settings/sessions")
        rows = here.locator("#sessions tbody tr")
        assert rows.count() == 2
        assert "этот браузер" in rows.nth(0).inner_text()  # this browser, listed first
        assert "Firefox, Windows" in rows.nth(1).inner_text()
        here.screenshot(path=str(shots / "sessions-desktop.png"), full_page=True)
        here.set_viewport_size({"width": 390, "height": 844})
        here.screenshot(path=str(shots / "sessions-phone.png"), full_page=True)
        overflow = here.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the sessions page scrolls sideways by {overflow}px"
        here.set_viewport_size({"width": 1366, "height": 900})

        rows.nth(1).locator("button[type=submit]").click()
        here.wait_for_load_state()
        assert here.locator("#sessions tbody tr").count() == 1
        there.goto(live.at("/inbox"))
        assert "/login" in there.url  # the other device is signed out

        here.click("text=Выйти на всех устройствах")
        here.wait_for_url("**/login*")
        here.goto(live.at("/inbox"))
        assert "/login" in here.url
        assert not errors, errors
    finally:
        laptop.close()
        other.close()
