"""Simple paths of a definition's graph, from the initial state to a terminal state.

A simple path visits no state twice, so loops (conciliation, self-loops such as an annual
report) appear in no path; they have tests of their own. Each step is the transition taken,
so two transitions between the same states (different triggers) give two paths.
"""

from __future__ import annotations

from collections.abc import Iterator

from workflow.definitions.model import Definition, TransitionSpec

Step = tuple[str, TransitionSpec]  # (source state, transition)


def simple_paths(definition: Definition) -> Iterator[tuple[Step, ...]]:
    def walk(state: str, seen: frozenset[str], steps: tuple[Step, ...]):
        if definition.states[state].is_terminal:
            yield steps
            return
        for spec in definition.transitions_from(state):
            if spec.dest in seen:
                continue
            yield from walk(spec.dest, seen | {spec.dest}, (*steps, (state, spec)))

    yield from walk(definition.initial, frozenset({definition.initial}), ())


def path_id(steps: tuple[Step, ...]) -> str:
    return ">".join(spec.trigger for _source, spec in steps)
