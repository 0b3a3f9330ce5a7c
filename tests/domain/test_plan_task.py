"""After entry into force the region's office gets the task of drafting the plan of activities;
adopting the plan (``start_implementation``) completes it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.domain.walking import walk_to
from workflow.clock import MOSCOW
from workflow.definitions.directory import load_verified
from workflow.persistence.models import Case, Task

REGIONAL = load_verified().definitions["regional_agreement"]


def _tasks(world, case_id: int) -> list[Task]:
    with world.engine.uow(write=False) as uow:
        return list(
            uow.session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id))
        )


def test_entry_into_force_opens_the_plan_drafting_task(shipped_world, clock):
    clock.set(dt.datetime(2026, 3, 2, 9, tzinfo=MOSCOW))
    walk = walk_to(shipped_world, REGIONAL, "in_force")
    (task,) = [t for t in _tasks(shipped_world, walk.case_id) if t.status == "open"]
    with shipped_world.engine.uow(write=False) as uow:
        creator = uow.session.scalar(select(Case.created_by).where(Case.id == walk.case_id))
    assert (task.state, task.role, task.assignee_id) == ("in_force", "initiator", creator)
    assert task.due_on == dt.date(2026, 6, 2)  # three months after 2 March
    assert "план мероприятий" in REGIONAL.states["in_force"].title.ru


def test_adopting_the_plan_completes_the_task(domain_world):
    walk = walk_to(domain_world, REGIONAL, "implementation")
    drafting = [t for t in _tasks(domain_world, walk.case_id) if t.state == "in_force"]
    assert [(t.status, t.outcome) for t in drafting] == [("done", "start_implementation")]
    assert not [t for t in _tasks(domain_world, walk.case_id) if t.status == "open"]
