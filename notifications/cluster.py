"""Jobs that must run once per cluster, however many workers run them.

    with once_per_cluster(engine, "send-digests") as mine:
        if mine:
            ...

On PostgreSQL the run holds a session-level advisory lock (``pg_try_advisory_lock``) on a
connection of its own: a second worker reaching the same job meanwhile skips it, and a worker
killed mid-run loses the lock with its connection. The job itself must still be idempotent (a
worker that comes later runs it again and must find nothing left to do). SQLite has one writer
at a time, and its jobs are idempotent: there the block simply runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from workflow.engine import Engine

log = logging.getLogger("soglasie.worker")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    digest = hashlib.sha256(f"soglasie:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def once_per_cluster(engine: Engine, name: str) -> Iterator[bool]:
    """True inside if this worker runs ``name`` now; False if another worker is running it."""
    bind = engine.bind
    if bind.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with bind.connect() as conn:
        got = conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        conn.commit()  # no transaction stays open while the job runs
        if not got:
            log.debug("job %s is running on another worker; skipped here", name)
            yield False
            return
        try:
            yield True
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
            except Exception:
                conn.invalidate()  # closing the connection releases the lock
                raise
