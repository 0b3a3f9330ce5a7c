"""The unit of work: one transaction per service call, and the only place that commits.

    with UnitOfWork(session_factory) as uow:
        ... uow.session.execute(...) ...
        uow.commit()

Leaving the block without ``commit()`` (or with an exception) rolls back. Callbacks registered
with ``after_commit`` run only once the data is durable; that is how "email leaves after the
commit" would be wired if a caller needs an immediate nudge (the worker is the normal path).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from workflow.persistence import commit_outcome, direct, enclosing
from workflow.persistence.db import NOT_DURABLE
from workflow.persistence.outages import connection_lost

log = logging.getLogger(__name__)

_ASYNC_COMMIT = direct.Direct(text("SET LOCAL synchronous_commit TO OFF"))


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        write: bool = True,
        durable: bool = True,
    ):
        """``durable=False``: the commit need not wait for the disk (PostgreSQL's
        ``synchronous_commit = off`` for this transaction, SQLite's ``synchronous = NORMAL``).
        Only for writes whose loss in a crash is harmless and repeats itself, such as an
        outbox row's "sent" mark (the row is sent again, with the same Message-ID)."""
        self._session_factory = session_factory
        self._write = write
        self._durable = durable
        self._after_commit: list[Callable[[], None]] = []
        self._outer: enclosing.Enclosing | None = None
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self._outer = enclosing.current(self._session_factory.kw["bind"])
        if self._outer is not None:
            return self._join(self._outer)
        self.session = self._session_factory()
        if self._write:
            # On SQLite take the write lock up front (BEGIN IMMEDIATE); ignored elsewhere.
            options = {"sqlite_begin": "IMMEDIATE"}
            if not self._durable:
                options[NOT_DURABLE] = True
            self.session.connection(execution_options=options)
            if not self._durable and self.dialect == "postgresql":
                direct.defer(self.session, _ASYNC_COMMIT)  # rides with the first statement
        return self

    def _join(self, outer: enclosing.Enclosing) -> UnitOfWork:
        # A write unit gets a savepoint: its rollback undoes its own work only. A read unit
        # never ends the enclosing transaction ("rollback_only", and __exit__ skips rollback).
        mode = "create_savepoint" if self._write else "rollback_only"
        self.session = self._session_factory(bind=outer.connection, join_transaction_mode=mode)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._outer is not None and not self._write:
            self.session.close()
            return
        # A read-only unit just closes: objects it loaded stay usable (detached, not expired).
        # A write unit that did not commit rolls back: nothing half-done survives.
        try:
            if self.session.in_transaction() and (self._write or exc_type is not None):
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Commit; if the connection is lost during COMMIT on PostgreSQL, learn whether it
        committed (``workflow.persistence.commit_outcome``): return as usual if it did, raise
        ``CommitNotDone`` if it did not, ``CommitOutcomeUnknown`` if that cannot be learned."""
        xid = None
        if (
            self._write
            and self._outer is None  # a savepoint: the enclosing transaction's commit checks
            and self._durable
            and self.dialect == "postgresql"
            and commit_outcome.wait_seconds(self.session) > 0
            and not self._untouched()
        ):
            self.session.flush()
            xid = commit_outcome.transaction_id(self.session)
        try:
            self.session.commit()
        except Exception as error:
            if xid is None or not connection_lost(error):
                raise
            self._settle(xid, error)
        callbacks, self._after_commit = self._after_commit, []
        if self._outer is not None:
            # Durable only when the enclosing transaction commits: the callbacks wait for it.
            self._outer.wrote = self._outer.wrote or self._write
            for callback in callbacks:
                self._outer.after_commit(callback)
            return
        for callback in callbacks:
            callback()

    def _untouched(self) -> bool:
        session = self.session
        return not (session.new or session.dirty or session.deleted) and direct.nothing_sent(
            session
        )

    def _settle(self, xid: str, error: Exception) -> None:
        wait = commit_outcome.wait_seconds(self.session)
        commit_outcome.settle(self.session.get_bind(), xid, error, wait)
        # Committed: keep the objects as the transaction left them (the rollback that ends the
        # failed commit would expire them; they are detached, as after a normal commit).
        self.session.expunge_all()
        self.session.rollback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
