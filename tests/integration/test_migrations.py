"""The Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import postgres_admin_url
from workflow.persistence.db import make_engine
from workflow.persistence.schema import head_revision, is_up_to_date, upgrade
from workflow.persistence.search import include_object
from workflow.persistence.tables import metadata


def _diff(url: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            return compare_metadata(context, metadata()), is_up_to_date(engine, url)
    finally:
        engine.dispose()


def test_upgrade_on_sqlite_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    diff, current = _diff(url)
    assert diff == [] and current and head_revision(url) is not None


def test_upgrade_on_postgresql_matches_the_models(postgres_url):
    if postgres_url is None:
        import pytest

        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    admin = make_url(postgres_admin_url())
    name = f"{admin.database}_migrations"
    maintenance = create_engine(
        admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with maintenance.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        diff, current = _diff(url)
        assert diff == [] and current
    finally:
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()
