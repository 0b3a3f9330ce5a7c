"""Random walks over the shipped definitions keep the engine's invariants.

For each definition, each hypothesis example starts a new case in one shared database, walks it
some way along a random simple path of the definition (so that every part of the graph is a
starting point: reviews, signing, monitoring...), then fires random triggers as random users,
with or without the data the trigger needs, takes actions the case page offers, adds
document versions, lets time pass, and, for meetings and plans, calls their services (hold,
cancel, move the meeting, write minutes, add plan items). After every step:

- the case only ever moved along an edge of its definition, and never left a terminal state;
- a review state has exactly one open task per reviewer role that has not yet approved in the
  current round; a task state exactly one open task of that state; wait and terminal states
  none (a meeting decision's follow-up tasks live outside the states and are not counted);
- no pending reminder belongs to a closed task;
- audit events are exactly the successful changes, numbered 1..version, and the chain verifies.

Sizes: ``EXAMPLES`` per definition and backend; ``SOGLASIE_QUICK_HYPOTHESIS`` makes them small.
"""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.domain.conftest import START
from tests.domain.paths import simple_paths
from tests.domain.walking import COMMENT, RECIPES, Walk, adopted_plan
from tests.domain.world import USERS
from workflow.audit import verify_case
from workflow.clock import MOSCOW
from workflow.definitions.directory import load_verified
from workflow.errors import (
    ConcurrentUpdate,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import AuditEvent, Case, Reminder, ReviewRound, Task
from workflow.policy import role_in_scope
from workflow.services.meeting_minutes import DecisionInput

DEFINITIONS = load_verified().definitions
EXAMPLES = {"sqlite": 30, "postgres": 8}
if os.environ.get("SOGLASIE_QUICK_HYPOTHESIS"):
    EXAMPLES = {"sqlite": 10, "postgres": 5}
STEPS = 20
REFUSALS = (
    TransitionNotAllowed,
    PermissionDenied,
    NotFound,
    ConcurrentUpdate,
    InvalidInput,
    Conflict,
)
USERNAMES = [username for username, _org, _roles in USERS]


def make_machine(world, clock, definition):
    key = definition.key
    recipe = RECIPES[key]
    engine = world.engine
    edges = {(source, t.trigger, t.dest) for t in definition.transitions for source in t.sources}
    triggers = sorted(definition.triggers)
    paths = list(simple_paths(definition))
    # People who hold a role of this definition somewhere: the offered-action rule draws them.
    actors = [u for u, _org, roles in USERS if set(roles) & set(definition.roles)]

    class CaseWalk(RuleBasedStateMachine):
        @initialize(
            path=st.sampled_from(paths),
            depth=st.integers(min_value=0, max_value=20),
            start_day=st.integers(min_value=0, max_value=400),
        )
        def start(self, path, depth, start_day):
            """A new case, walked some way along a random simple path (so random steps start
            from every part of the graph, reviews and signing included)."""
            # Each example starts on its own day of 2026-2027, so walks cross holidays and
            # years, and time does not drift for ever across examples.
            clock.set(START + dt.timedelta(days=start_day))
            states = {definition.initial} | {spec.dest for _source, spec in path}
            self.walk = Walk(world, definition, recipe, states)
            self.walk.case_id = recipe.start(self.walk)
            self.case_id = self.walk.case_id
            for source, spec in path[:depth]:
                self.walk.step(source, spec)
            with engine.uow(write=False) as uow:
                case = uow.session.get(Case, self.case_id)
                self.state, self.changes = case.state, case.version
                self.case = SimpleNamespace(
                    owner_org_id=case.owner_org_id, region_id=case.region_id
                )

        def _moved(self, result, trigger, before):
            assert not definition.states[before].is_terminal, f"left {before} by {trigger}"
            self.changes += 1
            if result is None or result.moved:
                after = result.to_state if result else self._db_state()
                assert (before, trigger, after) in edges, (before, trigger, after)
                self.state = after
            else:
                review = definition.states[before].review
                assert review is not None and trigger == review.approve

        def _db_state(self):
            with engine.uow(write=False) as uow:
                return uow.session.scalar(select(Case.state).where(Case.id == self.case_id))

        @rule(
            trigger=st.sampled_from(triggers),
            user=st.sampled_from(USERNAMES),
            with_data=st.booleans(),
            comment=st.sampled_from([None, COMMENT]),
        )
        def fire(self, trigger, user, with_data, comment):
            before = self.state
            data = (
                recipe.data[trigger](engine.today()) if with_data and trigger in recipe.data else {}
            )
            try:
                result = engine.fire(self.case_id, trigger, world.actor(user), comment, None, data)
            except REFUSALS:
                return
            self._moved(result, trigger, before)

        @precondition(lambda self: not definition.states[self.state].is_terminal)
        @rule(choice=st.data(), count=st.integers(min_value=1, max_value=6))
        def take_offered_actions(self, choice, count):
            """Up to ``count`` times, someone who may act takes an action the case page offers
            (preferring those that do not end the case)."""
            for _ in range(count):
                if definition.states[self.state].is_terminal or not self._take_offered(choice):
                    return

        def _take_offered(self, choice) -> bool:
            before = self.state
            roles = {r for t in definition.transitions_from(before) for r in t.roles}
            people = [
                u
                for u in actors
                if any(role_in_scope(definition, r, world.actor(u).me, self.case) for r in roles)
            ]
            options = []
            for user in people:
                try:
                    offered = engine.available_transitions(self.case_id, world.actor(user))
                except REFUSALS:
                    continue
                # Weighted towards going on rather than ending (withdrawal, cancellation); an
                # action the page shows as blocked may still pass with the data sent along.
                options.extend(
                    (user, a)
                    for a in offered
                    for _ in range(1 if definition.states[a["to_state"]].is_terminal else 4)
                )
            if not options:
                return False
            user, action = choice.draw(st.sampled_from(options))
            trigger = action["trigger"]
            data = recipe.data[trigger](engine.today()) if trigger in recipe.data else {}
            comment = COMMENT if action["comment"] == "required" else None
            if trigger in recipe.before:  # an item for the plan, minutes for the meeting...
                recipe.before[trigger](self.walk)
                self.changes += trigger in ("submit_plan", "submit_minutes")  # ...on this case
            try:
                result = engine.fire(self.case_id, trigger, world.actor(user), comment, None, data)
            except REFUSALS:
                return False
            self._moved(result, trigger, before)
            return True

        @precondition(lambda self: key.endswith("agreement"))
        @rule(language=st.sampled_from(["ru", "zh", "tr"]))
        def add_document(self, language):
            owner = "kazan_ini" if key == "twin_city_agreement" else "ta_ini"
            try:
                engine.add_document(
                    self.case_id, world.actor(owner), language, f"Текст {self.changes}"
                )
            except REFUSALS:
                return
            self.changes += 1

        @rule(days=st.integers(min_value=1, max_value=40))
        def time_passes(self, days):
            clock.advance(days=days)

        @precondition(lambda self: self.state in ("in_force", "implementation"))
        @rule()
        def adopt_a_plan(self):
            if key in ("regional_agreement", "twin_city_agreement"):
                owner = "kazan_ini" if key == "twin_city_agreement" else "ta_ini"
                adopted_plan(self.walk, self.case_id, owner)  # another case: no change here

        @precondition(lambda self: key == "activity_plan")
        @rule(title=st.sampled_from(["Выставка", ""]))
        def add_plan_item(self, title):
            try:
                engine.add_plan_item(
                    self.case_id,
                    world.actor("ta_ini"),
                    title=title,
                    area="cultural",
                    responsible_org_id=world.org_id("RU-TA"),
                    due_quarter="2026-Q4",
                )
            except REFUSALS:
                return
            self.changes += 1

        @precondition(lambda self: key == "coordination_cycle")
        @rule(
            action=st.sampled_from(["hold", "cancel", "minutes", "reschedule", "invite"]),
            user=st.sampled_from(["coord", "coord", "ta_ini"]),
            days=st.integers(min_value=-5, max_value=60),
        )
        def meeting_service(self, action, user, days):
            with engine.uow(write=False) as uow:
                meeting_id = uow.session.scalar(
                    select(Meeting.id).where(Meeting.case_id == self.case_id)
                )
            actor, before = world.actor(user), self.state
            try:
                if action == "hold":
                    self._moved(
                        engine.record_meeting_held(meeting_id, actor), "record_meeting_held", before
                    )
                elif action == "cancel":
                    self._moved(engine.cancel_meeting(meeting_id, actor, COMMENT), "cancel", before)
                elif action == "minutes":
                    decision = DecisionInput("Решение", world.org_id("RU-TA"), engine.today())
                    engine.record_minutes(meeting_id, actor, "Протокол", [decision])
                    self.changes += 1
                elif action == "reschedule":
                    starts = dt.datetime.combine(
                        engine.today() + dt.timedelta(days=days), dt.time(10), tzinfo=MOSCOW
                    )
                    engine.reschedule_meeting(
                        meeting_id, actor, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
                    )
                    self.changes += 1
                else:
                    changed = engine.change_meeting_participants(
                        meeting_id, actor, add=[world.org_id("RU-PRI")]
                    )
                    self.changes += bool(changed.added_org_ids)
            except REFUSALS:
                return

        @invariant()
        def database_agrees(self):
            if not hasattr(self, "case_id"):
                return
            with engine.uow(write=False) as uow:
                s = uow.session
                case = s.get(Case, self.case_id)
                assert case.state == self.state
                assert case.version == self.changes
                seqs = list(
                    s.scalars(
                        select(AuditEvent.seq)
                        .where(AuditEvent.case_id == self.case_id)
                        .order_by(AuditEvent.seq)
                    )
                )
                assert seqs == list(range(1, self.changes + 1))
                open_tasks = list(
                    s.scalars(
                        select(Task).where(
                            Task.case_id == self.case_id,
                            Task.status == "open",
                            Task.state != "decision",
                        )
                    )
                )
                spec = definition.states[case.state]
                if spec.kind == "review":
                    round_id = s.scalar(
                        select(ReviewRound.id).where(
                            ReviewRound.case_id == self.case_id, ReviewRound.outcome.is_(None)
                        )
                    )
                    approved = set(
                        s.scalars(
                            select(Task.role).where(
                                Task.round_id == round_id, Task.outcome == spec.review.approve
                            )
                        )
                    )
                    pending = set(spec.review.reviewers) - approved
                    assert sorted(t.role for t in open_tasks) == sorted(pending)
                    assert {t.round_id for t in open_tasks} <= {round_id}
                elif spec.kind == "task":
                    assert len(open_tasks) == 1 and open_tasks[0].state == case.state
                else:
                    assert open_tasks == []
                stray = s.scalar(
                    select(func.count())
                    .select_from(Reminder)
                    .join(Task, Task.id == Reminder.task_id)
                    .where(
                        Reminder.case_id == self.case_id,
                        Reminder.status == "pending",
                        Task.status != "open",
                    )
                )
                assert stray == 0
                assert case.is_closed == spec.is_terminal

        def teardown(self):
            if hasattr(self, "case_id"):
                with engine.uow(write=False) as uow:
                    assert verify_case(uow.session, self.case_id) is None

    return CaseWalk


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_random_walks_over_the_shipped_definitions_keep_the_invariants(
    key, shipped_world, clock, backend
):
    definition = DEFINITIONS[key]
    run_state_machine_as_test(
        make_machine(shipped_world, clock, definition),
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )
    with shipped_world.engine.uow(write=False) as uow:
        states = dict(
            uow.session.execute(
                select(Case.state, func.count()).where(Case.kind == key).group_by(Case.state)
            ).all()
        )
    print(f"\n{key} on {backend}: cases by state {states}")
    assert sum(states.values()) >= EXAMPLES[backend]
    # The walks get past the first step, not only refusals.
    assert set(states) - {definition.initial}
