"""Test databases: a fresh SQLite file per test, and on PostgreSQL a database per xdist worker
whose tables are emptied between tests.

``SOGLASIE_TEST_POSTGRES_URL`` names a PostgreSQL server and a database the tests may use as a
maintenance connection (e.g. ``postgresql://postgres@127.0.0.1:5432/test``); the tests create
``<that name>_<worker>`` next to it and drop it at the end.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workflow.persistence.db import make_engine
from workflow.persistence.tables import metadata

POSTGRES_ENV = "SOGLASIE_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _psycopg(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_worker_database(admin_url: str, worker: str) -> str:
    """(Re)create a database for one test worker; returns its URL."""
    admin = make_url(admin_url)
    # The process id keeps concurrent test sessions (several developers, or CI and a developer)
    # from dropping each other's database.
    name = f"{admin.database}_{worker}_{os.getpid()}".replace("-", "_")
    engine = create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = admin.set(database=name).render_as_string(hide_password=False)
    schema_engine = make_engine(url)
    metadata().create_all(schema_engine)
    schema_engine.dispose()
    return url


def drop_worker_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def truncate_all(url: str) -> None:
    """Empty every table (PostgreSQL), resetting identities, in one statement."""
    engine = create_engine(_psycopg(url))
    names = ", ".join(f'"{t.name}"' for t in metadata().sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def fresh_sqlite(path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    metadata().create_all(engine)
    engine.dispose()
    return url


def stamp_head(url: str) -> None:
    """Mark a create_all schema as migrated, so CLI commands that check the revision accept it."""
    from alembic import command

    from workflow.persistence.schema import alembic_config

    engine = make_engine(url)
    try:
        config = alembic_config(url)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.stamp(config, "head")
    finally:
        engine.dispose()
