"""No task is born overdue unless the day its term counts from truly lies behind it, and then
the task says why.

The federal review's clock (``pauses_in: [conciliation]``) keeps running across review rounds: a
resubmitted draft gets the time the first round left. When the first round already used it all,
the new round's reviewers must not find a task "overdue by 12 working days" for a text they have
never seen: the clock starts again, a fresh term from the new round's own start, and the history
says so. A term that counts from a date in the case (one month before the planned signing) can
truly have passed before its task opens: that task keeps the honest date and carries the reason.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.domain.walking import walk_to
from workflow.clock import MOSCOW, local_date
from workflow.definitions.directory import load_verified
from workflow.persistence.models import AuditEvent, Task

REGIONAL = load_verified().definitions["regional_agreement"]
REVIEWERS = ("mfa", "minec", "sector")


def _morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=MOSCOW)


def _open_tasks(world, case_id: int) -> list[Task]:
    with world.engine.uow(write=False) as uow:
        return list(
            uow.session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        )


def _last_event(world, case_id: int) -> AuditEvent:
    with world.engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )


def _returned_and_resubmitted(world, clock, in_review: int, with_author: int) -> int:
    """A case in federal review: ``in_review`` days later the MFA returns it, ``with_author``
    days later the region resubmits."""
    walk = walk_to(world, REGIONAL, "federal_review")
    clock.advance(days=in_review)
    world.engine.fire(walk.case_id, "return_for_revision", world.actor("mfa"), comment="Замечания")
    clock.advance(days=with_author)
    world.engine.fire(walk.case_id, "resubmit", world.actor("ta_ini"))
    return walk.case_id


def test_a_round_after_the_review_time_ran_out_gets_a_fresh_term(shipped_world, clock):
    """Entered on Monday 2 March 2026, due 1 April (30 days); the MFA returns the draft only on
    21 April, the region resubmits on 23 April. The old clock's due date would be 3 April: the
    new round would open 14 working days overdue. It starts a fresh 30 days: due 25 May
    (23 May is a Saturday)."""
    clock.set(_morning(dt.date(2026, 3, 2)))
    case_id = _returned_and_resubmitted(shipped_world, clock, in_review=50, with_author=2)
    tasks = _open_tasks(shipped_world, case_id)
    assert sorted(t.role for t in tasks) == ["mfa_reviewer", "minec_reviewer", "sectoral_reviewer"]
    assert {t.due_on for t in tasks} == {dt.date(2026, 5, 25)}
    assert all(t.overdue_reason is None for t in tasks)
    restarted = _last_event(shipped_world, case_id).data["clock_restarted"]
    assert restarted == {
        "state": "federal_review",
        "ran_out_on": "2026-04-03",
        "due_on": "2026-05-25",
    }


def test_a_round_with_time_left_keeps_the_remaining_time(shipped_world, clock):
    """Returned after 10 days, back after 5: the clock resumes, 1 April + 5 days = 6 April."""
    clock.set(_morning(dt.date(2026, 3, 2)))
    case_id = _returned_and_resubmitted(shipped_world, clock, in_review=10, with_author=5)
    assert {t.due_on for t in _open_tasks(shipped_world, case_id)} == {dt.date(2026, 4, 6)}
    assert "clock_resumed" in _last_event(shipped_world, case_id).data


def test_a_clearance_after_its_lead_time_passed_says_why_it_is_overdue(shipped_world, clock):
    """Signing planned for 9 April 2026: the draft had to reach the federal bodies by 9 March,
    a day off (8 March fell on a Sunday), so by Friday 6 March.
    Returned to drafting and sent again on 16 March, the clearance opens overdue — truly — and
    names the planned signing date it counts back from."""
    clock.set(_morning(dt.date(2026, 3, 2)))
    walk = walk_to(shipped_world, REGIONAL, "internal_clearance", planned_signing_date="2026-04-09")
    engine = shipped_world.engine
    engine.fire(walk.case_id, "return_to_drafting", shipped_world.actor("ta_legal"), comment="Нет")
    clock.set(_morning(dt.date(2026, 3, 16)))
    engine.fire(walk.case_id, "send_for_clearance", shipped_world.actor("ta_ini"))
    tasks = _open_tasks(shipped_world, walk.case_id)
    assert {t.due_on for t in tasks} == {dt.date(2026, 3, 6)}
    reason = {
        "anchor": "planned_signing_date",
        "anchor_on": "2026-04-09",
        "direction": "before",
        "within": "submission_lead",
        "term": "1 months",
        "due_on": "2026-03-06",
        "opened_on": "2026-03-16",
    }
    assert all(t.overdue_reason == reason for t in tasks)
    assert _last_event(shipped_world, walk.case_id).data["overdue_at_opening"] == reason


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    loop=st.sampled_from(["federal_review", "internal_clearance"]),
    start=st.dates(dt.date(2026, 1, 1), dt.date(2027, 6, 30)),
    in_review=st.integers(0, 70),
    with_author=st.integers(0, 40),
    signing_in=st.integers(20, 120),
)
def test_no_task_is_born_overdue_without_a_reason(
    shipped_world, clock, loop, start, in_review, with_author, signing_in
):
    """The invariant, over random rounds of either review loop: every open task is due on or
    after the day it opened, or carries the reason — a term counted from a date of the case,
    never from its own start."""
    clock.set(_morning(start))
    walk = walk_to(
        shipped_world,
        REGIONAL,
        loop,
        planned_signing_date=(start + dt.timedelta(days=signing_in)).isoformat(),
    )
    engine = shipped_world.engine
    back, again = (
        ("return_for_revision", "resubmit")
        if loop == "federal_review"
        else ("return_to_drafting", "send_for_clearance")
    )
    clock.advance(days=in_review)
    reviewer = "mfa" if loop == "federal_review" else "ta_legal"
    engine.fire(walk.case_id, back, shipped_world.actor(reviewer), comment="Нет")
    clock.advance(days=with_author)
    engine.fire(walk.case_id, again, shipped_world.actor("ta_ini"))
    tasks = _open_tasks(shipped_world, walk.case_id)
    assert tasks
    for task in tasks:
        opened = local_date(task.created_at)
        if task.due_on is not None and task.due_on < opened:
            assert task.overdue_reason is not None, task
            assert task.overdue_reason["anchor"] != "entered"
            assert dt.date.fromisoformat(task.overdue_reason["due_on"]) == task.due_on
        else:
            assert task.overdue_reason is None
