"""Sign-in throttling that holds across processes: failures are rows in ``login_attempts``.

Within ``WINDOW`` at most ``ACCOUNT_LIMIT`` failures per username and ``ADDRESS_LIMIT`` per
client address are allowed; the next attempt gets HTTP 429 until the oldest failure leaves the
window. There is no permanent lockout (which would let anyone lock a minister out by typing her
username wrong). A success clears the account's failures. Time comes from the engine's clock.

Concurrency: two processes may both read "4 failures" and both let an attempt through; the
limit is therefore approximate by at most the number of concurrent requests, which is fine for
slowing down guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, or_, select

from workflow.engine import Engine
from workflow.persistence.login_attempts import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
KEEP = dt.timedelta(days=1)  # older rows are pruned

attempts_t = LoginAttempt.__table__


@dataclass(frozen=True)
class Verdict:
    throttled: bool
    retry_after_seconds: int = 0


def check(
    engine: Engine, username: str, address: str, *, account_limit: int = ACCOUNT_LIMIT
) -> Verdict:
    """Whether a sign-in attempt for ``username`` from ``address`` may proceed (1 statement)."""
    now = engine.clock.now()
    since = now - WINDOW
    with engine.uow(write=False) as uow:
        row = uow.session.execute(
            select(
                func.sum(case((attempts_t.c.username == username, 1), else_=0)),
                func.sum(case((attempts_t.c.address == address, 1), else_=0)),
                func.min(attempts_t.c.attempted_at),
            ).where(
                attempts_t.c.attempted_at > since,
                or_(attempts_t.c.username == username, attempts_t.c.address == address),
            )
        ).one()
    by_account, by_address, oldest = row[0] or 0, row[1] or 0, row[2]
    if by_account >= account_limit or by_address >= ADDRESS_LIMIT:
        wait = (oldest + WINDOW - now).total_seconds() if oldest else WINDOW.total_seconds()
        return Verdict(True, max(1, int(wait) + 1))
    return Verdict(False)


def record_failure(engine: Engine, username: str, address: str) -> None:
    now = engine.clock.now()
    with engine.uow() as uow:
        uow.session.execute(
            insert(attempts_t).values(username=username, address=address, attempted_at=now)
        )
        uow.session.execute(delete(attempts_t).where(attempts_t.c.attempted_at < now - KEEP))
        uow.commit()


def clear_account(engine: Engine, username: str) -> None:
    with engine.uow() as uow:
        uow.session.execute(delete(attempts_t).where(attempts_t.c.username == username))
        uow.commit()
