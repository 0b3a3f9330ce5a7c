"""While the database is unreachable: 503 with ``Retry-After``, not a 500.

"Unreachable" means the connection failed or was lost: SQLAlchemy's ``OperationalError`` and
``InterfaceError`` from a refused or dropped connection (PostgreSQL: no sqlstate, class 08,
``admin_shutdown``, ``crash_shutdown``, ``cannot_connect_now``, a database that no longer
exists, too many connections; SQLite: "unable to open database file"), and any ``DBAPIError``
whose connection SQLAlchemy invalidated. Not an outage: integrity errors, serialization
failures, deadlocks, statement timeouts, SQLite's "database is locked"; they keep their own
handling.

The API answers in its error shape with the code ``database_unavailable``; pages render
``errors/503.html``, a standalone template that needs no database (the signed-in header would
load the user). ``Retry-After`` is ``SOGLASIE_RETRY_AFTER`` seconds (default 5). The original
exception is logged once per request at WARNING.
"""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

CODE = "database_unavailable"
DEFAULT_RETRY_AFTER = 5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# PostgreSQL error codes that mean "no usable connection to the database".
_UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "3D000", "53300"})
_SQLITE_UNREACHABLE = ("unable to open database file",)


def _unreachable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    orig = error.orig
    if hasattr(orig, "sqlstate"):  # psycopg
        state = orig.sqlstate
        return state is None or state.startswith("08") or state in _UNREACHABLE_SQLSTATES
    text = str(orig).lower()
    if isinstance(error, sa_exc.InterfaceError):
        return True
    return any(phrase in text for phrase in _SQLITE_UNREACHABLE)


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` (or an exception it was raised from) says the database is unreachable."""
    seen = 0
    while error is not None and seen < 10:
        if _unreachable(error):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def retry_after() -> int:
    settings = current_app.extensions.get("soglasie.settings")
    raw = (settings.extra if settings else {}).get("SOGLASIE_RETRY_AFTER", "")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return value if value > 0 else DEFAULT_RETRY_AFTER


def api_message() -> str:
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
    from web.errors import error_body, wants_json

    _log_once(error)
    seconds = retry_after()
    if wants_json():
        result = jsonify(error_body(503, CODE, api_message()))
    else:
        _forget_user()
        if request.method in SAFE_METHODS:
            explanation = _("Nothing was changed. Please try again in a few seconds.")
        else:
            explanation = _(
                "If you were saving a change, it may or may not have been recorded: open the "
                "page again and check before repeating it."
            )
        html = render_template(
            "errors/503.html",
            status=503,
            heading=_("The service is temporarily unavailable"),
            lead=_("The database is not reachable right now."),
            explanation=explanation,
            retry_url=_this_page() if request.method in SAFE_METHODS else None,
        )
        result = current_app.make_response(html)
    result.status_code = 503
    result.headers["Retry-After"] = str(seconds)
    result.headers["Cache-Control"] = "no-store"
    return result
