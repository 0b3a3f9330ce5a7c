"""Fixtures for the REST API tests: the app over the test engine, and a personal token for
every person of the test world (``tokens["ini"]``), issued through the tokens service."""

from __future__ import annotations

import pytest

from web.app import create_app
from workflow.services.tokens import issue_token
from workflow.settings import Settings

SECRET = "api-tests-secret-key-0123456789abcdef"


@pytest.fixture
def app(engine, db_url):
    settings = Settings(env="test", database_url=db_url, secret_key=SECRET)
    return create_app(settings, engine=engine, config={"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(engine, world) -> dict[str, str]:
    issued = {}
    with engine.uow() as uow:
        for username, user_id in world.users.items():
            _info, plaintext = issue_token(uow.session, engine.clock, user_id, "tests")
            issued[username] = plaintext
        uow.commit()
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
