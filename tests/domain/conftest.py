"""Fixtures for the shipped definitions.

``domain_world`` runs on the shipped ``definitions/`` folder, on SQLite and (when
``SOGLASIE_TEST_POSTGRES_URL`` is set) on PostgreSQL, with one database per backend and worker
for the whole session, because walking ~100 paths is cheap once the world exists: each test
starts its own cases, so tests never see each other's data, and the clock never moves. Tests
that move the clock use ``shipped_world``, a fresh function-scoped database as in the main
conftest.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.domain.world import build_domain_world
from tests.support.databases import (
    create_worker_database,
    drop_worker_database,
    fresh_sqlite,
    postgres_admin_url,
)
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine

# Monday 2 March 2026, 09:00 Moscow time: the same morning as the spine's tests.
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def shipped_definitions():
    return load_verified()


class _Backends:
    """One database, engine and world per backend, created on first use and kept for the
    session: xdist interleaves the two backends' tests, and re-creating a PostgreSQL database at
    every switch would cost more than the tests."""

    def __init__(self, tmp_path_factory, worker_id, definitions):
        self._tmp = tmp_path_factory
        self._worker = worker_id
        self._definitions = definitions
        self._worlds: dict[str, object] = {}
        self._cleanup: list = []

    def world(self, backend: str):
        if backend not in self._worlds:
            if backend == "sqlite":
                url = fresh_sqlite(self._tmp.mktemp("domain") / "domain.db")
            else:
                admin = postgres_admin_url()
                if admin is None:
                    pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
                url = create_worker_database(admin, f"{self._worker}_domain")
                self._cleanup.append(lambda: drop_worker_database(admin, url))
            engine = Engine.create(url, self._definitions, clock=FixedClock(START))
            self._cleanup.insert(0, engine.dispose)
            self._worlds[backend] = build_domain_world(engine)
        return self._worlds[backend]

    def close(self) -> None:
        for step in self._cleanup:
            step()


@pytest.fixture(scope="session")
def _domain_backends(tmp_path_factory, worker_id, shipped_definitions):
    backends = _Backends(tmp_path_factory, worker_id, shipped_definitions)
    yield backends
    backends.close()


@pytest.fixture(params=["sqlite", "postgres"])
def domain_world(request, _domain_backends):
    """A world on the shipped definitions, shared by every test of the session on a backend.
    Its clock stands still: tests that move time use ``shipped_world``."""
    return _domain_backends.world(request.param)


@pytest.fixture
def shipped_engine(db_url, clock, shipped_definitions):
    """A function-scoped engine on the shipped definitions, for tests that move the clock."""
    engine = Engine.create(db_url, shipped_definitions, clock=clock)
    yield engine
    engine.dispose()


@pytest.fixture
def shipped_world(shipped_engine):
    return build_domain_world(shipped_engine)
