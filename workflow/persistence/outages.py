"""Whether a database error means "the connection failed or was lost" (not a failed statement).

SQLAlchemy's ``OperationalError`` and ``InterfaceError`` from a refused or dropped connection
(PostgreSQL: no sqlstate, class 08, ``admin_shutdown``, ``crash_shutdown``,
``cannot_connect_now``, a database that no longer exists, too many connections; SQLite: "unable
to open database file"), and any ``DBAPIError`` whose connection SQLAlchemy invalidated. Not
lost: integrity errors, serialization failures, deadlocks, statement timeouts, SQLite's
"database is locked". The web layer answers these with 503 (``web.outage``); the unit of work
uses them to tell a lost COMMIT from a refused one (``workflow.persistence.commit_outcome``).
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

# PostgreSQL error codes that mean "no usable connection to the database".
_UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "3D000", "53300"})
_SQLITE_UNREACHABLE = ("unable to open database file",)


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` itself says the database could not be reached."""
    if isinstance(error, sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    orig = error.orig
    if hasattr(orig, "sqlstate"):  # psycopg
        state = orig.sqlstate
        return state is None or state.startswith("08") or state in _UNREACHABLE_SQLSTATES
    text = str(orig).lower()
    if isinstance(error, sa_exc.InterfaceError):
        return True
    return any(phrase in text for phrase in _SQLITE_UNREACHABLE)


def connection_lost(error: BaseException | None) -> bool:
    """Whether ``error`` (or an exception it was raised from) says the database is unreachable."""
    seen = 0
    while error is not None and seen < 10:
        if unreachable(error):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
