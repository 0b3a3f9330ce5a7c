"""``next=`` never leads off the site, whatever the encoding tricks."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from web.auth.redirects import safe_next

PAYLOADS = [
    "https://evil.test",
    "http://evil.test/inbox",
    "//evil.test",
    "///evil.test",
    "////evil.test/x",
    "\\\\evil.test",
    "/\\evil.test",
    "\\/evil.test",
    "/\\/evil.test",
    "%2F%2Fevil.test",
    "/%2F%2Fevil.test",
    "%5C%5Cevil.test",
    "/%5Cevil.test",
    "%252F%252Fevil.test",
    "/%252F%252Fevil.test",
    "%25252F%25252Fevil.test",
    "https:evil.test",
    "https:/evil.test",
    "http:\\\\evil.test",
    "%68ttps://evil.test",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.test",
    "/\t/evil.test",
    "/%09/evil.test",
    "/\n/evil.test",
    "/%0d%0a/evil.test",
    "evil.test",
    "@evil.test",
    "/..//evil.test",
]


def _leaves_site(location: str) -> bool:
    parts = urlsplit(location.replace("\\", "/"))
    return bool(parts.scheme or parts.netloc) and parts.netloc not in ("", "localhost")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_next_refuses_every_payload(payload):
    assert safe_next(payload) is None


@pytest.mark.parametrize("target", ["/inbox", "/agreements/7?tab=history", "/agreements?q=%D0%9A"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


def test_no_payload_leaves_the_site_after_signing_in(engine, web_world, app):
    from tests.web.conftest import Browser

    for payload in PAYLOADS:
        browser = Browser(app.test_client())
        token = browser.csrf_from("/login")
        response = browser.client.post(
            "/login?next=" + quote(payload, safe=""),
            data={"username": "ini", "password": "correct-horse-battery", "csrf_token": token},
        )
        assert response.status_code == 303, payload
        location = response.headers["Location"]
        assert location == "/inbox", (payload, location)
        assert not _leaves_site(location)


def test_a_local_next_is_followed_after_signing_in(browser):
    token = browser.csrf_from("/login")
    response = browser.client.post(
        "/login?next=" + quote("/agreements?kind=regional_agreement", safe=""),
        data={"username": "ini", "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/agreements?kind=regional_agreement"


def test_private_pages_send_visitors_to_sign_in_with_a_local_next(browser):
    response = browser.get("/agreements?kind=regional_agreement")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert "http" not in location


@pytest.mark.parametrize("payload", ["//evil.test", "https://evil.test", "/\\evil.test"])
def test_the_language_switch_and_task_forms_stay_on_the_site(browser, payload):
    browser.login("ini")
    for path, data in (("/language", {"lang": "en"}), ("/tasks/999999/claim", {})):
        response = browser.post(path, {**data, "next": payload})
        assert response.status_code == 303
        assert not _leaves_site(response.headers["Location"]), (path, payload)
