"""Scratch databases for the benchmarks: a SQLite file in a temporary folder, or a PostgreSQL
database created next to the one ``SOGLASIE_TEST_POSTGRES_URL`` names and dropped afterwards.

PostgreSQL names carry the process id (``<admin db>_bench_<pid>_<label>``) so two benchmark
runs, or a benchmark and a test session, never drop each other's database.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workflow.persistence.db import make_engine
from workflow.persistence.tables import metadata

POSTGRES_ENV = "SOGLASIE_TEST_POSTGRES_URL"


def psycopg_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The URL as psycopg itself takes it (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        metadata().create_all(engine)
    finally:
        engine.dispose()


def _admin_execute(admin_url: str, *statements: str) -> None:
    engine = create_engine(psycopg_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def postgres_name(admin_url: str, label: str) -> str:
    base = make_url(admin_url).database or "postgres"
    return f"{base}_bench_{os.getpid()}_{label}".replace("-", "_").lower()


@contextlib.contextmanager
def scratch_database(
    backend: str, admin_url: str | None, label: str, *, schema: bool = True, keep: bool = False
) -> Iterator[str]:
    """Yield the URL of a new, empty database (with the full schema unless ``schema=False``);
    drop it afterwards (unless ``keep``)."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"soglasie-bench-{label}-")
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        if schema:
            create_schema(url)
        try:
            yield url
        finally:
            if not keep:
                for name in Path(folder).glob("*"):
                    name.unlink(missing_ok=True)
                Path(folder).rmdir()
        return
    if admin_url is None:
        raise RuntimeError(f"PostgreSQL is not configured: set {POSTGRES_ENV}")
    name = postgres_name(admin_url, label)
    _admin_execute(
        admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        if schema:
            create_schema(url)
        yield url
    finally:
        if not keep:
            _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
