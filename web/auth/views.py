"""Sign in, sign out, and the language switch.

Signing in starts a server-side session (``workflow.services.user_sessions``) and clears the
Flask session cookie first: a new cookie from nothing (new CSRF token, no data carried over from
before authentication except the chosen language) naming the new session. Signing out revokes
that session, so a copy of the cookies taken before is refused afterwards.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web.auth import throttle
from web.auth.redirects import safe_next
from web.auth.users import load_into_request, session_clock
from web.current import engine, settings
from web.i18n import LANGUAGES
from workflow.passwords import hash_password, verify
from workflow.persistence.models import User
from workflow.services import user_sessions

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=500)])
    remember = BooleanField("remember")


def _client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _login_page(form: LoginForm, target: str | None, error: str | None = None) -> str:
    return render_template(
        "auth/login.html",
        form=form,
        next=target,
        error=error,
        remember_days=settings().remember_days,
    )


def _default_landing() -> str:
    return url_for("inbox.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _login_page(form, target), status
    eng = engine()
    username = form.username.data.strip().lower()
    address = _client_address()
    verdict = throttle.check(eng, username, address)
    if verdict.throttled:
        message = throttled_message(verdict.retry_after_seconds)
        return (
            _login_page(form, target, message),
            429,
            {"Retry-After": str(verdict.retry_after_seconds)},
        )
    with eng.uow(write=False) as uow:
        user = uow.session.execute(
            select(User.id, User.password_hash).where(
                User.username == username, User.is_active.is_(True)
            )
        ).one_or_none()
    matches, needs_rehash = verify(user.password_hash if user else None, form.password.data)
    if not matches:
        throttle.record_failure(eng, username, address)
        error = _("Wrong username or password.")
        return _login_page(form, target, error), 401
    if needs_rehash:
        with eng.uow() as uow:
            uow.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(password_hash=hash_password(form.password.data))
            )
            uow.commit()
    throttle.clear_account(eng, username)
    remember = bool(form.remember.data)
    session_id, token = user_sessions.start(
        eng,
        session_clock(),
        user.id,
        lifetime=_session_lifetime(remember),
        remember=remember,
        user_agent=request.user_agent.string,
        address=address,
    )
    session_user = load_into_request(user.id, token)
    if session_user is None:  # deactivated between the two reads
        user_sessions.end(eng, session_clock(), session_id)
        return _login_page(form, target), 401
    if current_user.is_authenticated:  # signing in again over a live sign-in replaces it
        user_sessions.end(eng, session_clock(), current_user.session_id)
    _fresh_cookie()
    login_user(session_user, remember=remember)
    return redirect(target or _default_landing(), 303)


def _session_lifetime(remember: bool) -> dt.timedelta:
    if remember:
        return dt.timedelta(days=settings().remember_days)
    return current_app.permanent_session_lifetime


def _fresh_cookie() -> None:
    """Empty the Flask session but for the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def sign_out_here() -> None:
    """End this browser's sign-in: the server-side session, then both cookies."""
    if current_user.is_authenticated:
        user_sessions.end(engine(), session_clock(), current_user.session_id)
    logout_user()
    _fresh_cookie()


@bp.post("/logout")
def logout():
    sign_out_here()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.post("/language")
def set_language():
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")) or url_for("home.home"), 303)


def throttled_message(retry_after_seconds: int) -> str:
    """What a person who tried too often reads: how many minutes to wait (at least one)."""
    minutes = max(1, (retry_after_seconds + 59) // 60)
    return _(
        "Too many unsuccessful attempts. Please wait %(minutes)s min and try again.",
        minutes=minutes,
    )
