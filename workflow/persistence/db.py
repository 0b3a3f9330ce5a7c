"""Creating the database engine for SQLite (the embedded default) or PostgreSQL.

SQLite gets WAL, a busy timeout and foreign keys, and the pysqlite recipe that lets a unit of
work start with ``BEGIN IMMEDIATE``: Python's sqlite3 would otherwise begin only at the first
write, and two read-modify-write transactions would deadlock on the upgrade to a write lock.
"""

from __future__ import annotations

import select
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from workflow.persistence import direct

DEFAULT_SQLITE_URL = "sqlite:///instance/soglasie.db"


def is_sqlite(engine_or_url) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for ``url``; for SQLite files the parent folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _install_sqlite_pragmas(engine)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=10)
    _install_liveness_check(engine)
    direct.install(engine)  # hot-path writes share round trips (workflow.persistence.direct)
    return engine


def _install_liveness_check(engine: Engine) -> None:
    """Never hand out a pooled PostgreSQL connection the server has closed.

    SQLAlchemy's ``pool_pre_ping`` asks the server (``SELECT 1``) at every checkout: one round
    trip per transaction, a tenth of a short transaction's time (bench: transitions). A
    connection idle in the pool receives nothing unless the server closes it (restart,
    ``pg_terminate_backend``, idle timeout: the server says goodbye, then the socket reads
    EOF), so a zero-timeout ``select`` on its socket is enough: only when something arrived is
    the server asked. Raising ``DisconnectionError`` makes the pool replace the connection.
    """

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed or dbapi_connection.broken:
            raise exc.DisconnectionError("the connection is closed")
        readable, _w, _x = select.select([dbapi_connection.fileno()], [], [], 0)
        if not readable:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:  # any failure means: do not use this connection
            raise exc.DisconnectionError(f"the server closed the connection: {error}") from error


# FULL: a commit is on disk (the WAL is synced) before the engine reports it. With NORMAL, a
# power cut or an OS crash may roll back the last committed transitions after the worker has
# already mailed them, and an approval the person saw confirmed would be gone. PostgreSQL's
# default (synchronous_commit=on) is durable in the same way. The price is one fsync per write
# transaction (~0.4 ms here; the test suite did not notice). The benchmarks' raw baseline reads
# this constant, so both pay it.
SQLITE_SYNCHRONOUS = "FULL"
# The execution option (and connection flag) of a transaction whose commit need not wait for
# the disk; see UnitOfWork(durable=False).
NOT_DURABLE = "soglasie_not_durable"


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        # The safety level cannot change inside a transaction, so a unit of work whose commit
        # need not wait for the disk (UnitOfWork(durable=False)) sets it before its BEGIN, and
        # the connection's next other transaction sets it back.
        relaxed = options.get(NOT_DURABLE, False)
        if relaxed != conn.info.get(NOT_DURABLE, False):
            level = "NORMAL" if relaxed else SQLITE_SYNCHRONOUS
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            conn.info[NOT_DURABLE] = relaxed
        conn.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
