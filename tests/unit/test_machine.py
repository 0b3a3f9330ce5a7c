"""The compiled machine: one per definition version, no back doors, guards as conditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.definitions.loader import load_file
from workflow.errors import Refusal, TransitionNotAllowed
from workflow.machine import CompiledMachine, mermaid_diagram

VALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "valid" / "review_loop.yaml"


@pytest.fixture(scope="module")
def machine():
    return CompiledMachine(load_file(VALID).definition)


def _ok(_spec):
    return []


def test_a_valid_trigger_reports_the_transition_taken(machine):
    attempt = machine.run("drafting", "submit", _ok)
    assert (attempt.taken.trigger, attempt.taken.dest) == ("submit", "review")


def test_there_are_no_automatic_to_state_triggers(machine):
    with pytest.raises(TransitionNotAllowed) as refused:
        machine.run("drafting", "to_signed", _ok)
    assert refused.value.reasons == ["unknown_trigger"]


def test_a_trigger_from_the_wrong_state_raises(machine):
    with pytest.raises(TransitionNotAllowed) as refused:
        machine.run("drafting", "sign", _ok)
    assert refused.value.reasons == ["wrong_state"]


def test_a_failing_guard_blocks_and_its_reason_is_kept(machine):
    def check(_spec):
        return [Refusal("guard", "not ready")]

    with pytest.raises(TransitionNotAllowed) as refused:
        machine.run("drafting", "submit", check)
    assert refused.value.message == "not ready"


def test_a_warning_does_not_block_but_is_reported(machine):
    attempt = machine.run("drafting", "submit", lambda _s: [Refusal("warning", "late")])
    assert attempt.taken is not None and [w.message for w in attempt.warnings] == ["late"]


def test_the_machine_is_shared_and_never_holds_a_case(machine):
    machine.run("drafting", "submit", _ok)
    machine.run("review", "approve", _ok)
    assert machine._machine.models == []


def test_the_diagram_marks_the_current_and_visited_states(machine):
    text = mermaid_diagram(machine.definition, "review", {"drafting"})
    assert text.startswith("stateDiagram-v2")
    assert "class review current" in text and "class drafting visited" in text
    assert "drafting --> review : submit" in text
