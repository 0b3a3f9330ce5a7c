"""The REST API under ``/api/v1``: flask-smorest blueprints over the same engine services as the
pages, the OpenAPI 3 document at ``/api/v1/openapi.json`` and a script-free reference page at
``/api/v1/docs``.

    register_api(app)    # from web/blueprints.py

One ``SoglasieApi`` per app (tests build many apps); the blueprint objects are shared, which
Flask allows because every setup call on them happens at import (see ``web.api.core``).
"""

from __future__ import annotations

import importlib

from flask import Flask

from web.api.core import PREFIX, SoglasieApi, api_blueprints

RESOURCE_MODULES = (
    "web.api.agreements",
    "web.api.papers",
    "web.api.documents",
    "web.api.signed_originals",
    "web.api.plans",
    "web.api.plan_items",
    "web.api.tasks",
    "web.api.definitions",
    "web.api.organizations",
    "web.api.users",
    "web.api.regions",
    "web.api.meetings",
    "web.api.cycles",
    "web.api.substitutions",
    "web.api.tokens",
    "web.api.webhooks",
    "web.api.search",
)

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (sgl_…).",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "soglasie_session",
        "description": "The pages' session; unsafe methods then need X-CSRFToken.",
    },
}


def register_api(app: Flask) -> SoglasieApi:
    for module in RESOURCE_MODULES:
        importlib.import_module(module)
    app.config.setdefault("API_TITLE", "soglasie")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Agreements, their workflow, tasks, plans, meetings and webhooks. "
                "Every action takes the same path as the pages: same permissions, same rules. "
                "Due dates are inclusive (no later than that day); a due date in a year whose "
                "production calendar is not known yet (no transfer decree) comes with "
                "`provisional: true` and is recounted when the calendar learns the year."
            },
            "security": [{"bearerAuth": []}, {"sessionCookie": []}],
            "servers": [{"url": "/"}],
        },
    )
    from web.api import idempotency

    api = SoglasieApi(app, spec_kwargs={"extra_plugins": [idempotency.IdempotencyKeyPlugin()]})
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    _register_field_schemas(api)
    for blp in api_blueprints():
        api.register_blueprint(blp)
    idempotency.install(app)  # after the blueprints: it wraps their view functions
    from web.api.docs import bp as docs

    app.register_blueprint(docs)
    app.extensions["soglasie.api"] = api
    return api


def _register_field_schemas(api: SoglasieApi) -> None:
    """Each kind's field schema as a component (``Fields_<name>``), the one
    ``GET /api/v1/definitions/{key}`` answers in ``fields``: clients generating code from this
    document get the shapes of ``fields`` and ``data``."""
    from web.api.definitions import FIELDS_COMPONENT
    from workflow.fields import all_field_sets
    from workflow.fields.json_schema import fields_json_schema

    for name, field_set in sorted(all_field_sets().items()):
        api.spec.components.schema(
            FIELDS_COMPONENT.format(name), component=fields_json_schema(field_set)
        )
