"""The Flask-Login view of a user, and the loader that also builds the request's ``Actor``.

The session (and the remember-me cookie) stores ``<user id>:<session token>``; the token names a
row of ``user_sessions`` (``workflow.services.user_sessions``), so a cookie works only while its
row is neither revoked (sign-out, a password change, deactivation, "sign out everywhere") nor
expired (12 hours from the sign-in, or the remember-me period). A copied cookie is worth nothing
after its owner signs out.

Loading costs three SQL statements: the session row (one indexed read, and a write at most once
a minute to note the visit), then ``load_actor_with_user`` (the user with her roles, then whom
she substitutes today). Flask-Login runs the loader once per request; the actor, the user record
and the session's id are cached on ``flask.g`` so the rest of the request never asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, session
from flask_login import UserMixin, user_loaded_from_cookie

from web.current import engine
from web.extensions import login_manager
from workflow.errors import NotFound
from workflow.policy import load_actor_with_user
from workflow.services import user_sessions


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


def load_into_request(user_id: int, token: str, session_id: int) -> SessionUser | None:
    """Load the user and her actor for this request (2 statements); None if inactive/unknown."""
    eng = engine()
    try:
        with eng.uow(write=False) as uow:
            actor, record = load_actor_with_user(uow.session, user_id, eng.today())
    except NotFound:
        return None
    g.soglasie_actor = actor
    g.soglasie_user = record
    g.soglasie_session_id = session_id
    return SessionUser(
        record.id,
        record.username,
        record.full_name,
        record.language,
        record.org_id,
        session_token_for(record.id, token),
        session_id,
    )


def current_session_id() -> int | None:
    """The ``user_sessions`` id of this request's sign-in, if any."""
    return g.get("soglasie_session_id")


@login_manager.user_loader
def load_user(cookie_value: str) -> SessionUser | None:
    user_id, _, token = cookie_value.partition(":")
    if not user_id.isdigit() or not token:
        return None  # malformed, or a cookie from before server-side sessions
    session_id = user_sessions.find_live(engine(), int(user_id), token)
    if session_id is None:
        return None
    user = load_into_request(int(user_id), token, session_id)
    if user is None:
        for name in ("soglasie_actor", "soglasie_user", "soglasie_session_id"):
            g.pop(name, None)
    return user


@user_loaded_from_cookie.connect
def _adopt_remembered_browser(_app, **_extra) -> None:
    """Flask-Login (0.6.3) restores a user from the remember cookie without recording the
    browser's identifier in the session; with ``session_protection = "strong"`` the next request
    then sees a mismatch, clears the session and deletes the remember cookie, so "remember me"
    lasted one request. Record it, as ``login_user`` does."""
    session["_id"] = login_manager._session_identifier_generator()
