"""While the database is unreachable: 503 with ``Retry-After``, not a 500.

"Unreachable" means the connection failed or was lost: SQLAlchemy's ``OperationalError`` and
``InterfaceError`` from a refused or dropped connection (PostgreSQL: no sqlstate, class 08,
``admin_shutdown``, ``crash_shutdown``, ``cannot_connect_now``, a database that no longer
exists, too many connections; SQLite: "unable to open database file"), and any ``DBAPIError``
whose connection SQLAlchemy invalidated. Not an outage: integrity errors, serialization
failures, deadlocks, statement timeouts, SQLite's "database is locked"; they keep their own
handling.

A change whose COMMIT lost its connection is first checked (``workflow.persistence.
commit_outcome``): committed, the request answers as usual; not committed, 503
``database_unavailable`` saying nothing was changed; unknown, 503 ``outcome_unknown`` saying how
to check (``errors.check``: the case to read).

The API answers in its error shape with the code ``database_unavailable``; pages render
``errors/503.html``, a standalone template that needs no database (the signed-in header would
load the user). ``Retry-After`` is ``SOGLASIE_RETRY_AFTER`` seconds (default 5). The original
exception is logged once per request at WARNING.
"""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _

from workflow.persistence.commit_outcome import CommitInterrupted, CommitOutcomeUnknown
from workflow.persistence.outages import connection_lost

log = logging.getLogger(__name__)

CODE = "database_unavailable"
# A change whose COMMIT lost its connection, and whose outcome could not be learned in time.
UNKNOWN_CODE = "outcome_unknown"
DEFAULT_RETRY_AFTER = 5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` (or an exception it was raised from) says the database is unreachable,
    or that the connection was lost while a change was being committed."""
    return isinstance(error, CommitInterrupted) or connection_lost(error)


def retry_after() -> int:
    settings = current_app.extensions.get("soglasie.settings")
    raw = (settings.extra if settings else {}).get("SOGLASIE_RETRY_AFTER", "")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return value if value > 0 else DEFAULT_RETRY_AFTER


def api_message(error: BaseException | None = None) -> str:
    if isinstance(error, CommitOutcomeUnknown):
        return (
            "The connection to the database was lost while this change was being saved, and "
            f"whether it was saved could not be learned within {error.waited:.0f} seconds. "
            "Check before repeating it: read the case (GET it, see errors.check) and compare "
            "its version with the version you acted on, or look for the action in its history."
        )
    if isinstance(error, CommitInterrupted):  # CommitNotDone
        return (
            "The connection to the database was lost while this change was being saved, and "
            "the database confirms that it was not saved: nothing was changed. It is safe to "
            "repeat the request in a few seconds."
        )
    if request.method in SAFE_METHODS:
        return (
            "The database is not reachable right now; nothing was changed by this request. "
            "Try again in a few seconds."
        )
    return (
        "The database is not reachable right now. Nothing was changed by this request unless "
        "the connection was lost while the change was being saved, in which case it may have "
        "been recorded: check whether it was (read the case's version) before repeating it. "
        "Try again in a few seconds."
    )


def _case_address() -> str | None:
    """The address of the case this request acted on (``/api/v1/agreements/12``), if any."""
    case_id = (request.view_args or {}).get("case_id")
    marker = f"/{case_id}"
    if case_id is None or marker not in request.path:
        return None
    return request.path[: request.path.index(marker) + len(marker)]


def _api_body(error: BaseException) -> dict:
    from web.errors import error_body

    message = api_message(error)
    if isinstance(error, CommitOutcomeUnknown):
        return error_body(
            503, UNKNOWN_CODE, message, {"outcome": "unknown", "check": _case_address()}
        )
    if isinstance(error, CommitInterrupted):
        return error_body(503, CODE, message, {"outcome": "not_saved"})
    return error_body(503, CODE, message)


def _page_texts(error: BaseException) -> tuple[str, str]:
    if isinstance(error, CommitOutcomeUnknown):
        return (
            _("The connection to the database was lost while your change was being saved."),
            _(
                "Whether it was saved could not be learned. Open the page again and check "
                "before repeating it."
            ),
        )
    if isinstance(error, CommitInterrupted):
        return (
            _("The connection to the database was lost while your change was being saved."),
            _("The change was not saved. You can safely repeat it in a few seconds."),
        )
    if request.method in SAFE_METHODS:
        explanation = _("Nothing was changed. Please try again in a few seconds.")
    else:
        explanation = _(
            "If you were saving a change, it may or may not have been recorded: open the "
            "page again and check before repeating it."
        )
    return _("The database is not reachable right now."), explanation


def _log_once(error: BaseException) -> None:
    if g.get("soglasie_outage_logged"):
        return
    g.soglasie_outage_logged = True
    log.warning(
        "database unreachable during %s %s: %s",
        request.method,
        request.path,
        error,
        exc_info=error,
    )


def _forget_user() -> None:
    """Make the page's rendering anonymous: the user loader would ask the database again."""
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None:
        g._login_user = login_manager.anonymous_user()
    g.soglasie_actor = None
    g.soglasie_user = None


def _this_page() -> str:
    return request.full_path if request.query_string else request.path


def response(error: BaseException):
    from web.errors import wants_json

    _log_once(error)
    seconds = retry_after()
    if wants_json():
        result = jsonify(_api_body(error))
    else:
        _forget_user()
        lead, explanation = _page_texts(error)
        html = render_template(
            "errors/503.html",
            status=503,
            heading=_("The service is temporarily unavailable"),
            lead=lead,
            explanation=explanation,
            retry_url=_this_page() if request.method in SAFE_METHODS else None,
        )
        result = current_app.make_response(html)
    result.status_code = 503
    result.headers["Retry-After"] = str(seconds)
    result.headers["Cache-Control"] = "no-store"
    return result
