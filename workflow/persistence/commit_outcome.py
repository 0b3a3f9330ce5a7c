"""When the connection is lost during COMMIT: find out whether the transaction committed.

A COMMIT that fails with a lost connection (a PostgreSQL restart's ``AdminShutdown``, psycopg's
"cannot exit pipeline mode while busy", a dropped socket) says nothing about the outcome: the
server may have written the commit record just before it went away. Answering "not done" then
is a lie a client acts on (it decides a second time). So, on PostgreSQL, a unit of work that
wrote learns its transaction id before it sends COMMIT (``transaction_id``: one round trip,
which also carries the writes held back by ``workflow.persistence.direct``; a transaction that
wrote nothing has no id and nothing to lose). If the COMMIT then fails with a lost connection,
``find_outcome`` asks ``pg_xact_status`` on fresh connections, retrying for a bounded number of
seconds (``SOGLASIE_COMMIT_OUTCOME_SECONDS``, default 5; 0 turns the check off, and a lost
COMMIT is then answered as any outage), while the server restarts:

- ``committed``: the unit of work goes on as if the COMMIT had answered (the caller's result
  was built inside the transaction, before the commit, so it is the answer the client would
  have had);
- ``aborted``: ``CommitNotDone`` (the web answers 503 with ``Retry-After``: not done, safe to
  repeat). After a restart a transaction that was in progress at the crash reads as aborted;
- anything else within the time (server still down, still ``in progress``, ``NULL`` for an id
  whose status is no longer kept): ``CommitOutcomeUnknown`` (503 ``outcome_unknown``, saying
  how to check: read the case's version).

The id must be known before COMMIT is sent: the server sends nothing back until the pipeline's
Sync, so an id fetched in the same round trip as the COMMIT is lost with it.

SQLite needs none of this: the database is a local file and COMMIT is a function call in this
process. It either returns (the commit record is in the WAL, synced: ``synchronous=FULL``) or
raises, and then the transaction did not commit (SQLite's commit is atomic; a busy or I/O error
leaves it uncommitted and the unit of work rolls it back). There is no connection to lose
between the two: if the process itself dies, no client is waiting for an answer.
"""

from __future__ import annotations

import enum
import logging
import time

from sqlalchemy import Engine, String, text
from sqlalchemy.orm import Session

from workflow.persistence import direct

log = logging.getLogger(__name__)

# Key in the session factory's ``info``: seconds to spend learning a lost commit's outcome.
WAIT_KEY = "commit_outcome_seconds"
DEFAULT_WAIT = 5.0
_PAUSE = 0.25  # between attempts while the server restarts

# NULL when the transaction wrote nothing (no id assigned): then there is nothing to lose.
_XID_IF_WRITTEN = direct.Direct(
    text("SELECT CAST(pg_current_xact_id_if_assigned() AS text) AS xid").columns(xid=String)
)


class Outcome(enum.Enum):
    COMMITTED = "committed"
    NOT_COMMITTED = "not_committed"
    UNKNOWN = "unknown"


class CommitInterrupted(Exception):
    """The connection was lost while a transaction committed (``__cause__``: the error)."""

    def __init__(self, xid: str | None, waited: float):
        super().__init__(f"the connection was lost during COMMIT of transaction {xid}")
        self.xid = xid
        self.waited = waited


class CommitNotDone(CommitInterrupted):
    """The database confirms the transaction did not commit: nothing was changed."""


class CommitOutcomeUnknown(CommitInterrupted):
    """Whether the transaction committed could not be learned in time."""


def configure(session_factory, seconds: float) -> None:
    """Set how long a unit of work waits to learn a lost commit's outcome."""
    session_factory.kw.setdefault("info", {})[WAIT_KEY] = max(0.0, float(seconds))


def seconds_from(raw: str | None) -> float:
    """``SOGLASIE_COMMIT_OUTCOME_SECONDS`` as a number (the default when unset)."""
    if raw is None or not raw.strip():
        return DEFAULT_WAIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise ValueError(
            f"SOGLASIE_COMMIT_OUTCOME_SECONDS is {raw!r}; it must be a number of seconds from 0 "
            "(no check) to 60."
        )
    return value


def wait_seconds(session: Session) -> float:
    return float(session.info.get(WAIT_KEY, DEFAULT_WAIT))


def configured_seconds(session_factory) -> float:
    """What ``configure`` set on ``session_factory`` (for transactions opened outside it)."""
    return float(session_factory.kw.get("info", {}).get(WAIT_KEY, DEFAULT_WAIT))


def settle(bind: Engine, xid: str, error: Exception, within: float) -> None:
    """After the connection was lost during the COMMIT of ``xid``: return if it committed,
    raise ``CommitNotDone`` if it did not, ``CommitOutcomeUnknown`` if that cannot be learned
    within ``within`` seconds."""
    started = time.monotonic()
    outcome = find_outcome(bind, xid, within=within)
    waited = time.monotonic() - started
    log.warning("connection lost during COMMIT of %s: %s (%.1f s)", xid, outcome.value, waited)
    if outcome is Outcome.COMMITTED:
        return
    if outcome is Outcome.NOT_COMMITTED:
        raise CommitNotDone(xid, waited) from error
    raise CommitOutcomeUnknown(xid, waited) from error


def connection_transaction_id(connection) -> str | None:
    """``transaction_id`` for a Core connection (an enclosing transaction)."""
    return connection.execute(_XID_IF_WRITTEN.statement).scalar()


def transaction_id(session: Session) -> str | None:
    """This PostgreSQL transaction's id if it has written anything (None if not), sending any
    held-back writes with the question."""
    return direct.run(session, _XID_IF_WRITTEN).first().xid


def find_outcome(bind: Engine, xid: str, *, within: float = DEFAULT_WAIT) -> Outcome:
    """Whether transaction ``xid`` committed, asked on fresh connections (not the pool's: they
    may all be dead, or all busy) for at most ``within`` seconds."""
    deadline = time.monotonic() + within
    attempt = 0
    while True:
        attempt += 1
        status = _ask(bind, xid, max(1.0, deadline - time.monotonic()))
        if status == "committed":
            return Outcome.COMMITTED
        if status == "aborted":
            return Outcome.NOT_COMMITTED
        if time.monotonic() + _PAUSE >= deadline:
            log.warning(
                "outcome of transaction %s unknown after %d attempts (last: %s)",
                xid,
                attempt,
                status,
            )
            return Outcome.UNKNOWN
        time.sleep(_PAUSE)


def _ask(bind: Engine, xid: str, timeout: float) -> str | None:
    """``pg_xact_status(xid)``: 'committed', 'aborted', 'in progress', None (no longer known),
    or a description of why the server could not be asked."""
    dialect = bind.dialect
    cargs, cparams = dialect.create_connect_args(bind.url)
    cparams = {**cparams, "connect_timeout": max(1, round(timeout)), "autocommit": True}
    try:
        connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
    except Exception as error:  # refused, shutting down, starting up: try again
        return f"cannot connect: {error}".strip()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_xact_status(CAST(%s AS xid8))", (xid,))
            return cursor.fetchone()[0]
    except Exception as error:
        return f"cannot ask: {error}".strip()
    finally:
        connection.close()
