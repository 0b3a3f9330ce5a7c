"""Claiming, releasing and reassigning tasks; concurrent claims are settled by the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from tests.integration.helpers import submitted_case
from workflow.errors import Conflict, PermissionDenied
from workflow.persistence.models import OutboxMessage, Task


def _review_task(engine, case_id, role):
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(Task).where(Task.case_id == case_id, Task.role == role, Task.status == "open")
        )


def test_a_reviewer_claims_a_queue_task_into_her_own_list(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    engine.claim_task(task.id, world.actor("mfa"))
    assert _review_task(engine, case_id, "mfa").assignee_id == world.user_id("mfa")


def test_of_two_simultaneous_claims_exactly_one_wins(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    actors = [world.actor("mfa"), world.actor("mfa2")] * 4

    def claim(actor):
        try:
            engine.claim_task(task.id, actor)
            return actor.user_id
        except Conflict:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(claim, actors))
    holder = _review_task(engine, case_id, "mfa").assignee_id
    assert holder in (world.user_id("mfa"), world.user_id("mfa2"))
    assert all(o in (None, holder) for o in outcomes)


def test_a_ministry_official_cannot_claim_another_ministrys_task(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    with pytest.raises(PermissionDenied):
        engine.claim_task(task.id, world.actor("minec"))


def test_only_the_holder_can_release_a_task(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    engine.claim_task(task.id, world.actor("mfa"))
    with pytest.raises(PermissionDenied):
        engine.release_task(task.id, world.actor("mfa2"))
    engine.release_task(task.id, world.actor("mfa"))
    assert _review_task(engine, case_id, "mfa").assignee_id is None


def test_the_coordinator_reassigns_a_task_and_the_new_holder_is_told(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    engine.reassign_task(task.id, world.actor("coord"), world.user_id("mfa2"))
    assert _review_task(engine, case_id, "mfa").assignee_id == world.user_id("mfa2")
    with engine.uow(write=False) as uow:
        mail = uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "task_assigned")
        )
    assert mail.recipient_user_id == world.user_id("mfa2")


def test_a_task_cannot_go_to_someone_without_its_role(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    with pytest.raises(Conflict):
        engine.reassign_task(task.id, world.actor("coord"), world.user_id("minec"))


def test_a_regional_officer_cannot_reassign_ministry_tasks(engine, world):
    case_id = submitted_case(engine, world)
    task = _review_task(engine, case_id, "mfa")
    with pytest.raises(PermissionDenied):
        engine.reassign_task(task.id, world.actor("ini"), world.user_id("mfa2"))
