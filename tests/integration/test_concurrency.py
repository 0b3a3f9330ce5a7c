"""Concurrent firing is settled by the database: one winner, no duplicate side effects."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from tests.integration.helpers import drafted_case
from workflow.errors import ConcurrentUpdate, TransitionNotAllowed
from workflow.persistence.models import AuditEvent, Case, Task

THREADS = 20


def _race(engine, case_id, actor, expected_version):
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        barrier.wait()
        try:
            engine.fire(case_id, "submit", actor, expected_version=expected_version)
            result = "ok"
        except ConcurrentUpdate:
            result = "concurrent_update"
        except TransitionNotAllowed as exc:
            result = "not_allowed:" + ",".join(exc.reasons)
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def _state(engine, case_id):
    with engine.uow(write=False) as uow:
        session = uow.session
        case = session.get(Case, case_id)
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind == "transition")
        )
        open_review = session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.case_id == case_id, Task.state == "review", Task.status == "open")
        )
        return case, events, open_review


def test_twenty_threads_firing_the_same_trigger_with_a_version_one_wins(engine, world, backend):
    case_id = drafted_case(engine, world)
    before, _, _ = _state(engine, case_id)
    outcomes = _race(engine, case_id, world.actor("ini"), before.version)
    after, transitions, open_review = _state(engine, case_id)
    print(f"\n{backend}: {dict(outcomes)}")
    assert outcomes["ok"] == 1
    assert outcomes["concurrent_update"] == THREADS - 1
    assert after.version == before.version + 1 and after.state == "review"
    assert transitions == 1 and open_review == 3


def test_twenty_threads_without_a_version_one_wins_and_the_rest_find_the_wrong_state(
    engine, world, backend
):
    case_id = drafted_case(engine, world)
    before, _, _ = _state(engine, case_id)
    outcomes = _race(engine, case_id, world.actor("ini"), None)
    after, transitions, open_review = _state(engine, case_id)
    print(f"\n{backend}: {dict(outcomes)}")
    assert outcomes["ok"] == 1
    assert outcomes["not_allowed:wrong_state"] == THREADS - 1
    assert after.version == before.version + 1
    assert transitions == 1 and open_review == 3
