"""The registry of field schemas and the helpers that read fields by dotted path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import RAISE, Schema, ValidationError
from marshmallow import fields as mf

from workflow.errors import InvalidInput
from workflow.fields import dates

# Requirement tokens that are not fields: a document version must exist.
# Names a state may list in ``editable`` / ``requires`` that are documents, not fields.
DOCUMENT_TOKENS = (
    "documents",
    "documents:ru",
    "documents:partner",
    "signed_originals",
    "reports",  # the annual report's versions (workflow.services.documents.REPORT_LANGUAGE)
)


@dataclass(frozen=True)
class FieldSet:
    """A marshmallow schema for a kind's fields, and which of them become indexed columns.

    ``promote`` maps a case column (``title``, ``planned_date``, ``partner_country``,
    ``title_partner``) to a function that extracts it from the loaded fields.
    """

    name: str
    schema: type[Schema]
    promote: Mapping[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    # Fields computed from others on every write (``workflow.fields.derived``): called with
    # the stored fields before the write and after it, returns the latter completed.
    derive: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]] | None = None

    def with_derived(self, before: Mapping[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        """``after`` (stored JSON form) with the derived fields filled in."""
        return self.derive(before, after) if self.derive is not None else after

    def field_paths(self) -> set[str]:
        """Every dotted path the schema accepts, e.g. {"partner", "partner.country", ...}."""
        return set(_paths(self.schema()))

    def load(self, data: Mapping[str, Any], *, partial: bool = True) -> dict[str, Any]:
        """Validate input; raise ``InvalidInput`` naming each bad field."""
        schema = self.schema(unknown=RAISE)
        try:
            loaded = schema.load(dict(data), partial=partial)
        except ValidationError as exc:
            errors = self._with_shapes(_flatten(exc.messages), data)
            listed = "; ".join(f"{path}: {message.rstrip('.')}" for path, message in errors.items())
            raise InvalidInput(f"Some fields are not valid: {listed}.", errors) from exc
        return loaded

    def _with_shapes(self, errors: dict[str, str], data: Mapping[str, Any]) -> dict[str, str]:
        """Marshmallow's type errors ("Invalid input type.") replaced by the shape the field
        expects and what came instead: "expected an object {name, position}, got a string"."""
        from workflow.fields.json_schema import expected_shape

        out = {}
        for path, message in errors.items():
            shape = expected_shape(self, path) if _is_type_error(message) else None
            if shape is not None:
                got = _kind_of(value_at(data, path))
                message = f"expected {shape}, got {got}."
            out[path] = message
        return out

    def dump(self, loaded: Mapping[str, Any]) -> dict[str, Any]:
        """To JSON-ready primitives (dates as ISO strings) for the ``fields`` column."""
        return self.schema().dump(loaded)

    def read(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """From the stored JSON back to Python values (dates as ``date``).

        The date range is not applied: what is stored may predate it (``dates.unchecked``)."""
        with dates.unchecked():
            return self.schema(unknown=RAISE).load(dict(stored), partial=True)


def _paths(schema: Schema, prefix: str = ""):
    for name, fld in schema.fields.items():
        key = fld.data_key or name
        path = f"{prefix}{key}"
        yield path
        inner = fld
        if isinstance(inner, mf.List):
            inner = inner.inner
        if isinstance(inner, mf.Nested):
            nested = inner.schema
            yield from _paths(nested, f"{path}.")


_TYPE_ERRORS = (
    "Invalid input type.",
    "Not a valid string.",
    "Not a valid integer.",
    "Not a valid number.",
    "Not a valid boolean.",
    "Not a valid date.",
    "Not a valid datetime.",
    "Not a valid list.",
    "Not a valid mapping type.",
)


def _is_type_error(message: str) -> bool:
    return any(marker in message for marker in _TYPE_ERRORS)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                child = prefix or "_schema"
            out.update(_flatten(value, child))
    elif isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            out[prefix] = " ".join(texts)
        for item in messages:
            if isinstance(item, dict):
                out.update(_flatten(item, prefix))
    else:
        out[prefix] = str(messages)
    return out


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or None."""
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


_REGISTRY: dict[str, FieldSet] = {}


def register_field_set(field_set: FieldSet) -> FieldSet:
    _REGISTRY[field_set.name] = field_set
    return field_set


def get_field_set(name: str) -> FieldSet:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no field schema named {name!r}") from None


def all_field_sets() -> dict[str, FieldSet]:
    return dict(_REGISTRY)
