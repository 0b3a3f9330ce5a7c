"""Language and timezone of a request: the user's choice, else the session's, else Russian."""

from __future__ import annotations

from flask import request, session
from flask_login import current_user

LANGUAGES = ("ru", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "ru" if request else "ru"


def select_timezone() -> str | None:
    return None  # BABEL_DEFAULT_TIMEZONE (Europe/Moscow) unless a page passes its own
