"""``/unsubscribe/<token>``: stop email reminders from a link in an email, without signing in.

GET shows what will happen and a button; POST does it. POST is exempt from CSRF because the
signed token in the URL is the authorization, and mail clients send RFC 8058 one-click requests
(``List-Unsubscribe=One-Click``) without any page or cookie.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import update

from notifications.unsubscribe import read_unsubscribe_token
from web.current import engine, settings
from web.extensions import csrf
from workflow.errors import NotFound
from workflow.persistence.models import User

bp = Blueprint("unsubscribe", __name__)


def _user_id(token: str) -> int:
    user_id = read_unsubscribe_token(settings(), token)
    if user_id is None:
        raise NotFound("This unsubscribe link is not valid.")
    return user_id


@bp.get("/unsubscribe/<token>")
def confirm(token: str):
    _user_id(token)
    return render_template("unsubscribe.html", token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    user_id = _user_id(token)
    with engine().uow() as uow:
        uow.session.execute(update(User).where(User.id == user_id).values(notify_mode="off"))
        uow.commit()
    return render_template("unsubscribe.html", token=token, done=True)
