"""Immutable specs of a workflow definition, as loaded and verified from YAML.

A ``Definition`` describes a procedure; it never holds the state of a running case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workflow.calendar.durations import Duration

STATE_KINDS = ("task", "review", "wait", "terminal")
ROLE_SCOPES = ("party", "region", "global")
SYSTEM = "system"  # pseudo-role for transitions fired by the worker (timers)


@dataclass(frozen=True)
class Text:
    ru: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.ru


@dataclass(frozen=True)
class RoleSpec:
    """A role the definition uses. ``scope`` says whose cases a holder may act on:

    - ``party``: cases whose Russian party (owner) is the holder's organization;
    - ``region``: cases of the holder's region (its own and its municipalities');
    - ``global``: any case (federal bodies, the coordinating agency).
    """

    name: str
    title: Text
    scope: str
    supervisor: str | None = None  # role that receives escalations and may reassign


@dataclass(frozen=True)
class ActRef:
    """The act a region's override comes from."""

    title: str
    number: str
    date: dt.date
    article: str

    def __str__(self) -> str:
        return f"{self.title}, No. {self.number} of {self.date:%d.%m.%Y}, {self.article}"


@dataclass(frozen=True)
class ParameterSpec:
    """A tunable term, with where it comes from: ``law``, ``practice`` or ``default``.

    ``law`` carries ``article`` (article and part) and ``quote``; a region's override carries
    ``act`` (its source), or is demo data.
    """

    name: str
    value: Duration
    source: str
    basis: str = ""
    note: str = ""
    article: str = ""
    quote: str = ""
    act: ActRef | None = None


@dataclass(frozen=True)
class DeadlineSpec:
    """When a state's work is due: ``within`` a duration after an anchor, or before one.

    ``anchor`` is ``"entered"`` (the day the case entered the state) or a date field's name.
    """

    within: str  # a parameter name, or a literal duration such as "10 working_days"
    direction: str  # "after" | "before"
    anchor: str
    pauses_in: tuple[str, ...] = ()
    escalate_to: str | None = None


@dataclass(frozen=True)
class ReviewSpec:
    reviewers: tuple[str, ...]
    rule: str  # "all" | "any" | "quorum"
    quorum: int | None
    approve: str  # trigger that counts as a reviewer's "no objections"
    reject: str  # trigger that returns the draft (ends the round for everyone)
    lead: str | None = None  # a reviewer whose "no objections" is always required


@dataclass(frozen=True)
class StateSpec:
    name: str
    kind: str
    title: Text
    roles: tuple[str, ...] = ()
    assignee: str | None = None  # "creator": the task goes straight to the case's creator
    deadline: DeadlineSpec | None = None
    reminders: tuple[Duration, ...] = ()
    requires: tuple[str, ...] = ()
    editable: tuple[str, ...] = ()
    review: ReviewSpec | None = None
    public: bool = False
    stage: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.kind == "terminal"


@dataclass(frozen=True)
class GuardRef:
    name: str
    severity: str = "block"  # "block" refuses; "warn" allows and records a warning
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    title: Text
    guards: tuple[GuardRef, ...] = ()
    comment: str = "optional"  # "required" | "optional" | "none"
    requires: tuple[str, ...] = ()
    check_requirements: bool = True  # False for withdraw / return: leaving without the fields
    by_system: bool = False

    @property
    def comment_required(self) -> bool:
        return self.comment == "required"


@dataclass(frozen=True)
class Definition:
    key: str
    title: Text
    category: str  # agreement | plan | meeting
    initial: str
    fields_schema: str
    start_roles: tuple[str, ...]
    roles: MappingProxyType  # name -> RoleSpec
    parameters: MappingProxyType  # name -> ParameterSpec
    states: MappingProxyType  # name -> StateSpec (in file order)
    transitions: tuple[TransitionSpec, ...]
    stages: tuple[tuple[str, Text], ...] = ()
    content_hash: str = ""
    source_name: str = ""
    source_text: str = ""
    raw: Any = None

    def transitions_from(self, state: str) -> list[TransitionSpec]:
        return [t for t in self.transitions if state in t.sources]

    def candidates(self, state: str, trigger: str) -> list[TransitionSpec]:
        return [t for t in self.transitions if t.trigger == trigger and state in t.sources]

    @property
    def triggers(self) -> set[str]:
        return {t.trigger for t in self.transitions}

    @property
    def terminal_states(self) -> list[str]:
        return [s.name for s in self.states.values() if s.is_terminal]
