"""Personal settings: substitution during absence ("hand my tasks to a colleague between two
dates"). While it runs the colleague sees my tasks and acts "for" me; the audit says so."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from web.current import engine
from web.pages.common import actor, flash_error, signed_in
from workflow.errors import WorkflowError
from workflow.persistence.models import Substitution, User
from workflow.services.email_decisions import email_decisions_allowed, set_email_decisions

bp = Blueprint("settings", __name__)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.route("/settings/substitutions", methods=["GET", "POST"])
@signed_in
def substitutions():
    me = actor()
    eng = engine()
    if request.method == "POST":
        starts, ends = _date(request.form.get("starts_on")), _date(request.form.get("ends_on"))
        substitute = request.form.get("substitute_id", type=int)
        if not (starts and ends and substitute):
            flash(_("Choose a colleague and both dates."), "error")
        else:
            try:
                eng.set_substitution(me, substitute, starts, ends)
                flash(_("Your substitute is set."), "success")
                return redirect(url_for("settings.substitutions"), 303)
            except WorkflowError as exc:
                flash_error(exc)
    absent, present = aliased(User), aliased(User)
    with eng.uow(write=False) as uow:
        colleagues = uow.session.execute(
            select(User.id, User.full_name, User.username)
            .where(User.org_id == me.me.org_id, User.id != me.user_id, User.is_active.is_(True))
            .order_by(User.full_name)
        ).all()
        rows = uow.session.execute(
            select(
                Substitution.id,
                Substitution.user_id,
                Substitution.starts_on,
                Substitution.ends_on,
                Substitution.revoked,
                absent.full_name.label("absent_name"),
                present.full_name.label("substitute_name"),
            )
            .join(absent, absent.id == Substitution.user_id)
            .join(present, present.id == Substitution.substitute_id)
            .where(
                or_(Substitution.user_id == me.user_id, Substitution.substitute_id == me.user_id),
                Substitution.ends_on >= eng.today() - dt.timedelta(days=90),
            )
            .order_by(Substitution.starts_on.desc())
        ).all()
    return render_template(
        "settings/substitutions.html",
        colleagues=colleagues,
        rows=rows,
        me=me,
        today=eng.today(),
    )


@bp.post("/settings/substitutions/<int:substitution_id>/revoke")
@signed_in
def revoke(substitution_id: int):
    try:
        engine().revoke_substitution(actor(), substitution_id)
        flash(_("The substitution is ended."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return redirect(url_for("settings.substitutions"), 303)


@bp.route("/settings/email-decisions", methods=["GET", "POST"])
@signed_in
def email_decisions():
    """My choice: may my review emails carry "approve" / "return with remarks" links?"""
    me = actor()
    eng = engine()
    if request.method == "POST":
        allowed = request.form.get("allowed") == "1"
        set_email_decisions(eng, me.user_id, allowed)
        flash(_("Your choice is saved."), "success")
        return redirect(url_for("settings.email_decisions"), 303)
    return render_template(
        "settings/email_decisions.html",
        allowed=email_decisions_allowed(eng, me.user_id),
        enabled=eng.email_decisions.enabled,
    )
