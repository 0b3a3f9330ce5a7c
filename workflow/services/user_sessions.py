"""Sign-in sessions kept on the server (``workflow.persistence.user_sessions``).

``start`` makes a row and returns the random token the browser keeps; ``load_signed_in`` is what
every signed-in request asks (the session row, found by the token's SHA-256 through a unique
index, is read in the same statement as the user), and it notes the time of the visit at most
once a minute, so reading a page is not a write. ``end`` (sign-out),
``end_one`` and ``end_all`` (a password change, deactivation, "sign out everywhere") set
``revoked_at``; a revoked or expired row never works again, whatever cookie comes back.

Sessions count real time: every function takes the ``clock`` to read it from, the system clock
in the app (``web.auth.users.session_clock``), not the engine's. The engine's clock is the
business date deadlines are counted on, which tests (and a demo) move by months; a sign-in
should not expire because the calendar was moved, and Flask signs its cookies with real time
anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from workflow.clock import Clock
from workflow.errors import NotFound
from workflow.persistence.user_sessions import UserSession
from workflow.policy import Actor, UserRecord, load_actor_in_session

if TYPE_CHECKING:
    from workflow.engine import Engine

sessions_t = UserSession.__table__
# Precise enough for "last seen"; writing on every request would make every page view a write.
LAST_SEEN_PRECISION = dt.timedelta(minutes=1)
# Ended sessions are kept this long (a user may ask "where was I signed in?"), then pruned at
# her next sign-in.
KEEP_ENDED = dt.timedelta(days=30)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    remember: bool
    user_agent: str
    address: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(
    engine: Engine,
    clock: Clock,
    user_id: int,
    *,
    lifetime: dt.timedelta,
    remember: bool = False,
    user_agent: str = "",
    address: str = "",
) -> tuple[int, str]:
    """A new session for ``user_id`` valid for ``lifetime``; returns its id and its token."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with engine.uow() as uow:
        session_id = uow.session.execute(
            insert(sessions_t)
            .returning(sessions_t.c.id)
            .values(
                user_id=user_id,
                token_hash=digest(token),
                remember=remember,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                user_agent=(user_agent or "")[:255],
                address=(address or "")[:64],
            )
        ).scalar_one()
        uow.session.execute(
            delete(sessions_t).where(
                sessions_t.c.user_id == user_id, sessions_t.c.expires_at < now - KEEP_ENDED
            )
        )
        uow.commit()
    return session_id, token


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    record: UserRecord
    session_id: int


def load_signed_in(engine: Engine, clock: Clock, user_id: int, token: str) -> SignedIn | None:
    """``user_id``'s actor if ``token`` names a live session of hers (the two statements of
    ``workflow.policy.load_actor_in_session``), else None. Notes the visit at most once a minute."""
    now = clock.now()
    with engine.uow(write=False) as uow:
        found = load_actor_in_session(uow.session, user_id, digest(token), now, engine.today())
    if found is None:
        return None
    actor, record, session_id, last_seen_at = found
    if now - last_seen_at >= LAST_SEEN_PRECISION:
        with engine.uow() as uow:
            uow.session.execute(
                update(sessions_t)
                .where(sessions_t.c.id == session_id, sessions_t.c.last_seen_at < now)
                .values(last_seen_at=now)
            )
            uow.commit()
    return SignedIn(actor, record, session_id)


def end(engine: Engine, clock: Clock, session_id: int) -> None:
    """Sign-out: the session stops working now."""
    with engine.uow() as uow:
        uow.session.execute(
            update(sessions_t)
            .where(sessions_t.c.id == session_id, sessions_t.c.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )
        uow.commit()


def end_one(engine: Engine, clock: Clock, user_id: int, session_id: int) -> None:
    """The user ends one of her own sessions; NotFound if it is not hers or already over."""
    now = clock.now()
    with engine.uow() as uow:
        changed = uow.session.execute(
            update(sessions_t)
            .where(
                sessions_t.c.id == session_id,
                sessions_t.c.user_id == user_id,
                sessions_t.c.revoked_at.is_(None),
                sessions_t.c.expires_at > now,
            )
            .values(revoked_at=now)
        ).rowcount
        if changed != 1:
            raise NotFound(f"No open session {session_id}.")
        uow.commit()


def revoke_all(session: Session, clock: Clock, user_id: int, *, keep: int | None = None) -> int:
    """End every open session of ``user_id`` but ``keep``; the caller commits. Returns how many."""
    query = update(sessions_t).where(
        sessions_t.c.user_id == user_id, sessions_t.c.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(sessions_t.c.id != keep)
    return session.execute(query.values(revoked_at=clock.now())).rowcount


def end_all(engine: Engine, clock: Clock, user_id: int, *, keep: int | None = None) -> int:
    """ "Sign out everywhere" (``keep=None``), or everywhere else (``keep`` = this session)."""
    with engine.uow() as uow:
        count = revoke_all(uow.session, clock, user_id, keep=keep)
        uow.commit()
    return count


def list_live(engine: Engine, clock: Clock, user_id: int) -> list[SessionInfo]:
    """The user's open sessions, the most recently seen first."""
    now = clock.now()
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                sessions_t.c.id,
                sessions_t.c.created_at,
                sessions_t.c.last_seen_at,
                sessions_t.c.expires_at,
                sessions_t.c.remember,
                sessions_t.c.user_agent,
                sessions_t.c.address,
            )
            .where(
                sessions_t.c.user_id == user_id,
                sessions_t.c.revoked_at.is_(None),
                sessions_t.c.expires_at > now,
            )
            .order_by(sessions_t.c.last_seen_at.desc(), sessions_t.c.id.desc())
        ).all()
    return [SessionInfo(*row) for row in rows]
