"""Who is calling the API: a personal token (``Authorization: Bearer sgl_…``) or the pages'
session cookie.

- A bearer request is authenticated by its token alone (cookies are ignored) and is exempt from
  CSRF: a browser never attaches the header on its own.
- A session request is the pages' own scripts: unsafe methods need the CSRF token in
  ``X-CSRFToken``, as the pages' forms do.
- Anonymous requests get 401 (``WWW-Authenticate: Bearer``).

Repeated bad tokens from one address are answered 429 instead of 401 for a while
(``FailureLimiter``, ``API_AUTH_FAILURE_LIMIT`` per five minutes, default 20): a signal to a
misconfigured client to stop, not a defence — a token carries 256 bits, guessing is hopeless
anyway. The limiter lives in the process's memory: with several web processes each counts its
own failures.

The actor is loaded with the pages' loader (``load_actor_with_user``) and cached on ``flask.g``
as ``soglasie_actor``, so ``web.current.current_actor()`` answers for both schemes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque

from flask import current_app, g, request
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import TooManyRequests

from web.api.core import text_problems
from web.current import current_actor, engine
from web.extensions import csrf
from workflow.errors import NotFound
from workflow.policy import Actor, load_actor_with_user
from workflow.services.tokens import authenticate as token_user

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class FailureLimiter:
    """At most ``limit`` failed attempts per key in a sliding ``window``; thread-safe. Keys
    whose failures have all aged out are dropped once more than ``max_keys`` are held, so a
    stream of one-off addresses cannot grow the process without bound."""

    max_keys = 10_000

    def __init__(self, limit: int = 20, window: dt.timedelta = dt.timedelta(minutes=5)):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: dt.datetime) -> deque[dt.datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def retry_after(self, key: str, now: dt.datetime) -> int | None:
        """Seconds to wait if ``key`` is over the limit, else None."""
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.limit:
                if not failures:
                    self._failures.pop(key, None)
                return None
            return max(1, int((failures[0] + self.window - now).total_seconds()) + 1)

    def fail(self, key: str, now: dt.datetime) -> None:
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > self.max_keys:
                for stale in [k for k, f in self._failures.items() if now - f[-1] >= self.window]:
                    del self._failures[stale]


def _limiter() -> FailureLimiter:
    limiter = current_app.extensions.get("soglasie.api_limiter")
    if limiter is None:
        limit = int(current_app.config.get("API_AUTH_FAILURE_LIMIT", 20))
        limiter = current_app.extensions["soglasie.api_limiter"] = FailureLimiter(limit)
    return limiter


class TooManyFailures(TooManyRequests):
    def __init__(self, retry_after: int):
        super().__init__("Too many failed authentication attempts; wait and try again.")
        self.retry_after = retry_after


def _bearer_actor(token: str) -> Actor:
    """The token's actor. A good token always works; a bad one is 401, or 429 once its address
    has failed too often (so a shared address with one broken client still serves the rest)."""
    eng = engine()
    user_id = token_user(eng, token)
    if user_id is not None:
        try:
            with eng.uow(write=False) as uow:
                actor, record = load_actor_with_user(uow.session, user_id, eng.today())
        except NotFound:
            user_id = None
    if user_id is None:
        now, key, limiter = eng.clock.now(), request.remote_addr or "unknown", _limiter()
        wait = limiter.retry_after(key, now)
        if wait is not None:
            raise TooManyFailures(wait)
        limiter.fail(key, now)
        abort(401, message="The token is unknown, revoked or expired.")
    g.soglasie_actor, g.soglasie_user = actor, record
    return actor


def authenticate() -> None:
    """``before_request`` of every API blueprint: sets ``g.api_actor`` or refuses."""
    g.api_if_match = False
    if text_problems(request.view_args or {}):
        abort(404)
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, message="Use 'Authorization: Bearer <token>'.")
        g.api_actor, g.api_auth = _bearer_actor(token.strip()), "token"
        return
    if not (current_user and current_user.is_authenticated):
        abort(401, message="Sign in, or send a personal API token as a Bearer token.")
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    g.api_actor, g.api_auth = current_actor(), "session"


def actor() -> Actor:
    """The authenticated actor of this API request (set by ``authenticate``)."""
    return g.api_actor


def require_admin() -> Actor:
    who = actor()
    if not who.is_admin:
        abort(403, message="Only administrators may do this.")
    return who
