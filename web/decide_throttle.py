"""Guessing decision links is slowed down: failed ``/decide/<token>`` attempts are counted in the
database, per link and per client address, like failed sign-ins (``web.auth.throttle``, whose
``login_attempts`` table and limits this reuses).

A failure is a token that is not one of ours (malformed, unknown, or the right link id with the
wrong secret). The link's public id stands in for the "username": ten failures for one link,
or twenty from one address (sign-in failures included: a guesser is a guesser),
within fifteen minutes, and the next attempt gets 429 with ``Retry-After`` until the oldest
leaves the window. A used, expired or turned-off link is ours and is not a failure. The 256-bit
secret cannot be guessed anyway; this keeps a script from trying.
"""

from __future__ import annotations

from web.auth import throttle
from workflow.engine import Engine

PREFIX = "decide:"
LINK_LIMIT = 10  # a person retyping a link from a printout may get it wrong a few times


def key_for(token: str) -> str:
    """The per-link counter: the link's public id (the part before the dot), or the token's
    first characters for a malformed one."""
    public_id = token.partition(".")[0]
    return PREFIX + (public_id or token)[:32].lower()


def check(engine: Engine, token: str, address: str) -> throttle.Verdict:
    return throttle.check(engine, key_for(token), address, account_limit=LINK_LIMIT)


def record_failure(engine: Engine, token: str, address: str) -> None:
    throttle.record_failure(engine, key_for(token), address)
