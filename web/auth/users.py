"""The Flask-Login view of a user, and the loader that also builds the request's ``Actor``.

The session (and the remember-me cookie) stores ``<user id>:<session token>``; the token names a
row of ``user_sessions`` (``workflow.services.user_sessions``), so a cookie works only while its
row is neither revoked (sign-out, a password change, deactivation, "sign out everywhere") nor
expired (12 hours from the sign-in, or the remember-me period). A copied cookie is worth nothing
after its owner signs out.

Loading costs two SQL statements (``load_actor_in_session``): the user with her roles and her
session row, then whom she substitutes today; and a write at most once a minute to note the
visit. Flask-Login runs the loader once per request; the actor, the user record
and the session's id are cached on ``flask.g`` so the rest of the request never asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, session
from flask_login import UserMixin, user_loaded_from_cookie

from web.current import engine
from web.extensions import login_manager
from workflow.clock import Clock, SystemClock
from workflow.services import user_sessions

_WALL_CLOCK = SystemClock()


def session_clock() -> Clock:
    """The clock sessions are timed by: real time (see ``workflow.services.user_sessions``);
    tests that need to move it put theirs in ``app.extensions["soglasie.session_clock"]``."""
    return current_app.extensions.get("soglasie.session_clock", _WALL_CLOCK)


@dataclass
class SessionUser(UserMixin):
    id: int
    username: str
    full_name: str
    language: str
    org_id: int
    session_token: str  # "<user id>:<random token>", what the cookies carry
    session_id: int  # the user_sessions row

    def get_id(self) -> str:
        return self.session_token


def session_token_for(user_id: int, token: str) -> str:
    return f"{user_id}:{token}"


def _into_request(found: user_sessions.SignedIn, token: str) -> SessionUser:
    g.soglasie_actor = found.actor
    g.soglasie_user = record = found.record
    g.soglasie_session_id = found.session_id
    return SessionUser(
        record.id,
        record.username,
        record.full_name,
        record.language,
        record.org_id,
        session_token_for(record.id, token),
        found.session_id,
    )


def load_into_request(user_id: int, token: str) -> SessionUser | None:
    """The user of session ``token`` with her actor, cached for this request; None if the user is
    inactive or unknown, or the session is not hers, revoked or expired."""
    found = user_sessions.load_signed_in(engine(), session_clock(), user_id, token)
    return None if found is None else _into_request(found, token)


def current_session_id() -> int | None:
    """The ``user_sessions`` id of this request's sign-in, if any."""
    return g.get("soglasie_session_id")


@login_manager.user_loader
def load_user(cookie_value: str) -> SessionUser | None:
    user_id, _, token = cookie_value.partition(":")
    if not user_id.isdigit() or not token:
        return None  # malformed, or a cookie from before server-side sessions
    return load_into_request(int(user_id), token)


@user_loaded_from_cookie.connect
def _adopt_remembered_browser(_app, **_extra) -> None:
    """Flask-Login (0.6.3) restores a user from the remember cookie without recording the
    browser's identifier in the session; with ``session_protection = "strong"`` the next request
    then sees a mismatch, clears the session and deletes the remember cookie, so "remember me"
    lasted one request. Record it, as ``login_user`` does."""
    session["_id"] = login_manager._session_identifier_generator()
