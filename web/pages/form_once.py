"""One-time form tokens: a decision taken from a page is taken once, however often the form
arrives (a double click, back and post again, the browser retrying after a timeout).

    {{ form_token() }}                      # in the form: <input type="hidden" name="form_token">

    @bp.post("/agreements/<int:case_id>/actions")
    @signed_in
    @once_per_form(back=lambda case_id: url_for("cases.show", case_id=case_id))
    def fire(case_id): ...

Each render of a form carries a fresh random token. The first POST with it runs the view in one
transaction with the token's row (``web.once``, the table of the API's Idempotency-Key, scope
``form:user:<id>``): when the view decided something (a unit of work wrote) and answered with
a redirect, the token is stored as used, with that redirect, in the same commit as the
decision. A later POST with the same token decides nothing: it is sent to the stored page with
the notice "This decision has already been made." A POST that decided nothing (refused,
incomplete) leaves the token unused, so the person can correct and send the form again.

A POST without a token (an old page still open, a script) runs as before; the case version the
form carries still stops a decision on a case that moved on.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from web import once
from web.pages.common import actor

FIELD = "form_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def case_url(case_id: int) -> str:
    return url_for("cases.show", case_id=case_id)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def form_token_input() -> Markup:
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, new_token())


def install(app: Flask) -> None:
    app.jinja_env.globals["form_token"] = form_token_input


def _fingerprint() -> str:
    fields = sorted((k, v) for k, v in request.form.items(multi=True) if k != "csrf_token")
    payload = json.dumps([request.method, request.path, fields], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def once_per_form(back: Callable[..., str]) -> Callable[[Callable], Callable]:
    """``back(**view_args)``: the page to show when the first POST is still being decided."""
    return lambda view: _guarded(view, back)


def _guarded(view: Callable, back: Callable[..., str]) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = request.form.get(FIELD, "")
        if not _TOKEN.fullmatch(token):
            return view(*args, **kwargs)
        outcome = once.run_once(
            f"form:user:{actor().user_id}",
            token,
            _fingerprint(),
            lambda: current_app.make_response(view(*args, **kwargs)),
            keep=lambda response, decided: decided and response.status_code in (302, 303),
        )
        if isinstance(outcome, once.Fresh):
            return outcome.response
        # Used already (or being used by the first click this very moment): the person sees
        # the page the first POST led to, with a notice instead of an error.
        flash(_("This decision has already been made."), "info")
        stored = outcome.stored if isinstance(outcome, once.Replay) else None
        location = stored.headers.get("Location") if stored else None
        return redirect(location or back(*args, **kwargs), 303)

    return wrapper
