"""Compiled state machines: the only module that imports ``transitions``.

One ``Machine`` is built per definition version and shared by every case of that version
(building one costs ~40 triggers; see STACK-NOTES). Cases are never registered with the machine:
a trigger runs on a throwaway ``_Token`` holding the current state, and the machine reports which
transition applied. Guards run as the machine's conditions, so when several transitions share a
trigger and a source (a route that depends on the data), the first whose guards pass is taken,
exactly as the definition orders them. Callbacks only touch the token and the in-memory
``Attempt``: nothing here talks to the database, so a later failure can be rolled back whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from transitions import Machine, MachineError

from workflow.definitions.model import Definition, TransitionSpec
from workflow.errors import Refusal, TransitionNotAllowed


class _Token:
    """Stands in for a case while the machine runs; holds nothing but the state."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


@dataclass
class Attempt:
    """What one trigger attempt found: the transition taken, or why each candidate was refused."""

    check: Callable[[TransitionSpec], list[Refusal]]
    refusals: list[Refusal] = field(default_factory=list)
    taken: TransitionSpec | None = None
    warnings: list[Refusal] = field(default_factory=list)


class CompiledMachine:
    def __init__(self, definition: Definition):
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for spec in definition.transitions:
            self._machine.add_transition(
                spec.trigger,
                list(spec.sources),
                spec.dest,
                conditions=[self._condition(spec)],
                after=[self._taken(spec)],
            )

    @staticmethod
    def _condition(spec: TransitionSpec):
        def condition(event) -> bool:
            attempt: Attempt = event.kwargs["attempt"]
            problems = attempt.check(spec)
            blocking = [p for p in problems if p.reason != "warning"]
            if blocking:
                attempt.refusals.extend(blocking)
                return False
            attempt.warnings.extend(p for p in problems if p.reason == "warning")
            return True

        return condition

    @staticmethod
    def _taken(spec: TransitionSpec):
        def after(event) -> None:
            event.kwargs["attempt"].taken = spec

        return after

    def run(
        self, state: str, trigger: str, check: Callable[[TransitionSpec], list[Refusal]]
    ) -> Attempt:
        """Fire ``trigger`` from ``state``; return the attempt, or raise ``TransitionNotAllowed``.

        ``check(spec)`` returns the refusals for one candidate transition (guards, missing
        fields); refusals with reason ``"warning"`` do not block but are kept on the attempt.
        """
        attempt = Attempt(check=check)
        event = self._machine.events.get(trigger)
        if event is None:
            raise TransitionNotAllowed(
                [
                    Refusal(
                        "unknown_trigger", f"'{trigger}' is not an action of {self.definition.key}."
                    )
                ]
            )
        token = _Token(state)
        try:
            moved = event.trigger(token, attempt=attempt)
        except MachineError:
            raise TransitionNotAllowed(
                [
                    Refusal(
                        "wrong_state",
                        f"'{trigger}' cannot be done in state '{state}'.",
                        {"state": state, "trigger": trigger},
                    )
                ]
            ) from None
        if not moved or attempt.taken is None:
            raise TransitionNotAllowed(
                attempt.refusals or [Refusal("guard", f"'{trigger}' is not possible now.")]
            )
        return attempt

    def is_valid_state(self, state: str) -> bool:
        return state in self.definition.states

    def mermaid(self, highlight: str | None = None, visited: set[str] | None = None) -> str:
        """The definition as a Mermaid state diagram; ``highlight`` marks the current state."""
        return mermaid_diagram(self.definition, highlight, visited or set())


def mermaid_diagram(
    definition: Definition,
    highlight: str | None = None,
    visited: set[str] | frozenset[str] = frozenset(),
) -> str:
    """Mermaid ``stateDiagram-v2`` text. Written by hand rather than with transitions'
    GraphMachine so it works without building a second machine and styles visited states too."""
    lines = ["stateDiagram-v2", f"    [*] --> {definition.initial}"]
    for name, state in definition.states.items():
        lines.append(f"    {name} : {state.title.ru}")
    for spec in definition.transitions:
        for source in spec.sources:
            lines.append(f"    {source} --> {spec.dest} : {spec.trigger}")
    for name in definition.terminal_states:
        lines.append(f"    {name} --> [*]")
    lines.append("    classDef current fill:#1f6feb,color:#fff,stroke:#0b3d91,stroke-width:3px")
    lines.append("    classDef visited fill:#d4edda,stroke:#2f7a3f")
    for name in sorted(visited - {highlight}):
        if name in definition.states:
            lines.append(f"    class {name} visited")
    if highlight and highlight in definition.states:
        lines.append(f"    class {highlight} current")
    return "\n".join(lines) + "\n"
