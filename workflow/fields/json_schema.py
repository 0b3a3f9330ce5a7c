"""A kind's fields as JSON Schema, and the shape a field expects in words.

``GET /api/v1/definitions/{key}`` answers with the JSON Schema of what ``fields`` (and a
trigger's ``data``) accepts, and the OpenAPI document carries the same schemas as components,
so an integrator learns the shape of ``signatory`` or ``term`` without collecting 400s. The
400s themselves name the expected shape (``expected_shape``): "signatory: an object {name,
position}", not marshmallow's "Invalid input type".

The schema is the OpenAPI 3.0 subset of JSON Schema (no ``$schema``/``$defs`` inside it: the
endpoint adds ``$schema``), built from the marshmallow schema the engine validates with, so the
two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, validate
from marshmallow import fields as mf

from workflow.fields import dates
from workflow.fields.registry import FieldSet

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def fields_json_schema(field_set: FieldSet) -> dict[str, Any]:
    """The JSON Schema of the ``fields`` object of a kind (every property optional: a case
    fills its fields over time; the definition's ``requires`` say when each is needed)."""
    schema = _object(field_set.schema())
    schema["title"] = f"Fields of {field_set.name}"
    return schema


def _object(schema: Schema) -> dict[str, Any]:
    properties = {
        (fld.data_key or name): _field(fld)
        for name, fld in schema.fields.items()
        if not fld.dump_only
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _field(fld: mf.Field) -> dict[str, Any]:
    if isinstance(fld, mf.Nested):
        nested = fld.schema
        out = _object(nested)
        if fld.many:
            out = {"type": "array", "items": out}
    elif isinstance(fld, mf.List):
        out = {"type": "array", "items": _field(fld.inner)}
    elif isinstance(fld, mf.Date):
        out = {"type": "string", "format": "date"}
        if dates.is_checked_date(fld):
            low, high = dates.bounds()
            out["description"] = f"A date from {low.isoformat()} to {high.isoformat()}"
    elif isinstance(fld, mf.DateTime):
        out = {"type": "string", "format": "date-time"}
    elif isinstance(fld, mf.Boolean):
        out = {"type": "boolean"}
    elif isinstance(fld, mf.Integer):
        out = {"type": "integer"}
    elif isinstance(fld, mf.Number):
        out = {"type": "number"}
    elif isinstance(fld, mf.String):
        out = {"type": "string"}
    elif isinstance(fld, mf.Dict):
        out = {"type": "object"}
    else:
        out = {}
    for rule in fld.validators:
        _apply(out, rule)
    if fld.allow_none:
        out["nullable"] = True
    return out


def _apply(out: dict[str, Any], rule: Any) -> None:
    if isinstance(rule, validate.Length):
        if rule.min is not None:
            out["minLength" if out.get("type") == "string" else "minItems"] = rule.min
        if rule.max is not None:
            out["maxLength" if out.get("type") == "string" else "maxItems"] = rule.max
    elif isinstance(rule, validate.Range):
        if rule.min is not None:
            out["minimum"] = rule.min
        if rule.max is not None:
            out["maximum"] = rule.max
    elif isinstance(rule, validate.OneOf):
        out["enum"] = list(rule.choices)
    elif isinstance(rule, validate.Regexp):
        out["pattern"] = rule.regex.pattern
        if rule.error and "{" not in rule.error:
            out.setdefault("description", rule.error)


def expected_shape(field_set: FieldSet, path: str) -> str | None:
    """In words, what the field at dotted ``path`` takes: "an object {name, position}", "a date
    (YYYY-MM-DD)", "a list of strings", ...; None for a path the schema does not know."""
    fld = _field_at(field_set.schema(), path)
    return _shape(fld) if fld is not None else None


def _field_at(schema: Schema, path: str) -> mf.Field | None:
    current: Any = schema
    fld = None
    for part in path.split("."):
        if part.isdigit() and fld is not None:
            continue  # an index into a list: the same field's items
        if not isinstance(current, Schema):
            return None
        fld = next((f for name, f in current.fields.items() if (f.data_key or name) == part), None)
        if fld is None:
            return None
        inner = fld.inner if isinstance(fld, mf.List) else fld
        current = inner.schema if isinstance(inner, mf.Nested) else None
    return fld


def _shape(fld: mf.Field) -> str:
    if isinstance(fld, mf.Nested):
        keys = ", ".join(f.data_key or n for n, f in fld.schema.fields.items() if not f.dump_only)
        return f"an object {{{keys}}}"
    if isinstance(fld, mf.List):
        inner = _shape(fld.inner)
        return f"a list of ({inner})"
    if isinstance(fld, mf.Date):
        return "a date (YYYY-MM-DD)"
    if isinstance(fld, mf.DateTime):
        return "a date and time (ISO 8601)"
    if isinstance(fld, mf.Boolean):
        return "true or false"
    if isinstance(fld, mf.Integer):
        return "a whole number"
    if isinstance(fld, mf.Number):
        return "a number"
    choices = next((r.choices for r in fld.validators if isinstance(r, validate.OneOf)), None)
    if choices is not None:
        return "one of " + ", ".join(str(c) for c in choices)
    if isinstance(fld, mf.String):
        return "a string"
    if isinstance(fld, mf.Dict):
        return "an object"
    return "a value"
