"""``Idempotency-Key`` on every mutating API operation (draft-ietf-httpapi-idempotency-key-header).

    POST /api/v1/agreements/7/transitions
    Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"

- The key is the caller's (scoped to the user), 1–255 visible ASCII characters, quoted as the
  draft's structured-header string or bare; anything else is 400 ``idempotency_key_invalid``.
- The first request with a key runs, and its answer (status, body, ``Location``, ``ETag``,
  ``Content-Type``) is stored under the key in the same transaction as its change
  (``web.once``). A repeat with the same request gets that answer again, with
  ``Idempotent-Replayed: true``, without deciding again.
- The same key with another request (method, path, query, ``If-Match``, body: the fingerprint)
  is 422 ``idempotency_key_reused``; a repeat while the first is still deciding is 409
  ``idempotency_key_in_use`` (PostgreSQL, after waiting ``IDEMPOTENCY_WAIT_SECONDS``).
- Kept: every answer the operation gave once it ran: success, and the engine's refusals (409 a
  refused transition or a stale version, 403, 404, 422 invalid data). Not kept, so the same key
  may simply be retried: 5xx, and refusals before the operation ran (a body that does not
  match the schema, a failed ``If-Match`` check, 401, 429). A kept refusal stays the answer: a
  corrected request needs a new key.
- Keys live ``SOGLASIE_IDEMPOTENCY_KEY_HOURS`` (24 by default); the worker sweeps them.

Without the header nothing changes. ``install`` wraps the API's view functions (so request
validation and error handlers run inside the key's transaction); ``IdempotencyKeyPlugin``
documents the header and its answers on every POST, PUT, PATCH and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from apispec import BasePlugin
from flask import Flask, Response, current_app, jsonify, request

from web import once
from web.api.auth import actor
from web.api.errors import body as error_body
from workflow.errors import WorkflowError
from workflow.persistence.idempotency import MAX_KEY_LENGTH

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Visible ASCII without the quote and the backslash (an sf-string's content, unescaped).
_KEY = re.compile(rf"[!#-\[\]-~]{{1,{MAX_KEY_LENGTH}}}")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def parse_key(raw: str) -> str | None:
    """The key of a header value, or None if it is not a valid key."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value if _KEY.fullmatch(value) else None


def fingerprint() -> str:
    """SHA-256 over what makes the request this request: method, path, query, If-Match and
    the body in a canonical form (JSON with sorted keys; form fields sorted, files by their
    name and SHA-256), so a client's re-encoding of the same request still matches."""
    digest = hashlib.sha256()
    query = urlencode(sorted(request.args.items(multi=True)))
    for part in (request.method, request.path, query, request.headers.get("If-Match", "")):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(_canonical_body())
    return digest.hexdigest()


def _canonical_body() -> bytes:
    if request.mimetype in FORM_TYPES:
        files = []
        for name, upload in sorted(request.files.items(multi=True), key=lambda i: i[0]):
            content = upload.stream.read()
            upload.stream.seek(0)
            files.append([name, upload.filename, hashlib.sha256(content).hexdigest()])
        form = sorted(request.form.items(multi=True))
        return json.dumps({"form": form, "files": files}, ensure_ascii=False).encode()
    raw = request.get_data(cache=True)
    if request.is_json:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        return json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    return raw


def _problem(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    response = jsonify(error_body(status, code, message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _replay(stored) -> Response:
    response = current_app.response_class(stored.body, status=stored.status)
    response.headers.clear()
    response.headers.update(stored.headers)
    response.headers[REPLAYED] = "true"
    return response


def _in_use() -> Response:
    return _problem(
        409,
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry in a moment.",
        {"Retry-After": "1"},
    )


def guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` run once per Idempotency-Key, when the request is unsafe and carries one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        raw = request.headers.get(HEADER)
        if raw is None or request.method not in UNSAFE_METHODS:
            return view(*args, **kwargs)
        key = parse_key(raw)
        if key is None:
            return _problem(
                400,
                "idempotency_key_invalid",
                f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} visible ASCII characters "
                "(a UUID is a good choice), optionally in double quotes.",
            )
        ran = {"kept": True}
        request_print = fingerprint()

        def answer() -> Response:
            try:
                rv = view(*args, **kwargs)
            except Exception as exc:  # answered by the blueprint's error handlers, as usual
                ran["kept"] = isinstance(exc, WorkflowError)
                rv = current_app.handle_user_exception(exc)
            return current_app.make_response(rv)

        outcome = once.run_once(
            f"api:user:{actor().user_id}",
            key,
            request_print,
            answer,
            keep=lambda _response, decided: ran["kept"] or decided,
        )
        if isinstance(outcome, once.Fresh):
            return outcome.response
        if isinstance(outcome, once.InUse) or outcome.stored.status is None:
            return _in_use()
        if outcome.stored.fingerprint != request_print:
            return _problem(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request; "
                "send a new key with a new request.",
            )
        return _replay(outcome.stored)

    return wrapper


def install(app: Flask, endpoint_prefix: str = "api_") -> None:
    """Wrap every API view function (the API blueprints' endpoints are ``api_<name>.…``)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(endpoint_prefix) and not getattr(view, "_idempotent", False):
            wrapped = guarded(view)
            wrapped._idempotent = True  # type: ignore[attr-defined]
            app.view_functions[endpoint] = wrapped


PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "A key of your choice (a UUID) that makes a retry safe: a repeat with the "
    "same key and the same request gets the first answer again, with "
    f"`{REPLAYED}: true`, and is not carried out twice. The same key with another request "
    "is 422; while the first request is still being processed, 409. Keys are remembered "
    "24 hours (SOGLASIE_IDEMPOTENCY_KEY_HOURS). Answers of 5xx and refusals before the "
    "operation ran (schema errors) are not remembered: retry them with the same key.",
}
REPLAYED_HEADER = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "Idempotency-Key (nothing was carried out again); absent otherwise.",
    "schema": {"type": "string", "enum": ["true"]},
}
RESPONSES = {
    "409": "Conflict; also: a request with this Idempotency-Key is still being processed "
    "(`idempotency_key_in_use`).",
    "422": "Unprocessable; also: this Idempotency-Key was used for a different request "
    "(`idempotency_key_reused`).",
}


class IdempotencyKeyPlugin(BasePlugin):
    """Documents the header and its answers on every unsafe operation of the spec."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method.upper() not in UNSAFE_METHODS:
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == HEADER for p in parameters if isinstance(p, dict)):
                parameters.append(dict(PARAMETER))
            responses = operation.setdefault("responses", {})
            for status, description in RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": _ERROR})
            for status, response in responses.items():
                if str(status).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {})[REPLAYED] = REPLAYED_HEADER


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
