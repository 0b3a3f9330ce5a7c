"""One transaction around a whole request, so a stored answer commits with the change it answers.

    with enclosing_transaction(engine.bind) as outer:
        ...                     # every engine.uow() in here joins outer.connection
        outer.commit()          # the change and whatever was written beside it, at once

The services each open their own unit of work and commit it (``workflow.persistence.uow``).
Inside an enclosing transaction (a context variable, so per thread) a write unit runs in a
SAVEPOINT on the enclosing connection: its ``commit()`` releases the savepoint and its rollback
undoes only its own work, as before, but nothing is durable until the enclosing transaction
commits. A read unit joins without a savepoint (it changes nothing). Callbacks a unit registers
with ``after_commit`` wait for the enclosing commit.

Used by the Idempotency-Key handling of the web layer: the key, the request's fingerprint and
the answer are written in the same transaction as the decision, so either both are durable or
neither is. On SQLite the enclosing transaction starts with ``BEGIN IMMEDIATE`` (the write
lock, as a write unit takes it); on PostgreSQL it is an ordinary READ COMMITTED transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from sqlalchemy import Connection, Engine

from workflow.persistence import commit_outcome
from workflow.persistence.outages import connection_lost

log = logging.getLogger("soglasie.db")


class Enclosing:
    def __init__(self, bind: Engine, connection: Connection, outcome_wait: float = 0.0):
        self.bind = bind
        self.connection = connection
        # Seconds to spend learning whether a COMMIT that lost its connection committed
        # (PostgreSQL; ``workflow.persistence.commit_outcome``); 0: no check.
        self.outcome_wait = outcome_wait
        # Whether a write unit of work committed inside: something was decided.
        self.wrote = False
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        """Commit; a COMMIT whose connection is lost is settled as a unit of work's is: return
        if it committed, raise ``CommitNotDone`` / ``CommitOutcomeUnknown`` otherwise."""
        xid = None
        if self.bind.dialect.name == "postgresql" and self.outcome_wait > 0:
            xid = commit_outcome.connection_transaction_id(self.connection)
        try:
            self.connection.commit()
        except Exception as error:
            if xid is None or not connection_lost(error):
                raise
            commit_outcome.settle(self.bind, xid, error, self.outcome_wait)
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self._after_commit = []
        if not self.connection.in_transaction():
            return
        try:
            self.connection.rollback()
        except Exception:
            # A connection the database dropped (the request is answering 503 already): the
            # server rolled back with it; make sure the pool does not hand it out again.
            log.warning("rollback of an enclosing transaction failed", exc_info=True)
            self.connection.invalidate()


_current: ContextVar[Enclosing | None] = ContextVar("soglasie_enclosing", default=None)


def current(bind: Engine) -> Enclosing | None:
    """The enclosing transaction of this thread on ``bind``, if one is open."""
    outer = _current.get()
    return outer if outer is not None and outer.bind is bind else None


@contextlib.contextmanager
def enclosing_transaction(bind: Engine, outcome_wait: float = 0.0) -> Iterator[Enclosing]:
    """Leaving the block without ``commit()`` (or with an exception) rolls everything back."""
    if _current.get() is not None:
        raise RuntimeError("an enclosing transaction is already open in this thread")
    connection = bind.connect()
    try:
        if bind.dialect.name == "sqlite":
            connection.execution_options(sqlite_begin="IMMEDIATE")
        connection.begin()
        outer = Enclosing(bind, connection, outcome_wait)
        token = _current.set(outer)
        try:
            yield outer
        finally:
            _current.reset(token)
            outer.rollback()
    finally:
        connection.close()
