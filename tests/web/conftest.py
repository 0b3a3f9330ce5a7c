"""Fixtures for the web tests: the app on the test engine, people with passwords, and a client
that signs in and submits forms with their CSRF tokens like a browser would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.support.world import build_world
from web.app import create_app
from workflow.passwords import hash_password
from workflow.persistence.models import User
from workflow.settings import Settings

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def web_world(engine, password_hash):
    """The integration world, every user with the password ``PASSWORD``."""
    world = build_world(engine)
    with engine.uow() as uow:
        uow.session.execute(update(User).values(password_hash=password_hash))
        uow.commit()
    return world


@pytest.fixture
def app(engine, web_world, tmp_path):
    settings = Settings(
        env="test",
        database_url=str(engine.bind.url),
        secret_key="test-secret-key-for-the-web-tests-0123456789",
        extra={"SOGLASIE_CACHE_DIR": str(Path(tmp_path) / "cache")},
    )
    return create_app(settings, engine=engine, config={"TESTING": True})


class Browser:
    """A Flask test client that signs in and posts forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf_from(self, path: str) -> str:
        page = self.client.get(path)
        found = _CSRF.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {path} (status {page.status_code})"
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD, **extra):
        token = self.csrf_from("/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, **extra},
        )

    def post(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kw):
        token = self.csrf_from(form_page or "/inbox")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kw)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def signed_in(app):
    """``signed_in("ini")`` returns a Browser signed in as that user."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return b

    return make
