"""Random walks through the services keep the engine's invariants.

Each hypothesis example starts a new case of the ``review_loop`` fixture procedure (a parallel
review with three reviewer roles, a lead, a return loop and withdrawal) in one shared database,
then fires random triggers as random users, adds document versions and moves the clock. After
every step the invariants are checked against the database:

- no skipped step: the case only ever moved along an edge of the definition;
- terminal states are absorbing;
- exactly one open task per pending reviewer in a review, one open task in a task state, none
  in wait and terminal states;
- no pending reminder belongs to a closed task;
- audit events equal successful changes, numbered 1..version, and the chain verifies.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from workflow.audit import verify_case
from workflow.errors import (
    ConcurrentUpdate,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from workflow.persistence.models import AuditEvent, Case, Reminder, ReviewRound, Task

# Weighted by repetition, so that walks reach the review, the return loop and signing often
# while strangers, wrong triggers and withdrawals still appear.
USERS = [
    "ini",
    "ini",
    "head",
    "other",
    "mfa",
    "mfa",
    "mfa2",
    "minec",
    "minec",
    "minec_clerk",
    "sector",
    "sector",
    "coord",
]
TRIGGERS = [
    "submit",
    "submit",
    "approve",
    "approve",
    "approve",
    "approve",
    "return_for_revision",
    "resubmit",
    "resubmit",
    "sign",
    "sign",
    "withdraw",
]
COMMENTS = [None, "", "Замечания по статье 4", "Согласовано"]
EXAMPLES = {"sqlite": 500, "postgres": 500}
if os.environ.get("SOGLASIE_QUICK_HYPOTHESIS"):
    EXAMPLES = {"sqlite": 50, "postgres": 50}

REFUSALS = (TransitionNotAllowed, PermissionDenied, NotFound, ConcurrentUpdate, InvalidInput)


def make_machine(engine, world, clock, definition):
    edges = {(source, t.trigger, t.dest) for t in definition.transitions for source in t.sources}
    start = clock.now()
    actors = {name: world.actor(name) for name in USERS}

    class CaseWalk(RuleBasedStateMachine):
        @initialize(
            planned=st.sampled_from(["2026-03-20", "2026-05-20", "2026-06-30", "2026-09-01"])
        )
        def start(self, planned):
            clock.set(start)  # each example starts on the same day; time moves within it
            created = engine.create_case(
                actors["ini"],
                "review_loop",
                fields={
                    "title": "Случайное соглашение",
                    "languages": ["ru", "zh"],
                    "planned_signing_date": planned,
                },
            )
            self.case_id = created.id
            self.state = created.state
            for language in ("ru", "zh"):
                engine.add_document(self.case_id, actors["ini"], language, "Текст, версия 1")
            self.changes = 3  # the creation event and two document versions

        def _fire(self, trigger, user, comment):
            before = self.state
            terminal = definition.states[before].is_terminal
            try:
                result = engine.fire(self.case_id, trigger, actors[user], comment=comment)
            except REFUSALS:
                return False
            assert not terminal, f"left terminal state {before} by {trigger}"
            self.changes += 1
            if result.moved:
                assert (before, trigger, result.to_state) in edges, (before, trigger, result)
                self.state = result.to_state
            else:
                assert definition.states[before].kind == "review" and trigger == "approve"
            return True

        @rule(
            trigger=st.sampled_from(TRIGGERS),
            user=st.sampled_from(USERS),
            comment=st.sampled_from(COMMENTS),
        )
        def fire(self, trigger, user, comment):
            self._fire(trigger, user, comment)

        @rule(
            steps=st.lists(
                st.tuples(
                    st.sampled_from(TRIGGERS), st.sampled_from(USERS), st.sampled_from(COMMENTS)
                ),
                min_size=5,
                max_size=40,
            )
        )
        def walk(self, steps):
            """Many steps in one rule: hypothesis keeps rule sequences short, cases live long.

            The invariants are checked after every step that changed something (a refused step
            is checked by the version count at the next check).
            """
            for trigger, user, comment in steps:
                if self._fire(trigger, user, comment):
                    self.database_agrees()

        @rule(language=st.sampled_from(["ru", "zh"]))
        def add_document(self, language):
            try:
                engine.add_document(self.case_id, actors["ini"], language, f"Текст {self.changes}")
            except REFUSALS:
                return
            self.changes += 1

        @rule(days=st.integers(min_value=1, max_value=20))
        def time_passes(self, days):
            clock.advance(days=days)

        @invariant()
        def database_agrees(self):
            if not hasattr(self, "case_id"):
                return
            with engine.uow(write=False) as uow:
                s = uow.session
                case = s.get(Case, self.case_id)
                assert case.state == self.state
                assert case.version == self.changes
                events = list(
                    s.scalars(
                        select(AuditEvent.seq)
                        .where(AuditEvent.case_id == self.case_id)
                        .order_by(AuditEvent.seq)
                    )
                )
                assert events == list(range(1, self.changes + 1))
                open_tasks = list(
                    s.scalars(
                        select(Task).where(Task.case_id == self.case_id, Task.status == "open")
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
                                Task.round_id == round_id, Task.outcome == "approve"
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


def test_random_walks_keep_the_invariants(engine, world, clock, fixture_definitions, backend):
    definition = fixture_definitions.definitions["review_loop"]
    machine = make_machine(engine, world, clock, definition)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )
    with engine.uow(write=False) as uow:
        cases = uow.session.scalar(select(func.count()).select_from(Case))
        signed = uow.session.scalar(
            select(func.count()).select_from(Case).where(Case.state == "signed")
        )
        returned = uow.session.scalar(
            select(func.count()).select_from(ReviewRound).where(ReviewRound.outcome == "returned")
        )
    print(f"\n{backend}: {cases} cases walked, {signed} signed, {returned} review rounds returned")
    assert cases >= EXAMPLES[backend]
    assert signed > 0 and returned > 0  # the walks really reach the interesting paths
