"""Mapping engine errors to HTTP: one status per error type, with a message a person understands.

Pages render ``errors/<status>.html`` (translated headings); anything under ``/api/`` gets the
JSON error shape ``{"status", "code", "message", "errors"}``. A CSRF failure is a 400 on pages.
An unreachable database is a 503 with ``Retry-After`` on both (``web.outage``).
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from jinja2 import TemplateNotFound
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from workflow.documents import FileTooLarge
from workflow.errors import (
    ConcurrentUpdate,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    WorkflowError,
)
from workflow.persistence.commit_outcome import CommitInterrupted

STATUS = {
    FileTooLarge: 413,
    NotFound: 404,
    PermissionDenied: 403,
    ConcurrentUpdate: 409,
    Conflict: 409,
    InvalidInput: 400,
    TransitionNotAllowed: 409,
}


def status_for(exc: WorkflowError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    return {"status": status, "code": code, "message": message, "errors": errors or {}}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _upload_limit_mb() -> int:
    from web.current import engine

    return engine().document_limits.max_bytes // (1024 * 1024)


def _texts(status: int) -> tuple[str, str]:
    texts = {
        400: (
            _("The request could not be processed"),
            _(
                "The form or link is not valid. If you submitted a form, open the page again "
                "and repeat the action."
            ),
        ),
        401: (_("Please sign in"), _("This page is available after signing in.")),
        403: (_("Access denied"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("The page does not exist, or you do not have access to it.")),
        405: (_("Action not allowed"), _("This address does not accept this kind of request.")),
        409: (
            _("The action was not performed"),
            _("The data changed or the action is not possible in the current state."),
        ),
        413: (
            _("The file is too large"),
            _("Upload a file of at most %(mb)d MB.", mb=_upload_limit_mb()),
        ),
        429: (_("Too many attempts"), _("Please wait a few minutes and try again.")),
        500: (_("Something went wrong"), _("The error has been recorded. Please try again later.")),
    }
    return texts.get(status, (_("Error"), ""))


def _render(status: int, code: str, message: str, errors: dict | None = None):
    if wants_json():
        return jsonify(error_body(status, code, message, errors)), status
    heading, explanation = _texts(status)
    try:
        return render_template(
            f"errors/{status}.html",
            status=status,
            heading=heading,
            explanation=explanation,
            message=message,
            errors=errors or {},
            code=code,
        ), status
    except TemplateNotFound:
        return message or heading, status, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    from web import outage

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def _database_error(exc: Exception):
        if not outage.is_outage(exc):
            raise exc  # an ordinary failure: Flask's 500 as before
        return outage.response(exc)

    @app.errorhandler(CommitInterrupted)
    def _commit_interrupted(exc: CommitInterrupted):
        return outage.response(exc)  # not saved, or not known: never a 500

    @app.errorhandler(WorkflowError)
    def _workflow_error(exc: WorkflowError):
        errors = getattr(exc, "errors", None)
        if isinstance(exc, TransitionNotAllowed):
            errors = {
                "refusals": [
                    {"reason": r.reason, "message": r.message, **r.details} for r in exc.refusals
                ]
            }
        status = status_for(exc)
        # Pages do not echo engine internals ("Case 12 not found") to a visitor.
        message = exc.message if wants_json() or status in (400, 409) else ""
        return _render(status, exc.code, message, errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if exc.code == 500 and outage.is_outage(original):
            return outage.response(original)
        code = (exc.name or "error").lower().replace(" ", "_")
        default = type(exc).description
        if wants_json():
            return _render(exc.code or 500, code, exc.description or exc.name)
        message = "" if exc.description == default else (exc.description or "")
        if code == "bad_request" and "CSRF" in (exc.description or ""):
            message = _(
                "The form has expired or was not sent from this site. Open the page again "
                "and repeat the action."
            )
        return _render(exc.code or 500, code, message)
