"""The API's one error shape, ``{"status", "code", "message", "errors"}``, for every failure.

- request validation (webargs, 422): ``errors`` maps each bad field to its message, with the
  request location stripped (``{"json": {"title": [...]}}`` becomes ``{"title": "..."}``);
- engine errors keep their meaning (web/errors.py ``status_for``); a refused transition lists its
  reasons under ``errors.refusals`` (wrong state, guard message, lead-time rule with the earliest
  allowed date) and names each missing field as a field error;
- a stale ``If-Match`` is 412 rather than 409: the precondition the client set failed;
- an unreachable database is a 503 ``database_unavailable`` with ``Retry-After`` (web/outage.py);
- anything unexpected is a 500 in the same shape, without internals.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from web.errors import status_for
from workflow.documents import DocumentRefused
from workflow.errors import ConcurrentUpdate, TransitionNotAllowed, WorkflowError

LOCATIONS = ("json", "query", "querystring", "headers", "form", "path", "view_args", "files")


def body(status: int, code: str, message: str, errors: dict[str, Any] | None = None):
    found = {"status": status, "code": code, "message": message, "errors": errors or {}}
    if errors:
        # The same refusals for people, in the caller's Accept-Language (web/field_messages).
        from web.field_messages import api_messages

        found["messages"] = api_messages(errors)
    return found


def flatten(messages: Any, prefix: str = "") -> dict[str, Any]:
    """webargs/marshmallow messages as ``{dotted.path: "text"}``."""
    out: dict[str, Any] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in LOCATIONS and isinstance(value, dict | list):
                out.update(flatten(value, ""))
                continue
            child = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                child = prefix or "_schema"
            out.update(flatten(value, child))
    elif isinstance(messages, list | tuple):
        texts = [str(m) for m in messages if not isinstance(m, dict | list)]
        if texts:
            out[prefix or "_schema"] = " ".join(texts)
        for item in messages:
            if isinstance(item, dict | list):
                out.update(flatten(item, prefix))
    else:
        out[prefix or "_schema"] = str(messages)
    return out


def _code(exc: HTTPException) -> str:
    if isinstance(exc, CSRFError):
        return "csrf_failed"
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def handle_http_error(exc: HTTPException):
    from web import outage

    original = getattr(exc, "original_exception", None)
    if exc.code == 500 and outage.is_outage(original):
        return outage.response(original)
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = flatten(data.get("errors") or data.get("messages") or {})
    if status == 422:
        message = "The request does not match the schema: " + ", ".join(sorted(errors)) + "."
    elif status >= 500:
        message = "Something went wrong on our side; the request was not completed."
    else:
        message = data.get("message") or exc.description or exc.name
    response = jsonify(body(status, _code(exc), message, errors))
    response.status_code = status
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="soglasie"'
    if status == 429 and getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def handle_workflow_error(exc: WorkflowError):
    status = status_for(exc)
    errors: dict[str, Any] = dict(getattr(exc, "errors", None) or {})
    if isinstance(exc, TransitionNotAllowed):
        errors["refusals"] = [
            {"reason": r.reason, "message": r.message, **r.details} for r in exc.refusals
        ]
        texts = _refusal_texts(exc.refusals)
        for name in exc.missing_fields:
            errors.setdefault(name, "Required for this action.")
    if isinstance(exc, DocumentRefused):
        # Why the file was refused, as a stable code a client can act on.
        errors["reason"] = exc.reason
    if isinstance(exc, ConcurrentUpdate):
        if g.get("api_if_match"):
            status = 412
        if exc.current_version is not None:
            errors["version"] = f"The current version is {exc.current_version}."
    found = body(status, exc.code, exc.message, errors)
    if isinstance(exc, TransitionNotAllowed):
        for refusal, text in zip(found["errors"]["refusals"], texts, strict=True):
            refusal["text"] = text
    response = jsonify(found)
    response.status_code = status
    return response


def _refusal_texts(refusals) -> list[str]:
    """Each refusal worded for people in the caller's Accept-Language."""
    from web.field_messages import api_language, in_language
    from web.pages.common import refusal_message

    return in_language(api_language(), lambda: [refusal_message(r) for r in refusals])
