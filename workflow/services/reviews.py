"""Parallel review: rounds pinned to document versions, and reviewers' votes.

A review state opens one task per reviewer role in a new *round* (``review_rounds``), pinned to
the document versions under review. The approve trigger is a vote: it closes the reviewer's task
and moves the case only once the completion rule (all / any / quorum, and the lead) is met.
A return for revision ends the round for everyone; resubmission opens a fresh round on the new
versions. Called from ``workflow.services.firing`` inside its transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from workflow.errors import Refusal, TransitionNotAllowed
from workflow.events import VoteRecorded, dispatch
from workflow.persistence import direct
from workflow.persistence.models import ReviewRound, Task
from workflow.services.case_log import append_case_event
from workflow.services.casework import latest_documents
from workflow.services.tasks import cancel_reminders, pick_actor_task

if TYPE_CHECKING:
    from workflow.services.firing import FireResult, Firing

rounds_t = ReviewRound.__table__
tasks_t = Task.__table__

# Built once and run directly on the driver (``workflow.persistence.direct``).
_CURRENT_ROUND = direct.Direct(
    select(rounds_t.c.id, rounds_t.c.number)
    .where(
        rounds_t.c.case_id == bindparam("case_id"),
        rounds_t.c.state == bindparam("state"),
        rounds_t.c.outcome.is_(None),
    )
    .order_by(rounds_t.c.number.desc())
    .limit(1)
)
_CLOSE_VOTER_TASK = direct.Direct(
    update(tasks_t)
    .where(tasks_t.c.id == bindparam("b_task_id"))
    .values(
        status="done",
        outcome=bindparam("b_outcome"),
        closed_at=bindparam("b_now"),
        closed_by=bindparam("b_actor_id"),
        acting_for=bindparam("b_acting_for"),
    )
)
_CLOSE_ROUND = direct.Direct(
    update(rounds_t)
    .where(
        rounds_t.c.case_id == bindparam("b_case_id"),
        rounds_t.c.state == bindparam("b_state"),
        rounds_t.c.outcome.is_(None),
    )
    .values(outcome=bindparam("b_outcome"), closed_at=bindparam("b_now"))
)
# The next round's number is computed by the INSERT itself (one round trip, not two); the case
# row lock the caller holds keeps two rounds from taking the same number.
_INSERT_NEXT_ROUND = direct.Direct(
    insert(rounds_t)
    .from_select(
        ["case_id", "state", "number", "documents", "started_at"],
        select(
            bindparam("r_case_id", type_=rounds_t.c.case_id.type),
            bindparam("r_state", type_=rounds_t.c.state.type),
            func.coalesce(func.max(rounds_t.c.number), 0) + 1,
            bindparam("r_documents", type_=rounds_t.c.documents.type),
            bindparam("r_started_at", type_=rounds_t.c.started_at.type),
        ).where(
            rounds_t.c.case_id == bindparam("r_case_id"),
            rounds_t.c.state == bindparam("r_state"),
        ),
    )
    .returning(rounds_t.c.id, rounds_t.c.number)
)


def current_round(session: Session, case_id: int, state: str):
    return direct.run(session, _CURRENT_ROUND, {"case_id": case_id, "state": state}).first()


def review_vote(f: Firing, check, now, task_rows) -> tuple[int, FireResult | None]:
    """Record a reviewer's decision. Returns (the reviewer's task id, a result if the case does
    not move). A return-for-revision always moves the case; approval moves it once the rule is
    met.

    ``task_rows`` are the case's rows read with its lock (``lock_case_with_tasks``): from them
    the current round's open tasks (to find the voter's) and the roles that have already
    approved in it (for the completion rule).
    """
    session, case, review = f.session, f.case, f.state.review
    open_rounds = [
        (r.round_number, r.round_id)
        for r in task_rows
        if r.round_id is not None and r.round_outcome is None
    ]
    current_round = max(open_rounds)[1] if open_rounds else None
    rows = [
        r
        for r in task_rows
        if current_round is not None
        and r.round_id == current_round
        and (r.status == "open" or r.outcome == review.approve)
    ]
    open_rows = [r for r in rows if r.status == "open"]
    task, principal = pick_actor_task(f.version.definition, case, f.actor, open_rows)
    current = rows[0] if rows else None  # .round_id, .round_number
    if task is None or task.role not in review.reviewers:
        raise TransitionNotAllowed(
            [
                Refusal(
                    "already_reviewed",
                    "You have no open review task in this round "
                    "(already answered, or not a reviewer).",
                )
            ]
        )
    f.principal = principal
    note_implicit_claim(f, task)
    if f.trigger == review.reject:
        f.audit_data["review"] = {
            "round": current.round_number,
            "role": task.role,
            "vote": "reject",
        }
        return task.id, None

    spec_refusals = [
        r
        for spec in f.version.definition.candidates(case.state, f.trigger)
        for r in check(spec)
        if r.reason != "warning"
    ]
    if spec_refusals:
        raise TransitionNotAllowed(spec_refusals)
    direct.defer(
        session,
        _CLOSE_VOTER_TASK,
        {
            "b_task_id": task.id,
            "b_outcome": f.trigger,
            "b_now": now,
            "b_actor_id": f.actor.user_id,
            "b_acting_for": f.acting_for,
        },
    )
    cancel_reminders(session, [task.id])
    approved_roles = {r.role for r in rows if r.status == "done"} | {task.role}
    f.audit_data["review"] = {
        "round": current.round_number,
        "role": task.role,
        "vote": "approve",
        "approved": sorted(approved_roles),
    }
    if _review_complete(review, approved_roles):
        return task.id, None

    new_version = append_case_event(
        session,
        case,
        kind="vote",
        actor_id=f.actor.user_id,
        now=now,
        data=f.audit_data,
        comment=f.comment,
        acting_for_id=f.acting_for,
        trigger=f.trigger,
    )
    f.events.append(
        VoteRecorded(case.id, f.trigger, case.state, task.role, f.actor.user_id, new_version)
    )
    dispatch(f.engine.handlers, session, now, f.events)
    from workflow.services.firing import FireResult

    return task.id, FireResult(case.id, f.trigger, case.state, case.state, False, new_version)


def note_implicit_claim(f: Firing, task) -> None:
    """Acting on a task still in its role's queue claims it: no separate "claim" click is
    needed, and the audit event says the task was taken from the queue (and by whom: its
    actor)."""
    if task.assignee_id is None:
        f.audit_data["claimed"] = {"task": task.id, "role": task.role}


def _review_complete(review, approved_roles: set[str]) -> bool:
    if review.lead and review.lead not in approved_roles:
        return False
    if review.rule == "all":
        return set(review.reviewers) <= approved_roles
    if review.rule == "any":
        return bool(approved_roles)
    return len(approved_roles) >= (review.quorum or len(review.reviewers))


def start_round(session: Session, case_id: int, state: str, now) -> int:
    return open_round(session, case_id, state, now)[0]


def open_round(
    session: Session, case_id: int, state: str, now, latest: dict | None = None
) -> tuple[int, int]:
    """Insert the next review round of ``state``, pinned to the latest documents (``latest``,
    when the caller has already read them in this transaction); ``(id, number)``."""
    if latest is None:
        latest = latest_documents(session, case_id)
    documents = {lang: {"number": d.number, "sha256": d.sha256} for lang, d in latest.items()}
    row = direct.run(
        session,
        _INSERT_NEXT_ROUND,
        {"r_case_id": case_id, "r_state": state, "r_documents": documents, "r_started_at": now},
    ).first()
    return row.id, row.number


def queue_round(session: Session, case_id: int, state: str, now, latest: dict):
    """``open_round`` without waiting for it: the INSERT travels with the next statement
    (the round's tasks: ``tasks.open_tasks`` with ``OPEN_ROUND``); ``.rows[0]`` of the
    returned handle is ``(id, number)`` once that was sent."""
    documents = {lang: {"number": d.number, "sha256": d.sha256} for lang, d in latest.items()}
    return direct.prefetch(
        session,
        _INSERT_NEXT_ROUND,
        {"r_case_id": case_id, "r_state": state, "r_documents": documents, "r_started_at": now},
    )


def close_round(session: Session, case_id: int, state: str, outcome: str, now) -> None:
    """End the open round of ``state``: approved, returned, or cancelled (case moved away)."""
    direct.defer(
        session,
        _CLOSE_ROUND,
        {"b_case_id": case_id, "b_state": state, "b_outcome": outcome, "b_now": now},
    )
