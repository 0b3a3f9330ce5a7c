"""Fixtures for the REST API tests: the app over an engine on the *shipped* definitions (the
API serves agreements, plans and meeting cycles, which the fixture procedure alone lacks), the
domain world of ``tests.domain.world`` (Tatarstan, Saint Petersburg, the federal bodies), and a
personal token for every person (``tokens["ta_ini"]``), issued through the tokens service."""

from __future__ import annotations

import pytest

from tests.domain.world import build_domain_world
from web.app import create_app
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.services.tokens import issue_token
from workflow.settings import Settings

SECRET = "api-tests-secret-key-0123456789abcdef"


@pytest.fixture(scope="session")
def shipped_definitions():
    return load_verified()


@pytest.fixture
def engine(db_url, clock, shipped_definitions):
    eng = Engine.create(db_url, shipped_definitions, clock=clock)
    yield eng
    eng.dispose()


@pytest.fixture
def world(engine):
    return build_domain_world(engine)


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
