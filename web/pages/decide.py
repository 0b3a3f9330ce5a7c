"""``/decide/<token>``: a reviewer's decision from a link in her review email, without signing in.

GET shows the case, the decision and one button; it never changes anything (mail scanners and
link previews fetch it). POST records the decision (``workflow.services.email_decisions``):
once, as the reviewer the link was made for, on that task only.

CSRF: unlike ``/unsubscribe``, the POST is not exempt. The link's token is what authorizes the
decision, but a decision is not one-click: the form carries Flask-WTF's CSRF token, kept in the
session cookie the GET sets. So the decision needs a person who opened the page in her browser
and pressed the button; a scanner that follows links and a page elsewhere that posts a form
cannot decide. Phones' mail clients open links in a browser that keeps the cookie between the
GET and the POST. (A token of our own plus a per-page nonce would need a table of nonces for
the same effect.)

Pages are in the reviewer's language (the link knows who she is), without the site's signed-in
header, and are not cached (``Cache-Control: no-store``). Status: GET 200 always (a clear page
for a link that cannot be used); POST 200 when decided, 404 for a link that is not one of ours,
409 for a refused one (used, expired, the case moved on, turned off, or the engine refused).
Both answer 429 with ``Retry-After`` after too many links that are not ours, from one address
or for one link (``web.decide_throttle``).
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_babel import force_locale

from web import decide_throttle
from web.current import engine
from workflow.errors import WorkflowError
from workflow.services.email_decisions import Link, LinkRefused, decide_by_link, inspect_link

bp = Blueprint("decide", __name__)


def _page(link: Link | None, status: int = 200, **values):
    language = link.language if link is not None else None
    context = {
        "link": link,
        "refused": None,
        "done": False,
        "error": None,
        "comment": "",
        "retry_after": 0,
    }
    context.update(values)
    if language in ("ru", "en"):
        with force_locale(language):
            body = render_template("decide.html", lang=language, **context)
    else:
        body = render_template("decide.html", **context)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _address() -> str:
    return (request.remote_addr or "unknown")[:64]


@bp.before_request
def _not_too_many_guesses():
    """429 with Retry-After after too many invalid links from one address or for one link
    (``web.decide_throttle``), before the token is even looked at."""
    token = (request.view_args or {}).get("token", "")
    verdict = decide_throttle.check(engine(), token, _address())
    if not verdict.throttled:
        return None
    response = _page(None, 429, refused="throttled", retry_after=verdict.retry_after_seconds)
    response.headers["Retry-After"] = str(verdict.retry_after_seconds)
    return response


def _refused_link(token: str, refused: LinkRefused) -> None:
    if refused.reason == "invalid":
        decide_throttle.record_failure(engine(), token, _address())


@bp.get("/decide/<token>")
def confirm(token: str):
    try:
        link = inspect_link(engine(), token)
    except LinkRefused as refused:
        _refused_link(token, refused)
        return _page(refused.link, refused=refused.reason)
    return _page(link)


@bp.post("/decide/<token>")
def decide(token: str):
    eng = engine()
    comment = (request.form.get("comment") or "").strip()
    try:
        link = inspect_link(eng, token)
    except LinkRefused as refused:
        _refused_link(token, refused)
        return _page(
            refused.link, 404 if refused.reason == "invalid" else 409, refused=refused.reason
        )
    if link.kind == "return" and not comment:
        return _page(link, 400, error="comment_required", comment=comment)
    try:
        link, _result = decide_by_link(eng, token, comment or None)
    except LinkRefused as refused:
        return _page(refused.link or link, 409, refused=refused.reason)
    except WorkflowError:
        return _page(link, 409, refused="engine")
    return _page(link, done=True)
