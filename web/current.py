"""Per-request access to the engine, the settings and the acting user.

``current_actor()`` loads the signed-in user's ``Actor`` (roles, organization, and whom she
substitutes today) once per request and caches it on ``flask.g``.
"""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from workflow.engine import Engine
from workflow.policy import Actor
from workflow.settings import Settings


def engine() -> Engine:
    return current_app.extensions["soglasie.engine"]


def settings() -> Settings:
    return current_app.extensions["soglasie.settings"]


def current_actor() -> Actor | None:
    """The acting user, or None for anonymous requests."""
    if "soglasie_actor" not in g:
        user = current_user
        g.soglasie_actor = engine().actor(user.id) if user and user.is_authenticated else None
    return g.soglasie_actor
