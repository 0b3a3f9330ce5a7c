"""Field data sent with a trigger: which fields a step may set, and the indexed copies.

A trigger may carry field values (the signing date and place of each party, a registration
number). It may set only what the step is about: the fields its state and transition require,
the fields its guards read (so a person can move a date a rule refuses), and the fields the
state lets one edit. Anything else is refused, so an action cannot be used to rewrite fields
the state has locked (a meeting date, say, that only the reschedule service may move).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workflow.definitions.model import StateSpec, TransitionSpec
from workflow.errors import InvalidInput
from workflow.fields import get_field_set
from workflow.fields.registry import DOCUMENT_TOKENS


def settable_paths(state: StateSpec, candidates: Iterable[TransitionSpec]) -> set[str]:
    paths = set(state.requires) | set(state.editable)
    for spec in candidates:
        paths |= set(spec.requires)
        for ref in spec.guards:
            named = ref.params.get("fields") or [ref.params.get("field")]
            paths |= {p for p in named if isinstance(p, str)}
    return {p for p in paths if p not in DOCUMENT_TOKENS and not p.startswith("documents")}


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, f"{path}.")
        else:
            yield path


def check_settable(
    state: StateSpec, candidates: Iterable[TransitionSpec], data: Mapping[str, Any]
) -> None:
    """Raise ``InvalidInput`` naming every field of ``data`` this step may not set."""
    allowed = settable_paths(state, candidates)
    if "*" in allowed:
        return
    refused = sorted(
        leaf
        for leaf in _leaves(data)
        if not any(leaf == a or leaf.startswith(a + ".") for a in allowed)
    )
    if refused:
        raise InvalidInput(
            "This action cannot change: " + ", ".join(refused) + ".",
            dict.fromkeys(refused, "Not set by this action."),
        )


def promoted_columns(schema_name: str, stored_fields: dict[str, Any]) -> dict[str, Any]:
    """Indexed columns derived from fields (title, planned date, partner country)."""
    field_set = get_field_set(schema_name)
    loaded = field_set.read(stored_fields)
    values = {}
    for column, extract in field_set.promote.items():
        value = extract(loaded)
        if column == "title" and not value:
            continue
        values[column] = value
    return values
