"""The pieces every API blueprint shares: how a blueprint is made, path converters, the base
schema, and the error schema the OpenAPI document names for every error response.

``api_blueprint`` attaches authentication and the JSON error handlers when the blueprint is
created (at import), because Flask refuses setup calls on a blueprint already registered with
an app, and tests build many apps from the same blueprint objects.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Api, Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from web.converters import MAX_ID
from web.extensions import csrf
from workflow.errors import WorkflowError

PREFIX = "/api/v1"
# Path converters: ids beyond 32 bits or non-positive are simply not routes (404), so no database
# ever sees an integer it cannot store.
ID = f"int(min=1, max={MAX_ID})"
CODE = "string(maxlength=64)"

_BLUEPRINTS: list[Blueprint] = []


class ErrorSchema(Schema):
    """Every error response: 400, 401, 403, 404, 409, 412, 422, 429 (and 500)."""

    status = fields.Integer(required=True, metadata={"description": "HTTP status"})
    code = fields.String(required=True, metadata={"description": "Machine-readable code"})
    message = fields.String(required=True, metadata={"description": "For a person"})
    errors = fields.Dict(
        required=True,
        metadata={
            "description": "Per field (dotted path) a message; a refused transition also lists "
            "its reasons under 'refusals' (each with a 'text' for people)."
        },
    )
    messages = fields.Dict(
        metadata={
            "description": "The field errors worded for people, in the language of the "
            "request's Accept-Language (ru or en; English without one)"
        },
    )


class SoglasieApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Keep the app's own handlers (web/errors.py) for pages: the API blueprints carry their
        own, attached in ``api_blueprint``."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest's, but the OpenAPI tag is the blueprint's ``tag`` (its Flask name
        carries an ``api_`` prefix so it cannot clash with the pages' blueprints)."""
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=blp.name, parameters=parameters)
        self.spec.tag({"name": blp.tag, "description": blp.description})


class StrictParser(FlaskParser):
    """Unknown query parameters are refused like unknown body keys (webargs excludes them)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, tag: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag

    def route(self, rule, *, parameters=None, tags=None, **options):
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)


def api_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    from web.api.auth import authenticate
    from web.api.errors import handle_http_error, handle_workflow_error

    blp = ApiBlueprint(
        f"api_{name}",
        __name__,
        url_prefix=PREFIX + url_prefix,
        description=description,
        tag=name,
    )
    blp.before_request(authenticate)
    blp.register_error_handler(WorkflowError, handle_workflow_error)
    blp.register_error_handler(HTTPException, handle_http_error)
    # Bearer requests carry no cookie, so CSRF cannot apply; session requests are checked in
    # ``authenticate`` instead.
    csrf.exempt(blp)
    _BLUEPRINTS.append(blp)
    return blp


def api_blueprints() -> list[Blueprint]:
    return list(_BLUEPRINTS)


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "NUL characters are not allowed."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Not valid Unicode text."
    return None


def text_problems(value: Any, path: str = "") -> dict[str, str]:
    """Strings no database can store (NUL, lone surrogates), anywhere in a JSON value."""
    problems: dict[str, str] = {}
    if isinstance(value, str):
        if (problem := _bad_text(value)) is not None:
            problems[path or "_schema"] = problem
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := _bad_text(key)):
                problems[child] = problem
            problems.update(text_problems(item, child))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(text_problems(item, f"{path}.{index}" if path else str(index)))
    return problems


class BaseSchema(Schema):
    """HTTP input and output schemas: unknown keys are an error, and text must be storable."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _storable_text(self, data, **kwargs):
        problems = text_problems(dict(data) if hasattr(data, "keys") else data)
        if problems:
            raise ValidationError(problems)
        return data


class TextTitle(BaseSchema):
    ru = fields.String(required=True)
    en = fields.String(required=True)
