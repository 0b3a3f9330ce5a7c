"""Personal API tokens: issuing, listing, revoking, and recognising a presented token.

A token reads ``sgl_<prefix>_<secret>``: the 10-character prefix finds the row (unique index),
the whole text is compared by its SHA-256 in constant time. 256 bits of randomness make a
plain SHA-256 enough (no password stretching is needed for a secret nobody chose). The
plaintext is returned once, by ``create_token`` / ``issue_token``, and never stored.

A token acts as its user, with the user's roles and organization as they are at each request:
removing a role or deactivating the user takes effect at once. Revocation is immediate too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workflow.clock import Clock, local_date
from workflow.errors import InvalidInput, NotFound
from workflow.persistence.integrations import ApiToken
from workflow.persistence.models import User
from workflow.policy import Actor

if TYPE_CHECKING:
    from workflow.engine import Engine

tokens_t = ApiToken.__table__
TOKEN_PREFIX = "sgl_"
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn every read into a write; an hour is precise
# enough to tell a forgotten token from a used one.
LAST_USED_PRECISION = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_on: dt.date | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.user_id,
        row.name,
        row.prefix,
        row.created_at,
        row.expires_on,
        row.last_used_at,
        row.revoked_at,
    )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("Give the token a name of 1–100 characters.", {"name": "1–100 chars."})
    return name


def issue_token(
    session: Session,
    clock: Clock,
    user_id: int,
    name: str,
    *,
    created_by: int | None = None,
    expires_on: dt.date | None = None,
) -> tuple[TokenInfo, str]:
    """Insert a token for ``user_id``; return it and its plaintext. The caller commits."""
    name = _check_name(name)
    now = clock.now()
    if expires_on is not None and expires_on < local_date(now):
        raise InvalidInput("The expiry date is in the past.", {"expires_on": "In the past."})
    active = session.scalar(select(User.is_active).where(User.id == user_id))
    if not active:
        raise NotFound(f"User {user_id} does not exist or is inactive.")
    count = len(
        session.scalars(
            select(tokens_t.c.id).where(
                tokens_t.c.user_id == user_id, tokens_t.c.revoked_at.is_(None)
            )
        ).all()
    )
    if count >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(
            f"A person may hold at most {MAX_ACTIVE_TOKENS} active tokens; revoke an unused one."
        )
    prefix = secrets.token_hex(5)
    plaintext = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = session.execute(
        insert(tokens_t)
        .returning(*tokens_t.c)
        .values(
            user_id=user_id,
            name=name,
            prefix=prefix,
            token_hash=_digest(plaintext),
            created_at=now,
            created_by=created_by,
            expires_on=expires_on,
        )
    ).one()
    return _info(row), plaintext


def create_token(
    engine: Engine, actor: Actor, name: str, expires_on: dt.date | None = None
) -> tuple[TokenInfo, str]:
    """The actor creates a token for herself; returns it with its plaintext (shown once)."""
    with engine.uow() as uow:
        result = issue_token(
            uow.session,
            engine.clock,
            actor.user_id,
            name,
            created_by=actor.user_id,
            expires_on=expires_on,
        )
        uow.commit()
    return result


def list_tokens(engine: Engine, actor: Actor) -> list[TokenInfo]:
    """The actor's own tokens, newest first, revoked ones included (they say when)."""
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(tokens_t)
            .where(tokens_t.c.user_id == actor.user_id)
            .order_by(tokens_t.c.id.desc())
        ).all()
    return [_info(r) for r in rows]


def revoke_token(engine: Engine, actor: Actor, token_id: int) -> TokenInfo:
    """Revoke one of the actor's tokens (an admin may revoke anyone's). Idempotent."""
    now = engine.clock.now()
    with engine.uow() as uow:
        row = uow.session.execute(select(tokens_t).where(tokens_t.c.id == token_id)).one_or_none()
        if row is None or (row.user_id != actor.user_id and not actor.is_admin):
            raise NotFound(f"Token {token_id} not found.")
        if row.revoked_at is None:
            uow.session.execute(
                update(tokens_t).where(tokens_t.c.id == token_id).values(revoked_at=now)
            )
        uow.commit()
    info = _info(row)
    return replace(info, revoked_at=now) if info.revoked_at is None else info


def authenticate(engine: Engine, presented: str) -> int | None:
    """The user id a presented token belongs to, or None (unknown, revoked, expired, or its
    user deactivated). Never raises on malformed input."""
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > 200:
        return None
    prefix, sep, _rest = presented[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 10:
        return None
    now = engine.clock.now()
    with engine.uow(write=False) as uow:
        row = uow.session.execute(
            select(
                tokens_t.c.id,
                tokens_t.c.user_id,
                tokens_t.c.token_hash,
                tokens_t.c.expires_on,
                tokens_t.c.last_used_at,
                tokens_t.c.revoked_at,
                User.is_active,
            )
            .join(User, User.id == tokens_t.c.user_id)
            .where(tokens_t.c.prefix == prefix)
        ).one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, _digest(presented)):
        return None
    if row.revoked_at is not None or not row.is_active:
        return None
    if row.expires_on is not None and row.expires_on < local_date(now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        _touch(engine, row.id, now)
    return row.user_id


def _touch(engine: Engine, token_id: int, now: dt.datetime) -> None:
    with engine.uow() as uow:
        uow.session.execute(
            update(tokens_t).where(tokens_t.c.id == token_id).values(last_used_at=now)
        )
        uow.commit()
