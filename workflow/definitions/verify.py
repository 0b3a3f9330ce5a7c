"""Static verification of a loaded definition: references, graph properties, completeness.

Each check yields ``Problem``s naming the file, the element and the rule. The rules:

=========================  =====================================================================
unknown-state              a transition, the initial state or a deadline names a missing state
unknown-role               a state, transition, review or deadline names an undeclared role
unknown-guard              a transition names a guard that is not registered
unknown-parameter          a deadline or guard names a parameter the definition does not declare
unknown-field              ``requires`` / ``editable`` / a deadline anchor is not a schema field
unknown-fields-schema      ``fields`` names no registered field schema
unknown-stage              a state's ``stage`` is not in ``stages``
unreachable-state          no path leads to the state from the initial state
no-path-to-terminal        a non-terminal state cannot reach any terminal state
terminal-has-exits         a terminal state is the source of a transition
trigger-without-role       a transition no role may fire (and not fired by the system)
task-without-role          a task state names no acting role
review-spec                a review state lacks its ``review`` block (or another state has one)
review-trigger-missing     the review's approve / reject trigger leaves no transition
quorum-too-large           the quorum exceeds the number of reviewers
ambiguous-transition       two unguarded transitions share a trigger and a source
bad-anchor                 a deadline counts back from the day the state was entered
law-without-quote          a parameter tagged ``law`` lacks its ``article`` (and part) or ``quote``
task-without-deadline      (warning) a task or review state has no deadline
mixed-calendars            (warning) federal and regional roles share a state, so its one
                           deadline cannot be on both calendars (it counts on the region's)
=========================  =====================================================================
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator

from workflow.calendar.durations import Duration
from workflow.definitions.loader import line_for
from workflow.definitions.model import SYSTEM, Definition
from workflow.definitions.performers import mixes_calendars
from workflow.definitions.problems import Problem
from workflow.fields.registry import DOCUMENT_TOKENS, all_field_sets
from workflow.guards import known_guards


def verify(definition: Definition, lines: dict[str, int] | None = None) -> list[Problem]:
    lines = lines or {}
    problems = []
    for element, rule, message, severity in _checks(definition):
        problems.append(
            Problem(
                definition.source_name, element, rule, message, severity, line_for(lines, element)
            )
        )
    return sorted(set(problems), key=lambda p: (p.line or 0, p.element, p.rule))


def _checks(d: Definition) -> Iterator[tuple[str, str, str, str]]:
    references = list(_check_references(d))
    yield from references
    yield from _check_states(d)
    yield from _check_parameters(d)
    yield from _check_transitions(d)
    # A transition to a missing state makes the graph meaningless; report the cause only.
    if not any(rule == "unknown-state" for _, rule, _, _ in references):
        yield from _check_graph(d)


def _role_refs(d: Definition) -> Iterator[tuple[str, str]]:
    for index, role in enumerate(d.start_roles):
        yield f"start_roles.{index}", role
    for name, role in d.roles.items():
        if role.supervisor:
            yield f"roles.{name}.supervisor", role.supervisor
    for name, state in d.states.items():
        for index, role in enumerate(state.roles):
            yield f"states.{name}.roles.{index}", role
        if state.review:
            for index, role in enumerate(state.review.reviewers):
                yield f"states.{name}.review.reviewers.{index}", role
            if state.review.lead:
                yield f"states.{name}.review.lead", state.review.lead
        if state.deadline and state.deadline.escalate_to:
            yield f"states.{name}.deadline.escalate_to", state.deadline.escalate_to
    for index, t in enumerate(d.transitions):
        for r_index, role in enumerate(t.roles):
            yield f"transitions.{index}.roles.{r_index}", role


def _check_references(d: Definition):
    states = d.states
    if d.initial not in states:
        yield "initial", "unknown-state", f"initial state '{d.initial}' is not defined", "error"
    for element, role in _role_refs(d):
        if role not in d.roles and role != SYSTEM:
            yield element, "unknown-role", f"role '{role}' is not declared under 'roles'", "error"

    field_sets = all_field_sets()
    field_set = field_sets.get(d.fields_schema)
    known_fields: set[str] | None = None
    if field_set is None:
        yield (
            "fields",
            "unknown-fields-schema",
            f"no field schema named '{d.fields_schema}' (known: {', '.join(sorted(field_sets))})",
            "error",
        )
    else:
        known_fields = field_set.field_paths()

    def check_field(element: str, name: str):
        if known_fields is None:
            return
        if name in DOCUMENT_TOKENS or name.startswith("documents:") or name == "*":
            return
        if name not in known_fields:
            yield (
                element,
                "unknown-field",
                (f"'{name}' is not a field of schema '{d.fields_schema}'"),
                "error",
            )

    stage_names = {name for name, _ in d.stages}
    for name, state in states.items():
        for index, field_name in enumerate(state.requires):
            yield from check_field(f"states.{name}.requires.{index}", field_name)
        for index, field_name in enumerate(state.editable):
            yield from check_field(f"states.{name}.editable.{index}", field_name)
        if state.stage and state.stage not in stage_names:
            yield (
                f"states.{name}.stage",
                "unknown-stage",
                f"stage '{state.stage}' is not listed under 'stages'",
                "error",
            )
        deadline = state.deadline
        if deadline:
            yield from _check_duration(d, f"states.{name}.deadline.within", deadline.within)
            if deadline.anchor != "entered":
                yield from check_field(
                    f"states.{name}.deadline.{deadline.direction}", deadline.anchor
                )
            elif deadline.direction == "before":
                yield (
                    f"states.{name}.deadline.before",
                    "bad-anchor",
                    "a deadline cannot fall before the day the state was entered",
                    "error",
                )
            for index, paused in enumerate(deadline.pauses_in):
                if paused not in states:
                    yield (
                        f"states.{name}.deadline.pauses_in.{index}",
                        "unknown-state",
                        f"state '{paused}' is not defined",
                        "error",
                    )

    guards = known_guards()
    for index, t in enumerate(d.transitions):
        for s_index, source in enumerate(t.sources):
            if source not in states:
                yield (
                    f"transitions.{index}.from" + (f".{s_index}" if len(t.sources) > 1 else ""),
                    "unknown-state",
                    f"'{t.trigger}': source state '{source}' is not defined",
                    "error",
                )
        if t.dest not in states:
            yield (
                f"transitions.{index}.to",
                "unknown-state",
                f"'{t.trigger}': destination state '{t.dest}' is not defined",
                "error",
            )
        for r_index, field_name in enumerate(t.requires):
            yield from check_field(f"transitions.{index}.requires.{r_index}", field_name)
        for g_index, ref in enumerate(t.guards):
            element = f"transitions.{index}.guards.{g_index}"
            if ref.name not in guards:
                yield (
                    element,
                    "unknown-guard",
                    (f"'{t.trigger}': guard '{ref.name}' is not registered"),
                    "error",
                )
            parameter = ref.params.get("parameter")
            if parameter is not None and parameter not in d.parameters:
                yield (
                    element,
                    "unknown-parameter",
                    (
                        f"'{t.trigger}': guard '{ref.name}' names parameter '{parameter}', "
                        "which is not declared"
                    ),
                    "error",
                )
            field_param = ref.params.get("field")
            if field_param is not None:
                yield from check_field(element, field_param)


def _check_duration(d: Definition, element: str, within: str):
    if within in d.parameters:
        return
    try:
        Duration.parse(within)
    except ValueError:
        yield (
            element,
            "unknown-parameter",
            (f"'{within}' is neither a declared parameter nor a duration"),
            "error",
        )


def _check_parameters(d: Definition):
    """A ``law`` tag is a claim about a text: it must say where (article and part) and what
    (the words). A figure no text confirms is ``practice`` or ``default``."""
    for name, parameter in d.parameters.items():
        if parameter.source != "law":
            continue
        for key in ("basis", "article", "quote"):
            if not getattr(parameter, key).strip():
                yield (
                    f"parameters.{name}.{key}",
                    "law-without-quote",
                    f"a 'law' term needs its {key} (the act, the article and part, and the "
                    "words that set the term); tag it 'practice' or 'default' if no text "
                    "confirms the figure",
                    "error",
                )


def _check_states(d: Definition):
    triggers_from: dict[str, set[str]] = defaultdict(set)
    for t in d.transitions:
        for source in t.sources:
            triggers_from[source].add(t.trigger)
    for name, state in d.states.items():
        if state.kind == "task" and not state.roles:
            yield (
                f"states.{name}.roles",
                "task-without-role",
                "a task state needs at least one acting role",
                "error",
            )
        if state.kind in ("task", "review") and state.deadline is None:
            yield (
                f"states.{name}",
                "task-without-deadline",
                f"{state.kind} state has no deadline: nobody will be reminded",
                "warning",
            )
        if mixes_calendars(d, state):
            yield (
                f"states.{name}",
                "mixed-calendars",
                "federal and regional roles act in one state: its deadline counts on the "
                "region's calendar for all of them; split the state to give each its own",
                "warning",
            )
        if state.kind == "review" and state.review is None:
            yield (
                f"states.{name}.review",
                "review-spec",
                "a review state needs a 'review' block (reviewers, rule, approve, reject)",
                "error",
            )
        if state.kind != "review" and state.review is not None:
            yield (
                f"states.{name}.review",
                "review-spec",
                f"only review states take a 'review' block (this is a {state.kind} state)",
                "error",
            )
        review = state.review
        if state.kind == "review" and review:
            for which in ("approve", "reject"):
                trigger = getattr(review, which)
                if trigger not in triggers_from[name]:
                    yield (
                        f"states.{name}.review.{which}",
                        "review-trigger-missing",
                        f"no transition '{trigger}' leaves '{name}'",
                        "error",
                    )
            if review.rule == "quorum" and review.quorum and review.quorum > len(review.reviewers):
                yield (
                    f"states.{name}.review.rule",
                    "quorum-too-large",
                    f"quorum {review.quorum} exceeds the number of reviewers "
                    f"({len(review.reviewers)})",
                    "error",
                )
            if review.lead and review.lead not in review.reviewers:
                yield (
                    f"states.{name}.review.lead",
                    "unknown-role",
                    f"lead '{review.lead}' is not one of the reviewers",
                    "error",
                )
            if not review.reviewers:
                yield (
                    f"states.{name}.review.reviewers",
                    "review-spec",
                    "a review needs at least one reviewer role",
                    "error",
                )


def _check_transitions(d: Definition):
    seen: dict[tuple[str, str], int] = {}
    for index, t in enumerate(d.transitions):
        if not t.roles and not t.by_system:
            yield (
                f"transitions.{index}.roles",
                "trigger-without-role",
                f"'{t.trigger}' names no role that may fire it",
                "error",
            )
        for source in t.sources:
            state = d.states.get(source)
            if state is not None and state.is_terminal:
                yield (
                    f"transitions.{index}.from",
                    "terminal-has-exits",
                    f"'{t.trigger}' leaves terminal state '{source}'",
                    "error",
                )
            key = (source, t.trigger)
            if key in seen and not t.guards and not d.transitions[seen[key]].guards:
                yield (
                    f"transitions.{index}",
                    "ambiguous-transition",
                    f"'{t.trigger}' from '{source}' is already defined by transition "
                    f"{seen[key]} and can never fire",
                    "error",
                )
            seen.setdefault(key, index)


def _check_graph(d: Definition):
    if d.initial not in d.states:
        return
    edges: dict[str, set[str]] = defaultdict(set)
    reverse: dict[str, set[str]] = defaultdict(set)
    for t in d.transitions:
        for source in t.sources:
            edges[source].add(t.dest)
            reverse[t.dest].add(source)
    reachable = _closure(d.initial, edges)
    for name in d.states:
        if name not in reachable:
            yield (
                f"states.{name}",
                "unreachable-state",
                f"'{name}' cannot be reached from the initial state '{d.initial}'",
                "error",
            )
    terminals = [n for n, s in d.states.items() if s.is_terminal]
    can_finish: set[str] = set()
    for terminal in terminals:
        can_finish |= _closure(terminal, reverse)
    for name, state in d.states.items():
        if not state.is_terminal and name not in can_finish:
            yield (
                f"states.{name}",
                "no-path-to-terminal",
                f"no sequence of transitions leads from '{name}' to a terminal state",
                "error",
            )


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
