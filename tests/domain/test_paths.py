"""Every simple path of every shipped definition, from the initial state to a terminal state,
walked through the Engine services by people holding the roles the definition names.

The paths are generated from each definition's graph (``tests.domain.paths``); a new state or
transition in a definition adds its paths here without touching this file. Loops (conciliation,
reports, renewal) are in no simple path and are tested in ``test_loops.py``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.domain.paths import path_id, simple_paths
from tests.domain.walking import RECIPES, Walk
from workflow.audit import verify_case
from workflow.definitions.directory import load_verified
from workflow.persistence.models import AuditEvent, Case, Reminder, Task

DEFINITIONS = load_verified().definitions
PATHS = [
    pytest.param(key, steps, id=f"{key}:{path_id(steps)}")
    for key, definition in sorted(DEFINITIONS.items())
    for steps in simple_paths(definition)
]


# Transitions that lead back to a state already passed, and self-loops: on no simple path by
# nature. Each is walked in test_loops.py. A transition missing from every path and from this
# list is a dead edge of the graph.
LOOPS = {
    "activity_plan": {("adopted", "report_quarter"), ("revision", "resubmit_plan")},
    "coordination_cycle": {("minutes_drafted", "return_minutes"), ("monitoring", "record_quarter")},
    "regional_agreement": {
        ("conciliation", "resubmit"),
        ("implementation", "renew"),
        ("in_force", "renew"),
        ("internal_clearance", "return_to_drafting"),
        ("signing_scheduled", "reschedule_signing"),
        ("suspended", "resume"),
        ("termination_pending", "withdraw_notice"),
    },
    "twin_city_agreement": {
        ("conciliation", "resubmit"),
        ("implementation", "submit_annual_report"),
        ("in_force", "submit_annual_report"),
        ("municipal_approval", "return_to_drafting"),
        ("termination_pending", "withdraw_notice"),
    },
}


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_every_state_and_every_forward_transition_lies_on_a_simple_path(key):
    definition = DEFINITIONS[key]
    paths = list(simple_paths(definition))
    on_a_path = {(source, spec.trigger) for steps in paths for source, spec in steps}
    every = {(source, t.trigger) for t in definition.transitions for source in t.sources}
    assert every - on_a_path == LOOPS[key]
    visited = {definition.initial} | {spec.dest for steps in paths for _source, spec in steps}
    assert visited == set(definition.states)


@pytest.mark.parametrize(("key", "steps"), PATHS)
def test_simple_path_is_walkable_by_the_roles_it_names(key, steps, domain_world):
    engine = domain_world.engine
    definition = DEFINITIONS[key]
    states = {definition.initial} | {spec.dest for _source, spec in steps}
    walk = Walk(domain_world, definition, RECIPES[key], states)
    walk.case_id = RECIPES[key].start(walk)
    assert walk.state() == definition.initial
    for source, spec in steps:
        walk.step(source, spec)

    with engine.uow(write=False) as uow:
        s = uow.session
        case = s.get(Case, walk.case_id)
        assert case.is_closed and definition.states[case.state].is_terminal
        seqs = list(
            s.scalars(
                select(AuditEvent.seq).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
            )
        )
        assert seqs == list(range(1, case.version + 1))
        moves = list(
            s.execute(
                select(AuditEvent.from_state, AuditEvent.trigger, AuditEvent.to_state)
                .where(AuditEvent.case_id == case.id, AuditEvent.kind == "transition")
                .order_by(AuditEvent.seq)
            )
        )
        assert [tuple(m) for m in moves] == [(src, t.trigger, t.dest) for src, t in steps]
        workflow_tasks_open = s.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.case_id == case.id, Task.status == "open", Task.state != "decision")
        )
        assert workflow_tasks_open == 0
        stray = s.scalar(
            select(func.count())
            .select_from(Reminder)
            .join(Task, Task.id == Reminder.task_id)
            .where(Reminder.case_id == case.id, Reminder.status == "pending", Task.status != "open")
        )
        assert stray == 0
        assert verify_case(s, case.id) is None
