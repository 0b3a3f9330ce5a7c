"""Mapping engine errors to HTTP: one status per error type, with a message a person understands.

Pages render ``errors/<status>.html`` when it exists; anything under ``/api/`` gets the JSON error
shape ``{"status", "code", "message", "errors"}``.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

from workflow.errors import (
    ConcurrentUpdate,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    WorkflowError,
)

STATUS = {
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


def _render(status: int, code: str, message: str, errors: dict | None = None):
    if wants_json():
        return jsonify(error_body(status, code, message, errors)), status
    try:
        return render_template(
            f"errors/{status}.html", message=message, errors=errors or {}, code=code
        ), status
    except TemplateNotFound:
        return message, status, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WorkflowError)
    def _workflow_error(exc: WorkflowError):
        errors = getattr(exc, "errors", None)
        if isinstance(exc, TransitionNotAllowed):
            errors = {
                "refusals": [
                    {"reason": r.reason, "message": r.message, **r.details} for r in exc.refusals
                ]
            }
        return _render(status_for(exc), exc.code, exc.message, errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return _render(exc.code or 500, code, exc.description or exc.name)
