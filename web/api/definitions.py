"""``/api/v1/definitions``: the loaded workflow procedures — states, transitions, roles,
deadlines and parameters (with where each term comes from) — and their Mermaid diagrams.

Parameters are shown with their default value; a region may override them (see ``definitions/``
overrides), which ``/regions/{code}/status`` callers get applied in their deadlines.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields

from web.api.core import CODE, BaseSchema, TextTitle, api_blueprint
from web.current import engine
from workflow.definitions.model import Definition
from workflow.fields import get_field_set
from workflow.fields.json_schema import DIALECT, fields_json_schema
from workflow.machine import mermaid_diagram

blp = api_blueprint("definitions", "/definitions", "Workflow procedures and their rules.")


class DefinitionSummary(BaseSchema):
    key = fields.String(required=True)
    title = fields.Nested(TextTitle, required=True)
    category = fields.String(required=True)
    version_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    content_hash = fields.String(required=True)


FIELDS_COMPONENT = "Fields_{}"  # the OpenAPI component of each field schema (``register_api``)


class FieldsJsonSchema(BaseSchema):
    """A JSON Schema (draft 2020-12, in the OpenAPI 3.0 subset) of a case's ``fields``."""

    schema_ = fields.String(data_key="$schema", attribute="$schema", required=True)
    title = fields.String(required=True)
    type = fields.String(required=True)
    properties = fields.Dict(required=True)
    additionalProperties = fields.Boolean(required=True)  # JSON Schema's own name


class DefinitionOut(DefinitionSummary):
    initial = fields.String(required=True)
    fields_schema = fields.String(required=True)
    fields_ = fields.Nested(
        FieldsJsonSchema,
        data_key="fields",
        attribute="fields",
        required=True,
        metadata={
            "description": "What a case's `fields` (and an action's `data`) accept, as JSON "
            "Schema: every property with its type, format, limits and allowed values; nested "
            "objects such as `signatory` {name, position} or `term` {years, …} spelled out. "
            "The same schema is in this document as `#/components/schemas/Fields_<fields_schema>`."
        },
    )
    start_roles = fields.List(fields.String(), required=True)
    roles = fields.List(fields.Dict(), required=True)
    parameters = fields.List(fields.Dict(), required=True)
    stages = fields.List(fields.Dict(), required=True)
    states = fields.List(fields.Dict(), required=True)
    transitions = fields.List(fields.Dict(), required=True)


class DiagramText(BaseSchema):
    format = fields.String(required=True)
    diagram = fields.String(required=True)


def _title(text) -> dict[str, str]:
    return {"ru": text.ru, "en": text.en}


def _summary(key: str) -> tuple[Definition, dict]:
    version = engine().catalog.current(key)
    d = version.definition
    return d, {
        "key": d.key,
        "title": _title(d.title),
        "category": d.category,
        "version_id": version.id,
        "number": version.number,
        "content_hash": d.content_hash,
    }


def _state(s) -> dict:
    deadline = None
    if s.deadline is not None:
        deadline = {
            "within": s.deadline.within,
            "direction": s.deadline.direction,
            "anchor": s.deadline.anchor,
            "pauses_in": list(s.deadline.pauses_in),
            "escalate_to": s.deadline.escalate_to,
        }
    review = None
    if s.review is not None:
        review = {
            "reviewers": list(s.review.reviewers),
            "rule": s.review.rule,
            "quorum": s.review.quorum,
            "lead": s.review.lead,
            "approve": s.review.approve,
            "reject": s.review.reject,
        }
    return {
        "name": s.name,
        "kind": s.kind,
        "title": _title(s.title),
        "roles": list(s.roles),
        "deadline": deadline,
        "reminders": [str(r) for r in s.reminders],
        "requires": list(s.requires),
        "editable": list(s.editable),
        "review": review,
        "public": s.public,
        "stage": s.stage,
    }


def _known(key: str) -> str:
    if key not in engine().catalog.current_keys():
        abort(404, message=f"No workflow definition '{key}'.")
    return key


@blp.route("", methods=["GET"])
@blp.response(200, DefinitionSummary(many=True))
def list_definitions():
    """Every procedure loaded now, with its current version."""
    return [_summary(key)[1] for key in sorted(engine().catalog.current_keys())]


@blp.route(f"/<{CODE}:key>", methods=["GET"])
@blp.response(200, DefinitionOut)
def get_definition(key: str):
    """States, transitions, roles, deadlines and parameters of one procedure."""
    d, summary = _summary(_known(key))
    return {
        **summary,
        "initial": d.initial,
        "fields_schema": d.fields_schema,
        "fields": _fields_schema(d),
        "start_roles": list(d.start_roles),
        "roles": [
            {"name": r.name, "title": _title(r.title), "scope": r.scope, "supervisor": r.supervisor}
            for r in d.roles.values()
        ],
        "parameters": [
            {
                "name": p.name,
                "value": str(p.value),
                "source": p.source,
                "basis": p.basis,
                "note": p.note,
            }
            for p in d.parameters.values()
        ],
        "stages": [{"name": name, "title": _title(title)} for name, title in d.stages],
        "states": [_state(s) for s in d.states.values()],
        "transitions": [
            {
                "trigger": t.trigger,
                "from": list(t.sources),
                "to": t.dest,
                "roles": list(t.roles),
                "title": _title(t.title),
                "guards": [
                    {"name": g.name, "severity": g.severity, "params": dict(g.params)}
                    for g in t.guards
                ],
                "comment": t.comment,
                "requires": list(t.requires),
                "by_system": t.by_system,
            }
            for t in d.transitions
        ],
    }


def _fields_schema(d: Definition) -> dict:
    return {"$schema": DIALECT, **fields_json_schema(get_field_set(d.fields_schema))}


@blp.route(f"/<{CODE}:key>/fields", methods=["GET"])
@blp.response(200, FieldsJsonSchema)
def definition_fields(key: str):
    """The JSON Schema of the ``fields`` of this procedure's cases, alone (for a validator)."""
    d, _ = _summary(_known(key))
    return _fields_schema(d)


@blp.route(f"/<{CODE}:key>/diagram", methods=["GET"])
@blp.response(200, DiagramText)
def definition_diagram(key: str):
    """The procedure as a Mermaid state diagram."""
    d, _ = _summary(_known(key))
    return {"format": "mermaid", "diagram": mermaid_diagram(d)}
