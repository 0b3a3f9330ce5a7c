"""The Flask-Login view of a user: a light object, reloaded from the database per request.

The session stores ``<user id>:<session epoch>``. The epoch changes when the password changes
or the user signs out everywhere, which invalidates every other session and remember cookie.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select

from web.current import engine
from web.extensions import login_manager
from workflow.persistence.models import User


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


def session_token_for(user: User) -> str:
    return f"{user.id}:{(user.password_hash or '')[-12:]}"


@login_manager.user_loader
def load_user(token: str) -> SessionUser | None:
    user_id, _, _epoch = token.partition(":")
    if not user_id.isdigit():
        return None
    with engine().uow(write=False) as uow:
        user = uow.session.scalar(
            select(User).where(User.id == int(user_id), User.is_active.is_(True))
        )
        if user is None or session_token_for(user) != token:
            return None
        return SessionUser(
            user.id,
            user.username,
            user.full_name,
            user.language,
            user.org_id,
            session_token_for(user),
        )
