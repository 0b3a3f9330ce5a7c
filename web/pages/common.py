"""Helpers shared by the page views: who is asking, and how a failed action is reported."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from web.auth.redirects import safe_next
from web.current import current_actor
from workflow.errors import (
    ConcurrentUpdate,
    InvalidInput,
    Refusal,
    TransitionNotAllowed,
    WorkflowError,
)
from workflow.policy import COORDINATOR, Actor


def to_login():
    """Anonymous visitors of a private page go to the sign-in form, then back (same site)."""
    target = request.full_path if request.query_string else request.path
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=safe_next(target)))


def signed_in(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return to_login()
        return view(*args, **kwargs)

    return wrapper


def actor() -> Actor:
    found = current_actor()
    if found is None:
        abort(401)
    return found


def require_admin() -> Actor:
    me = actor()
    if not me.is_admin:
        abort(403, _("This page is for administrators."))
    return me


def sees_dashboard(me: Actor) -> bool:
    return me.is_admin or COORDINATOR in me.me.roles or me.me.org_kind == "federal_body"


def may_start_any(me: Actor) -> bool:
    from web import defs
    from workflow.policy import can_start

    return any(can_start(d, me, me.me.org_id) for d in defs.all_current().values())


def is_coordinator(me: Actor) -> bool:
    return me.is_admin or COORDINATOR in me.me.roles


def load_visible(case_id: int, me: Actor):
    """The case's header if ``me`` may see it; NotFound otherwise (existence does not leak)."""
    from web.current import engine
    from workflow.errors import NotFound
    from workflow.policy import can_view
    from workflow.queries.case_detail import header

    with engine().uow(write=False) as uow:
        head = header(uow.session, case_id)
    if head is None or not can_view(me, head):
        raise NotFound(f"Case {case_id} not found.")
    return head


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def refusal_message(refusal: Refusal) -> str:
    """A refusal in the reader's language, built from its reason and details where we can."""
    details = refusal.details
    if refusal.reason == "comment_required":
        return _("A comment is required for this action.")
    if refusal.reason == "missing_fields" and details.get("missing"):
        from web.fieldforms import label_for

        return _("Missing: %(what)s.", what=", ".join(label_for(m) for m in details["missing"]))
    if refusal.reason == "lead_time" and details.get("earliest_allowed_date"):
        from web.formatting import fdate

        return _(
            "Too late by the rule on lead times: the last day was %(last)s; "
            "the earliest date allowed from today is %(earliest)s.",
            last=fdate(details.get("last_allowed_day")),
            earliest=fdate(details.get("earliest_allowed_date")),
        )
    if refusal.reason == "already_reviewed":
        return _(
            "You have no open review task in this round (already answered, or not a reviewer)."
        )
    if refusal.reason == "date_out_of_range" and details.get("date"):
        from web.fieldforms import label_for

        return _(
            "%(field)s %(date)s is outside the years deadlines can be counted in; "
            "correct it first.",
            field=label_for(details["field"]) if details.get("field") else _("A date"),
            date=details["date"],
        )
    if refusal.reason == "no_new_version":
        return _(
            "No text has a new version since review round %(n)s returned the draft; "
            "upload the revised text first.",
            n=details.get("round"),
        )
    if refusal.reason == "permission":
        return _("You may not take this action.")
    if refusal.reason == "wrong_state":
        return _("This action is not possible in the current state.")
    if refusal.reason == "guard":
        from web.field_messages import guard_text

        return guard_text(refusal.message, details) or refusal.message
    return refusal.message


def field_message(message: str) -> str:
    """A field's error in the reader's language where it is one we know."""
    from web.field_messages import translate

    return translate(message)


def flash_error(exc: WorkflowError) -> None:
    """Report a refused action above the fresh page instead of an error page."""
    if isinstance(exc, ConcurrentUpdate):
        flash(
            _(
                "Someone else acted first. This is the current state of the case; "
                "check it and try again."
            ),
            "warning",
        )
    elif isinstance(exc, TransitionNotAllowed):
        from web.field_messages import remember

        for refusal in exc.refusals:
            flash(refusal_message(refusal), "error")
        remember(dict.fromkeys(exc.missing_fields, "Required for this action."))
    elif isinstance(exc, InvalidInput) and exc.errors:
        from web.field_messages import remember
        from web.fieldforms import label_for

        remember(exc.errors)  # shown again under each field of the fresh page
        for name, message in exc.errors.items():
            flash(f"{label_for(name)}: {field_message(message)}", "error")
    else:
        flash(exc.message, "error")


def posted_version() -> int | None:
    """The case version a form was rendered from (its hidden ``expected_version``)."""
    try:
        return int(request.form["expected_version"])
    except (KeyError, ValueError):
        abort(400, _("The form is incomplete; open the page again."))


def back_to_case(case_id: int, anchor: str = ""):
    """After a POST: the agreement page again (303), at ``anchor``."""
    return redirect(url_for("cases.show", case_id=case_id) + anchor, 303)
