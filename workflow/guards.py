"""Named guards: "is the case ready for this transition?" — never "may this user do it?".

A definition refers to guards by name; the verifier rejects unknown names. A guard receives a
``GuardContext`` (plain data about the case, loaded by the service before the transition) and its
``params`` from the definition, and returns ``None`` when satisfied or a ``Refusal`` saying why
not. Guards never write anything.

Register a guard with ``@guard("name")``. Domain guards live in ``workflow.domain_guards``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from workflow.calendar.durations import Duration
from workflow.calendar.production import ProductionCalendar
from workflow.calendar.terms import earliest_anchor_for, term_before
from workflow.errors import Refusal
from workflow.fields.registry import as_date, is_blank, value_at


@dataclass(frozen=True)
class DocumentInfo:
    language: str
    number: int
    sha256: str


@dataclass
class GuardContext:
    case_id: int | None
    kind: str
    state: str
    fields: Mapping[str, Any]  # stored (JSON) form: dates are ISO strings
    today: dt.date
    calendar: ProductionCalendar
    parameter: Callable[[str], Duration]  # resolves a parameter for the case's region
    documents: Callable[[], Mapping[str, DocumentInfo]]  # latest version per language
    approved_documents: Callable[[], Mapping[str, Any] | None]  # snapshot of the last approval
    data: Mapping[str, Any] = field(default_factory=dict)  # payload sent with the trigger
    # The service's session, for domain guards that must read related rows (the case's history,
    # its plan of activities). Read-only by contract: a guard never writes.
    session: Any = None

    def field(self, path: str) -> Any:
        if path in self.data:
            return self.data[path]
        return value_at(self.fields, path)


GuardFn = Callable[[GuardContext, Mapping[str, Any]], Refusal | None]
_GUARDS: dict[str, GuardFn] = {}


def guard(name: str) -> Callable[[GuardFn], GuardFn]:
    def register(fn: GuardFn) -> GuardFn:
        def named(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
            # The guard's name is the refusal's machine-readable code: a page or an API
            # client words it in its own language from the name and the details.
            refusal = fn(ctx, params)
            if refusal is not None and refusal.reason == "guard" and "guard" not in refusal.details:
                refusal = replace(refusal, details={**refusal.details, "guard": name})
            return refusal

        _GUARDS[name] = named
        return fn

    return register


def get_guard(name: str) -> GuardFn:
    return _GUARDS[name]


def known_guards() -> set[str]:
    return set(_GUARDS)


def _fmt(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


@guard("lead_time")
def lead_time(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """Today must be no later than ``parameter`` before the date in ``field``.

    Example: the draft must reach the federal bodies no later than one month before the planned
    signing date. The refusal names the rule, the last allowed day and the earliest signing date
    still possible if the action is taken today.
    """
    field_name = params["field"]
    parameter = params["parameter"]
    anchor = as_date(ctx.field(field_name))
    if anchor is None:
        return Refusal("missing_fields", f"'{field_name}' is required.", {"missing": [field_name]})
    duration = ctx.parameter(parameter)
    last_day = term_before(ctx.calendar, anchor, duration)
    if ctx.today <= last_day:
        return None
    earliest = earliest_anchor_for(ctx.calendar, ctx.today, duration)
    # A definition's rule text may say "{duration}": the value in force for this region.
    rule = (params.get("rule") or "no later than {duration} before {field}").format(
        duration=duration, field=field_name
    )
    return Refusal(
        "lead_time",
        f"Rule '{rule}': for {field_name} {_fmt(anchor)} the last day was {_fmt(last_day)}; "
        f"the earliest {field_name} allowed from today is {_fmt(earliest)}.",
        {
            "rule": rule,
            "parameter": parameter,
            "field": field_name,
            "date": anchor.isoformat(),
            "last_allowed_day": last_day.isoformat(),
            "earliest_allowed_date": earliest.isoformat(),
        },
    )


@guard("date_not_in_past")
def date_not_in_past(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    field_name = params["field"]
    day = as_date(ctx.field(field_name))
    if day is None:
        return Refusal("missing_fields", f"'{field_name}' is required.", {"missing": [field_name]})
    if day < ctx.today:
        return Refusal("guard", f"{field_name} {_fmt(day)} is in the past.", {"field": field_name})
    return None


@guard("field_equals")
def field_equals(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """Routes a trigger, e.g. ``submit`` goes to the Government's consent for national partners."""
    value = ctx.field(params["field"])
    expected = params["value"]
    matches = value in expected if isinstance(expected, list) else value == expected
    if matches:
        return None
    return Refusal("guard", params.get("message") or f"{params['field']} is not {expected!r}.")


@guard("field_not_equals")
def field_not_equals(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    value = ctx.field(params["field"])
    expected = params["value"]
    matches = value in expected if isinstance(expected, list) else value == expected
    if not matches:
        return None
    return Refusal("guard", params.get("message") or f"{params['field']} is {value!r}.")


@guard("documents_match_approved")
def documents_match_approved(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The texts being signed are exactly the versions the reviewers approved (SHA-256 match)."""
    approved = ctx.approved_documents()
    if not approved:
        return Refusal("guard", "No approved version of the texts exists.")
    current = ctx.documents()
    changed = sorted(
        lang
        for lang, doc in approved.items()
        if lang not in current or current[lang].sha256 != doc["sha256"]
    )
    if changed:
        return Refusal(
            "guard",
            "The texts differ from the approved version: " + ", ".join(changed) + ".",
            {"changed_languages": changed},
        )
    return None


def missing_requirements(ctx: GuardContext, requirements: tuple[str, ...]) -> list[str]:
    """Which of the required fields or documents are absent, in the definition's order."""
    missing: list[str] = []
    documents: Mapping[str, DocumentInfo] | None = None
    for requirement in requirements:
        if requirement == "documents:partner" and not _partner_languages(ctx):
            # Which partner text is wanted depends on the declared languages: while none but
            # Russian is declared, what is missing is the partner's language (``languages``,
            # a field the step's own form can ask for; ``languages:partner`` when only Russian
            # is declared), and a text only if none in another language exists.
            if documents is None:
                documents = ctx.documents()
            blank = is_blank(ctx.field("languages"))
            missing.append("languages" if blank else "languages:partner")
            if not any(language != "ru" for language in documents):
                missing.append("documents:partner")
        elif requirement.startswith("documents"):
            if documents is None:
                documents = ctx.documents()
            for language in _required_languages(ctx, requirement):
                if language not in documents:
                    missing.append(f"documents:{language}")
        elif is_blank(ctx.field(requirement)):
            missing.append(requirement)
    return list(dict.fromkeys(missing))


def _partner_languages(ctx: GuardContext) -> list[str]:
    return [lang for lang in ctx.field("languages") or [] if lang != "ru"]


def _required_languages(ctx: GuardContext, requirement: str) -> list[str]:
    languages = list(value_at(ctx.fields, "languages") or [])
    if requirement == "documents:ru":
        return ["ru"]
    if requirement == "documents:partner":
        return [lang for lang in languages if lang != "ru"] or ["partner"]
    if requirement == "documents":
        return languages or ["ru"]
    return [requirement.split(":", 1)[1]]


# Domain guards register themselves on import; imported last so they can use this module.
from workflow import domain_guards  # noqa: E402, F401  isort: skip
