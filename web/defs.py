"""Definition lookups for pages: titles of kinds, states, triggers and roles in the request's
language, stage chevrons, and which states are public.

Everything here reads the engine's in-memory catalog; a case pinned to an old definition version
that is not loaded yet costs one query the first time (the catalog caches it).
"""

from __future__ import annotations

from dataclasses import dataclass

from web.current import engine
from web.i18n import language
from workflow.definitions.catalog import Version
from workflow.definitions.model import Definition, StateSpec, Text
from workflow.definitions.performers import calendar_code
from workflow.errors import NotFound


def text(value: Text | None) -> str:
    return value.get(language()) if value is not None else ""


def version(definition_id: int) -> Version:
    catalog = engine().catalog
    try:
        return catalog.get(definition_id)
    except NotFound:
        with engine().uow(write=False) as uow:
            return catalog.get(definition_id, uow.session)


def definition(definition_id: int) -> Definition:
    return version(definition_id).definition


def current(kind: str) -> Definition | None:
    return engine().catalog.definitions.definitions.get(kind)


def all_current() -> dict[str, Definition]:
    return dict(engine().catalog.definitions.definitions)


def kind_title(kind: str) -> str:
    found = current(kind)
    return text(found.title) if found else kind


def state_spec(definition_id: int, state: str) -> StateSpec | None:
    return definition(definition_id).states.get(state)


def task_calendar(definition_id: int, state: str, region_calendar: str | None) -> str | None:
    """The calendar code a task of ``state`` counts on (``due(on, code)``): the federal
    calendar (None) for a federal body's work, the case's region's otherwise."""
    return calendar_code(definition(definition_id), state, region_calendar)


def state_title(definition_id: int, state: str | None) -> str:
    if not state:
        return ""
    spec = state_spec(definition_id, state)
    return text(spec.title) if spec else state


def trigger_title(definition_id: int, trigger: str | None) -> str:
    if not trigger:
        return ""
    for spec in definition(definition_id).transitions:
        if spec.trigger == trigger:
            return text(spec.title)
    return trigger


def role_title(definition_id: int, role: str) -> str:
    spec = definition(definition_id).roles.get(role)
    return text(spec.title) if spec else role


def badge(definition_id: int, state: str) -> str:
    """A CSS modifier for a state's badge: done, public (success), review, task, waiting."""
    spec = state_spec(definition_id, state)
    if spec is None:
        return "muted"
    if spec.is_terminal:
        return "success" if spec.public else "muted"
    if spec.public:
        return "success"
    return {"review": "review", "task": "task", "wait": "waiting"}.get(spec.kind, "task")


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    status: str  # done | current | next


def chevron(definition_id: int, state: str) -> list[Stage]:
    """The definition's stages marked done / current / next for a case in ``state``."""
    found = definition(definition_id)
    if not found.stages:
        return []
    spec = found.states.get(state)
    names = [name for name, _ in found.stages]
    current_index = names.index(spec.stage) if spec and spec.stage in names else None
    if current_index is None and spec is not None and spec.is_terminal and spec.public:
        current_index = len(names)  # finished successfully: every stage is done
    stages = []
    for index, (name, title) in enumerate(found.stages):
        if current_index is None:
            status = "next"
        elif index < current_index:
            status = "done"
        elif index == current_index:
            status = "current"
        else:
            status = "next"
        stages.append(Stage(name, text(title), status))
    return stages


def public_states() -> dict[str, frozenset[str]]:
    """``kind -> states marked public`` in the current definitions.

    A case pinned to an older version is public when its state is public in the current one:
    state names are stable across versions, and reading only current versions keeps a public
    page from loading every historical definition.
    """
    return {
        key: frozenset(name for name, spec in d.states.items() if spec.public)
        for key, d in all_current().items()
    }


def kinds_of(category: str) -> tuple[str, ...]:
    return tuple(k for k, d in sorted(all_current().items()) if d.category == category)
