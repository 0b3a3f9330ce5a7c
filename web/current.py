"""Per-request access to the engine, the settings and the acting user.

``current_actor()`` is the signed-in user's ``Actor`` (roles, organization, and whom she
substitutes today). The Flask-Login user loader builds it together with the user record in two
SQL statements and caches both on ``flask.g``; other authentication schemes (the API's bearer
tokens) may set ``g.soglasie_actor`` themselves before the first call.
"""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from workflow.engine import Engine
from workflow.policy import Actor, UserRecord
from workflow.settings import Settings


def engine() -> Engine:
    return current_app.extensions["soglasie.engine"]


def settings() -> Settings:
    return current_app.extensions["soglasie.settings"]


def current_actor() -> Actor | None:
    """The acting user, or None for anonymous requests."""
    if "soglasie_actor" not in g:
        # Touching current_user runs the user loader, which caches the actor on g.
        authenticated = bool(current_user and current_user.is_authenticated)
        if "soglasie_actor" not in g or not authenticated:
            g.soglasie_actor = engine().actor(current_user.id) if authenticated else None
    return g.soglasie_actor


def current_record() -> UserRecord | None:
    """The signed-in user's row (name, language, organization), loaded with the actor."""
    current_actor()
    return g.get("soglasie_user")
