"""Idempotency keys: a request that changes something, remembered with its answer.

A row is one key of one caller (``scope``: whose key it is and through which door, e.g.
``api:user:12`` or ``form:user:12``), the fingerprint of the request that first used it, and
the answer it got (status, the headers that matter, body). The row is inserted at the start of
the request's enclosing transaction (``workflow.persistence.enclosing``) and completed at its
end, so it becomes visible to others only together with the change it answers.

Concurrency is settled by the unique key (scope, key): a second request with the same key
inserts nothing and waits for the first one's transaction (PostgreSQL waits on the uncommitted
row, SQLite on the write lock); then it finds the stored answer, or, if the first one rolled
back, takes the key itself. On PostgreSQL the wait is bounded (``lock_timeout``); past it
``KeyInUse`` is raised, and the caller answers "still being processed".

Rows live until ``expires_at``; ``sweep`` deletes the expired ones (the worker runs it), and an
expired row that is still there counts as absent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import (
    Connection,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    select,
    text,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, JSONType, UTCDateTime

MAX_KEY_LENGTH = 255
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    # SHA-256 (hex) of method, path, query, preconditions and the canonical body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # NULL while the first request is still deciding (never visible outside its transaction).
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


TABLE = IdempotencyKey.__table__


class KeyInUse(Exception):
    """Another request with this key is still deciding (PostgreSQL, past the wait)."""


@dataclasses.dataclass(frozen=True)
class Stored:
    fingerprint: str
    status: int | None
    headers: dict[str, str]
    body: bytes


def claim(
    conn: Connection,
    scope: str,
    key: str,
    fingerprint: str,
    now: dt.datetime,
    lifetime: dt.timedelta,
    wait_ms: int = 10_000,
) -> Stored | None:
    """Take ``key`` for this request (None), or the answer stored under it (``Stored``).

    Must run inside the request's enclosing transaction, before anything is decided.
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres:  # every wait below is bounded, then KeyInUse
        previous = conn.scalar(
            text("SELECT current_setting('lock_timeout'), set_config('lock_timeout', :ms, true)"),
            {"ms": f"{max(1, wait_ms)}ms"},
        )
    try:
        inserted = _insert(conn, scope, key, fingerprint, now, lifetime)
    except sa_exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise KeyInUse(key) from error
        raise
    if postgres:
        conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": previous})
    if inserted:
        return None
    row = conn.execute(
        select(TABLE.c.fingerprint, TABLE.c.status, TABLE.c.headers, TABLE.c.body).where(
            _row(scope, key)
        )
    ).one()
    return Stored(row.fingerprint, row.status, dict(row.headers or {}), bytes(row.body or b""))


def _insert(conn, scope, key, fingerprint, now, lifetime) -> bool:
    """Insert the key's row unless it is there (an expired one is replaced); True if inserted."""
    conn.execute(delete(TABLE).where(_row(scope, key), TABLE.c.expires_at <= now))
    values = {
        "scope": scope,
        "key": key,
        "fingerprint": fingerprint,
        "status": None,
        "headers": {},
        "body": None,
        "created_at": now,
        "expires_at": now + lifetime,
    }
    if conn.dialect.name == "postgresql":
        # RETURNING: the row count of an INSERT ... ON CONFLICT is not reliable through every
        # driver path; a returned id is.
        statement = pg_insert(TABLE).values(**values).on_conflict_do_nothing()
        return conn.execute(statement.returning(TABLE.c.id)).first() is not None
    statement = sqlite_insert(TABLE).values(**values).on_conflict_do_nothing()
    return bool(conn.execute(statement).rowcount)


def record(
    conn: Connection, scope: str, key: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    """The answer of the request that holds ``key``, in its enclosing transaction."""
    conn.execute(
        update(TABLE).where(_row(scope, key)).values(status=status, headers=headers, body=body)
    )


def release(conn: Connection, scope: str, key: str) -> None:
    """Give the key back: the request decided nothing, so a repeat may try again."""
    conn.execute(delete(TABLE).where(_row(scope, key)))


def sweep(conn: Connection, now: dt.datetime) -> int:
    """Delete expired keys; how many."""
    return conn.execute(delete(TABLE).where(TABLE.c.expires_at <= now)).rowcount or 0


def _row(scope: str, key: str):
    return (TABLE.c.scope == scope) & (TABLE.c.key == key)
