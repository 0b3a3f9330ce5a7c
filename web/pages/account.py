"""My account's security: the sessions I am signed in with ("My sessions", ending one or all of
them) and changing my own password.

Ending the session this browser uses, or "sign out everywhere", signs this browser out too and
leads to the sign-in page. A password change ends every other session and keeps this one.
A wrong current password counts as a failed sign-in for the account (``web.auth.throttle``), so
the form is no way around the sign-in limits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web.auth import throttle
from web.auth.devices import describe
from web.auth.users import current_session_id, session_clock
from web.auth.views import sign_out_here, throttled_message
from web.current import current_record, engine, settings
from web.i18n import language
from web.pages.common import actor, signed_in
from workflow import password_policy
from workflow.errors import NotFound
from workflow.persistence.models import Organization
from workflow.services import user_sessions
from workflow.services.own_password import (
    SAME_AS_CURRENT,
    WRONG_CURRENT,
    PasswordChangeRefused,
    change_own_password,
)

bp = Blueprint("account", __name__)


def _zone(org_id: int) -> ZoneInfo:
    """The viewer's zone: her organization's, else the site's."""
    with engine().uow(write=False) as uow:
        name = uow.session.scalar(select(Organization.timezone).where(Organization.id == org_id))
    try:
        return ZoneInfo(name or settings().timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings().timezone)


def _device(user_agent: str) -> str:
    browser, system = describe(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")


@bp.get("/settings/sessions")
@signed_in
def sessions():
    me = actor()
    zone = _zone(me.me.org_id)

    def when(moment: dt.datetime) -> str:
        return babel_dates.format_datetime(
            moment, "d MMMM y, HH:mm", tzinfo=zone, locale=language()
        )

    rows = [
        {
            "id": s.id,
            "device": _device(s.user_agent),
            "user_agent": s.user_agent,
            "address": s.address,
            "signed_in": when(s.created_at),
            "last_seen": when(s.last_seen_at),
            "remembered_until": when(s.expires_at) if s.remember else None,
            "current": s.id == current_session_id(),
        }
        for s in user_sessions.list_live(engine(), session_clock(), me.user_id)
    ]
    rows.sort(key=lambda row: not row["current"])  # this browser first
    return render_template("settings/sessions.html", rows=rows, zone=zone.key)


@bp.post("/settings/sessions/<int:session_id>/end")
@signed_in
def end_session(session_id: int):
    me = actor()
    if session_id == current_session_id():
        sign_out_here()
        flash(_("You have signed out."), "info")
        return redirect(url_for("auth.login"), 303)
    try:
        user_sessions.end_one(engine(), session_clock(), me.user_id, session_id)
        flash(_("The session is ended."), "success")
    except NotFound:
        flash(_("That session has already ended."), "info")
    return redirect(url_for("account.sessions"), 303)


@bp.post("/settings/sessions/end-all")
@signed_in
def end_everywhere():
    user_sessions.end_all(engine(), session_clock(), actor().user_id)
    sign_out_here()
    flash(_("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"), 303)


def policy_refusal_text(reason: str) -> str:
    texts = {
        password_policy.TOO_SHORT: _(
            "A password needs at least %(count)d characters.", count=password_policy.MIN_LENGTH
        ),
        password_policy.TOO_LONG: _(
            "A password may have at most %(count)d characters.", count=password_policy.MAX_LENGTH
        ),
        password_policy.COMMON: _(
            "This password is among the most common ones and is guessed first; choose another."
        ),
        password_policy.SPACES: _("A password cannot start or end with spaces."),
        WRONG_CURRENT: _("The current password is not right."),
        SAME_AS_CURRENT: _("The new password is the same as the current one."),
    }
    return texts[reason]


@bp.route("/settings/password", methods=["GET", "POST"])
@signed_in
def password():
    me = actor()
    if request.method == "GET":
        return _password_page()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    again = request.form.get("new_password_again", "")
    if not (current and new and again):
        return _password_page({"form": _("Fill in all three fields.")}, 400)
    if new != again:
        return _password_page({"new_password_again": _("The two new passwords differ.")}, 400)
    eng, username = engine(), current_record().username
    address = (request.remote_addr or "unknown")[:64]
    verdict = throttle.check(eng, username, address)
    if verdict.throttled:
        message = throttled_message(verdict.retry_after_seconds)
        return _password_page({"form": message}, 429, verdict.retry_after_seconds)
    try:
        ended = change_own_password(
            eng, me.user_id, current, new, keep_session=current_session_id()
        )
    except PasswordChangeRefused as refused:
        if refused.reason == WRONG_CURRENT:
            throttle.record_failure(eng, username, address)
        field = next(iter(refused.errors), "form")
        return _password_page({field: policy_refusal_text(refused.reason)}, 400)
    if ended:
        flash(
            _("Your password is changed. Sessions ended on other devices: %(count)d.", count=ended),
            "success",
        )
    else:
        flash(_("Your password is changed."), "success")
    return redirect(url_for("account.sessions"), 303)


def _password_page(errors: dict[str, str] | None = None, status: int = 200, retry: int = 0):
    headers = {"Retry-After": str(retry)} if retry else {}
    body = render_template(
        "settings/password.html",
        errors=errors or {},
        min_length=password_policy.MIN_LENGTH,
        max_length=password_policy.MAX_LENGTH,
    )
    return body, status, headers
