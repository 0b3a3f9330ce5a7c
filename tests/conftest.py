"""Shared fixtures.

Integration tests take ``db_url``, which is parametrized over SQLite and (when
``SOGLASIE_TEST_POSTGRES_URL`` is set) PostgreSQL, so each runs on both backends. Time comes from
a ``FixedClock``; nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.support.databases import (
    create_worker_database,
    drop_worker_database,
    fresh_sqlite,
    postgres_admin_url,
    truncate_all,
)
from tests.support.world import build_world
from workflow.clock import FixedClock
from workflow.definitions.directory import load_directory
from workflow.engine import Engine

FIXTURES = Path(__file__).parent / "fixtures"
VALID_DEFINITIONS = FIXTURES / "definitions" / "valid"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_url(worker_id):
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    url = create_worker_database(admin, worker_id)
    yield url
    drop_worker_database(admin, url)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, postgres_url):
    """A fresh, empty database with the full schema, on each backend."""
    if request.param == "sqlite":
        yield fresh_sqlite(tmp_path / "test.db")
        return
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    truncate_all(postgres_url)
    yield postgres_url


@pytest.fixture
def backend(db_url) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgres"


@pytest.fixture
def clock():
    # Monday 2 March 2026, 09:00 Moscow time.
    return FixedClock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="session")
def fixture_definitions():
    return load_directory(VALID_DEFINITIONS).raise_for_errors()


@pytest.fixture
def engine(db_url, clock, fixture_definitions):
    eng = Engine.create(db_url, fixture_definitions, clock=clock)
    yield eng
    eng.dispose()


@pytest.fixture
def world(engine):
    return build_world(engine)


@pytest.fixture(autouse=True)
def _no_stray_environment(monkeypatch):
    """Tests never read the developer's SOGLASIE_* settings by accident (except the test DB)."""
    for key in list(os.environ):
        if key.startswith("SOGLASIE_") and key != "SOGLASIE_TEST_POSTGRES_URL":
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def _only_loopback_smtp(monkeypatch):
    """Fail any test whose code tries to reach a mail server off this machine.

    The connection is refused (so nothing leaves) *and* the test fails at teardown, even if the
    code under test swallowed the error as a transient delivery failure.
    """
    import smtplib

    attempts: list[str] = []
    connect = smtplib.SMTP.connect

    def loopback_only(self, host="localhost", port=0, source_address=None):
        name = host
        if not port and host.count(":") == 1:
            name = host.split(":", 1)[0]
        if name not in ("localhost", "::1") and not name.startswith("127."):
            attempts.append(f"{host}:{port}")
            raise ConnectionRefusedError(f"tests may not reach SMTP server {host}:{port}")
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", loopback_only)
    yield
    if attempts:
        pytest.fail(f"a non-loopback SMTP server was contacted: {', '.join(attempts)}")
