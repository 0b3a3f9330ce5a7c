"""The edit form grouped by stage: what the procedure needs now first, then what earlier
stages asked for, then details no step requires. Fields a later stage needs (the registration
entry, the termination notice) appear only once the case gets there, or once they hold a value.

Which stage needs a field comes from the definition, not from a template: a state's
``requires`` belong to its stage; a transition's ``requires`` and the fields its guards read
belong to the earliest stage it leaves from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from web import defs
from web.fieldforms import FieldInput, mark_required
from workflow.definitions.model import Definition

OTHER = _l("Other details")


@dataclass
class FieldGroup:
    key: str
    title: str
    inputs: list[FieldInput] = field(default_factory=list)
    current: bool = False


def _stage_index(definition: Definition) -> dict[str, int]:
    """State name → position of its stage (states without a stage: after every stage)."""
    order = {name: index for index, (name, _title) in enumerate(definition.stages)}
    return {
        name: order.get(spec.stage or "", len(order)) for name, spec in definition.states.items()
    }


def needed_at(definition: Definition) -> dict[str, int]:
    """Each required path (``partner.country``, ``registration``) → the earliest stage index
    at which the definition asks for it."""
    index = _stage_index(definition)
    found: dict[str, int] = {}

    def note(paths: Iterable[str], at: int) -> None:
        for path in paths:
            if isinstance(path, str) and not path.startswith("documents"):
                found[path] = min(found.get(path, at), at)

    for name, spec in definition.states.items():
        note(spec.requires, index[name])
    for transition in definition.transitions:
        sources = [index[s] for s in transition.sources if s in index]
        if not sources:
            continue
        guarded = []
        for ref in transition.guards:
            guarded.extend(ref.params.get("fields") or [ref.params.get("field")])
        note([*transition.requires, *guarded], min(sources))
    return found


def _stage_of(item: FieldInput, needed: dict[str, int]) -> int | None:
    hits = [
        at for path, at in needed.items() if item.covers(path) or path.startswith(item.path + ".")
    ]
    if not hits and "." in item.path:
        # A leaf no step names goes with its record (the partner's native name with the
        # partner's country).
        top = item.path.split(".", 1)[0] + "."
        hits = [at for path, at in needed.items() if path.startswith(top)]
    return min(hits) if hits else None


def _has_value(item: FieldInput) -> bool:
    return item.value not in (None, "", [], False)


def group_inputs(
    definition: Definition, state: str, inputs: list[FieldInput], needed_now: Iterable[str]
) -> list[FieldGroup]:
    """``inputs`` of the edit form in groups by stage, the current stage first; marks as
    required what the current state and its actions need (``needed_now``)."""
    mark_required(inputs, needed_now)
    needed = needed_at(definition)
    current = _stage_index(definition).get(state, 0)
    stages = list(definition.stages)
    groups: dict[int, FieldGroup] = {}
    other = FieldGroup("other", str(OTHER))
    for item in inputs:
        at = _stage_of(item, needed)
        if item.required:
            at = min(at, current) if at is not None else current
        if at is None:
            other.inputs.append(item)
            continue
        if at > current and not _has_value(item):
            continue  # a later stage's field: offered when the case gets there
        if at not in groups:
            key, title = stages[at] if at < len(stages) else ("later", None)
            groups[at] = FieldGroup(key, defs.text(title) if title else str(OTHER))
        groups[at].inputs.append(item)
    ordered = []
    if current in groups:
        groups[current].current = True
        ordered.append(groups.pop(current))
    ordered.extend(groups[at] for at in sorted(groups))
    if other.inputs:
        ordered.append(other)
    return ordered
