"""The Flask-Login view of a user, and the loader that also builds the request's ``Actor``.

The session stores ``<user id>:<session epoch>``. The epoch is the tail of the password hash, so
a password change (or a re-hash with stronger parameters) ends every other session and remember
cookie. Loading costs two SQL statements (``load_actor_with_user``: the user with her roles,
then whom she substitutes today); the actor and the user record are cached on ``flask.g`` so the
rest of the request never asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_login import UserMixin

from web.current import engine
from web.extensions import login_manager
from workflow.errors import NotFound
from workflow.policy import load_actor_with_user


@dataclass
class SessionUser(UserMixin):
    id: int
    username: str
    full_name: str
    language: str
    org_id: int
    session_token: str

    def get_id(self) -> str:
        return self.session_token


def session_token_for(user_id: int, password_hash: str | None) -> str:
    return f"{user_id}:{(password_hash or '')[-12:]}"


def load_into_request(user_id: int) -> SessionUser | None:
    """Load the user and her actor for this request (2 statements); None if inactive/unknown."""
    eng = engine()
    try:
        with eng.uow(write=False) as uow:
            actor, record = load_actor_with_user(uow.session, user_id, eng.today())
    except NotFound:
        return None
    g.soglasie_actor = actor
    g.soglasie_user = record
    return SessionUser(
        record.id,
        record.username,
        record.full_name,
        record.language,
        record.org_id,
        session_token_for(record.id, record.password_hash),
    )


@login_manager.user_loader
def load_user(token: str) -> SessionUser | None:
    user_id, _, _epoch = token.partition(":")
    if not user_id.isdigit():
        return None
    user = load_into_request(int(user_id))
    if user is None or user.session_token != token:
        g.pop("soglasie_actor", None)
        g.pop("soglasie_user", None)
        return None
    return user
