"""``/unsubscribe/<token>``: a person's email preferences, from the link in any email, without
signing in.

GET shows how she gets email now and the three choices (every message at once, one digest a
day, none); POST sets one. A POST without a choice, as a mail client's RFC 8058 one-click
request sends it (body ``List-Unsubscribe=One-Click``, no page, no cookie), turns email off.
Either is idempotent: setting the mode she already has changes nothing and answers the same.
POST is exempt from CSRF because the signed token in the URL is the authorization; it names
one user and can only change how that user gets email.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import force_locale
from sqlalchemy import update

from notifications.unsubscribe import read_unsubscribe_token
from web.current import engine, settings
from web.extensions import csrf
from workflow.errors import InvalidInput, NotFound
from workflow.persistence.models import User

bp = Blueprint("unsubscribe", __name__)

MODES = ("instant", "digest", "off")


def _user(token: str) -> User:
    user_id = read_unsubscribe_token(settings(), token)
    user = None
    if user_id is not None:
        with engine().uow(write=False) as uow:
            user = uow.session.get(User, user_id)
            if user is not None:
                uow.session.expunge(user)
    if user is None:
        raise NotFound("This unsubscribe link is not valid.")
    return user


def _page(user: User, token: str, mode: str, done: bool):
    language = user.language if user.language in ("ru", "en") else "ru"
    with force_locale(language):
        return render_template(
            "unsubscribe.html", token=token, mode=mode, modes=MODES, done=done, lang=language
        )


@bp.get("/unsubscribe/<token>")
def confirm(token: str):
    user = _user(token)
    return _page(user, token, user.notify_mode, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    user = _user(token)
    mode = request.form.get("mode") or "off"  # one-click (RFC 8058) carries no choice: off
    if mode not in MODES:
        raise InvalidInput(f"Unknown email mode {mode!r}; choose one of: {', '.join(MODES)}.")
    with engine().uow() as uow:
        uow.session.execute(update(User).where(User.id == user.id).values(notify_mode=mode))
        uow.commit()
    return _page(user, token, mode, done=True)
