"""Firing a trigger on a case: the one transaction behind every approve, return, sign, register.

In order, inside one unit of work:

1. lock the case row (``FOR UPDATE`` on PostgreSQL; SQLite holds the write lock) and check the
   caller's ``expected_version``;
2. permission (may this person fire it? — ``workflow.policy``), then readiness (comment, required
   fields, guards) as the compiled machine's conditions;
3. in a review state, the approve trigger is a *vote*: it closes the reviewer's task and moves the
   case only when the completion rule (all / any / quorum, plus the lead) is met;
4. close and open tasks, pause/resume/stop SLA clocks, open a new review round, plan and cancel
   reminder rows;
5. append the hash-chained audit event (its ``seq`` equals the case's new ``version``);
6. hand the domain events to the handlers (outbox rows), then commit once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from workflow.audit import new_event
from workflow.clock import local_date
from workflow.definitions.catalog import Version
from workflow.definitions.model import StateSpec, TransitionSpec
from workflow.errors import PermissionDenied, Refusal, TransitionNotAllowed
from workflow.events import CaseMoved, Event, VoteRecorded, dispatch
from workflow.fields import get_field_set
from workflow.guards import GuardContext, get_guard, missing_requirements
from workflow.persistence.models import AuditEvent, ReviewRound, Task
from workflow.policy import Actor, Principal, role_in_scope
from workflow.services import clocks
from workflow.services.casework import (
    CaseRow,
    bump_version,
    calendar_for,
    guard_context,
    latest_documents,
    state_deadline,
    visible_case,
)
from workflow.services.tasks import (
    actor_task,
    cancel_reminders,
    close_open_tasks,
    open_tasks,
    pick_actor_task,
    plan_reminders,
    tasks_for_state,
)

if TYPE_CHECKING:
    from workflow.engine import Engine

audit_t = AuditEvent.__table__
rounds_t = ReviewRound.__table__
tasks_t = Task.__table__

# The hot path's statements, built once: SQLAlchemy then finds each compiled form in its cache
# instead of rebuilding and re-keying the expression on every call (bench: transitions).
_INSERT_AUDIT = insert(audit_t)
_CURRENT_ROUND = (
    select(rounds_t.c.id, rounds_t.c.number)
    .where(
        rounds_t.c.case_id == bindparam("case_id"),
        rounds_t.c.state == bindparam("state"),
        rounds_t.c.outcome.is_(None),
    )
    .order_by(rounds_t.c.number.desc())
    .limit(1)
)
_CLOSE_VOTER_TASK = (
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
_ROUND_TASKS = (
    select(
        tasks_t.c.id,
        tasks_t.c.role,
        tasks_t.c.assignee_id,
        tasks_t.c.round_id,
        tasks_t.c.status,
        rounds_t.c.number,
    )
    .join(rounds_t, rounds_t.c.id == tasks_t.c.round_id)
    .where(
        tasks_t.c.round_id == _CURRENT_ROUND.with_only_columns(rounds_t.c.id).scalar_subquery(),
        tasks_t.c.case_id == bindparam("case_id"),
        tasks_t.c.state == bindparam("state"),
        or_(
            tasks_t.c.status == "open",
            and_(tasks_t.c.status == "done", tasks_t.c.outcome == bindparam("approve")),
        ),
    )
    .order_by(tasks_t.c.id)
)
_CLOSE_ROUND = (
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
_INSERT_NEXT_ROUND = (
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


@dataclass(frozen=True)
class FireResult:
    case_id: int
    trigger: str
    from_state: str
    to_state: str
    moved: bool  # False for a review vote that did not yet complete the review
    version: int
    warnings: tuple[str, ...] = ()
    opened_task_ids: tuple[int, ...] = ()


@dataclass
class _Firing:
    """Everything one fire call has learnt, passed between its steps."""

    engine: Engine
    session: Session
    case: CaseRow
    version: Version
    actor: Actor | None
    trigger: str
    comment: str | None
    fields: dict[str, Any]
    data: dict[str, Any]
    ctx: GuardContext
    principal: Principal | None = None
    events: list[Event] = field(default_factory=list)
    audit_data: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> StateSpec:
        return self.version.definition.states[self.case.state]

    @property
    def acting_for(self) -> int | None:
        if self.actor is None or self.principal is None:
            return None
        return None if self.principal.user_id == self.actor.user_id else self.principal.user_id


def _wrong_state(definition, state: str, trigger: str) -> TransitionNotAllowed:
    if trigger not in definition.triggers:
        return TransitionNotAllowed(
            [Refusal("unknown_trigger", f"'{trigger}' is not an action of this procedure.")]
        )
    return TransitionNotAllowed(
        [
            Refusal(
                "wrong_state",
                f"'{trigger}' cannot be done in state '{state}'.",
                {"state": state, "trigger": trigger},
            )
        ]
    )


def _permitted(f: _Firing, candidates: list[TransitionSpec]) -> list[TransitionSpec]:
    """The candidates this caller may fire; sets ``f.principal``. System calls take only
    system transitions; people never fire those."""
    if f.actor is None:
        return [c for c in candidates if c.by_system]
    definition = f.version.definition
    for principal in f.actor.principals():
        allowed = [
            c
            for c in candidates
            if not c.by_system
            and any(role_in_scope(definition, role, principal, f.case) for role in c.roles)
        ]
        if allowed:
            f.principal = principal
            return allowed
    return []


def _checker(f: _Firing, permitted: list[TransitionSpec]):
    def check(spec: TransitionSpec) -> list[Refusal]:
        if spec not in permitted:
            return [Refusal("permission", "You may not take this action.")]
        refusals: list[Refusal] = []
        if spec.comment_required and not f.comment:
            refusals.append(Refusal("comment_required", "A comment is required for this action."))
        if spec.check_requirements:
            missing = missing_requirements(f.ctx, (*f.state.requires, *spec.requires))
            if missing:
                refusals.append(
                    Refusal(
                        "missing_fields",
                        "Missing: " + ", ".join(missing) + ".",
                        {"missing": missing},
                    )
                )
        already_missing = {m for r in refusals for m in r.details.get("missing", ())}
        for ref in spec.guards:
            refusal = get_guard(ref.name)(f.ctx, ref.params)
            if refusal is None:
                continue
            if (
                refusal.reason == "missing_fields"
                and set(refusal.details.get("missing", ())) <= already_missing
            ):
                continue  # already reported by the requirements check
            if ref.severity == "warn":
                refusals.append(
                    Refusal("warning", refusal.message, {**refusal.details, "guard": ref.name})
                )
            else:
                refusals.append(refusal)
        return refusals

    return check


def fire(
    engine: Engine,
    case_id: int,
    trigger: str,
    actor: Actor | None,
    comment: str | None,
    expected_version: int | None,
    data: dict[str, Any],
) -> FireResult:
    with engine.uow() as uow:
        result = fire_in(
            engine, uow.session, case_id, trigger, actor, comment, expected_version, data
        )
        uow.commit()
    return result


def fire_in(
    engine: Engine,
    session: Session,
    case_id: int,
    trigger: str,
    actor: Actor | None,
    comment: str | None,
    expected_version: int | None,
    data: dict[str, Any],
) -> FireResult:
    """``fire`` inside the caller's transaction: the caller commits (or rolls back).

    For services that change other rows together with a transition (cancelling a meeting
    updates its row and fires ``cancel`` in one transaction).
    """
    now = engine.clock.now()
    today = local_date(now)
    comment = (comment or "").strip() or None
    case = visible_case(engine, session, case_id, actor, expected_version)
    version = engine.catalog.get(case.definition_id, session)
    definition = version.definition
    candidates = definition.candidates(case.state, trigger)
    if not candidates:
        raise _wrong_state(definition, case.state, trigger)

    field_set = get_field_set(definition.fields_schema)
    stored_data = field_set.dump(field_set.load(data)) if data else {}
    fields = {**case.fields, **stored_data}
    ctx = guard_context(engine, session, case, definition, fields, today, {})
    f = _Firing(engine, session, case, version, actor, trigger, comment, fields, stored_data, ctx)
    if stored_data:
        f.audit_data["data"] = stored_data

    permitted = _permitted(f, candidates)
    if not permitted:
        raise PermissionDenied(f"You may not '{trigger}' this case in its current state.")
    check = _checker(f, permitted)

    state = f.state
    acted_task_id: int | None = None
    if (
        state.kind == "review"
        and state.review
        and trigger in (state.review.approve, state.review.reject)
    ):
        acted_task_id, vote_result = _review_vote(f, check, now)
        if vote_result is not None:
            return vote_result
    else:
        task, principal = actor_task(session, definition, case, actor) if actor else (None, None)
        if task is not None:
            acted_task_id = task.id
            f.principal = principal

    attempt = version.machine.run(case.state, trigger, check)
    result = _apply(
        f,
        attempt.taken,
        acted_task_id,
        now,
        today,
        [w.message for w in attempt.warnings],
        attempt.warnings,
    )
    return result


def _current_round(session: Session, case_id: int, state: str):
    return session.execute(_CURRENT_ROUND, {"case_id": case_id, "state": state}).first()


def _review_vote(f: _Firing, check, now) -> tuple[int, FireResult | None]:
    """Record a reviewer's decision. Returns (the reviewer's task id, a result if the case does
    not move). A return-for-revision always moves the case; approval moves it once the rule is
    met."""
    session, case, review = f.session, f.case, f.state.review
    # One statement for the current round: its open tasks (to find the voter's) and the roles
    # that have already approved in it (for the completion rule).
    rows = session.execute(
        _ROUND_TASKS, {"case_id": case.id, "state": case.state, "approve": review.approve}
    ).all()
    open_rows = [r for r in rows if r.status == "open"]
    task, principal = pick_actor_task(f.version.definition, case, f.actor, open_rows)
    current = rows[0] if rows else None  # .round_id, .number
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
    if f.trigger == review.reject:
        f.audit_data["review"] = {"round": current.number, "role": task.role, "vote": "reject"}
        return task.id, None

    spec_refusals = [
        r
        for spec in f.version.definition.candidates(case.state, f.trigger)
        for r in check(spec)
        if r.reason != "warning"
    ]
    if spec_refusals:
        raise TransitionNotAllowed(spec_refusals)
    session.execute(
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
        "round": current.number,
        "role": task.role,
        "vote": "approve",
        "approved": sorted(approved_roles),
    }
    if _review_complete(review, approved_roles):
        return task.id, None

    new_version = case.version + 1
    event = new_event(
        case_id=case.id,
        seq=new_version,
        prev_hash=case.audit_head,
        kind="vote",
        actor_id=f.actor.user_id,
        acting_for_id=f.acting_for,
        trigger=f.trigger,
        from_state=case.state,
        to_state=case.state,
        comment=f.comment,
        definition_id=case.definition_id,
        data=f.audit_data,
        created_at=now,
    )
    session.execute(_INSERT_AUDIT, event)
    bump_version(session, case, now, audit_head=event["hash"])
    f.events.append(
        VoteRecorded(case.id, f.trigger, case.state, task.role, f.actor.user_id, new_version)
    )
    dispatch(f.engine.handlers, session, now, f.events)
    return task.id, FireResult(case.id, f.trigger, case.state, case.state, False, new_version)


def _review_complete(review, approved_roles: set[str]) -> bool:
    if review.lead and review.lead not in approved_roles:
        return False
    if review.rule == "all":
        return set(review.reviewers) <= approved_roles
    if review.rule == "any":
        return bool(approved_roles)
    return len(approved_roles) >= (review.quorum or len(review.reviewers))


def _apply(
    f: _Firing,
    taken: TransitionSpec,
    acted_task_id: int | None,
    now,
    today,
    warning_messages: list[str],
    warnings: list[Refusal],
) -> FireResult:
    session, case, engine = f.session, f.case, f.engine
    definition = f.version.definition
    source, dest = f.state, definition.states[taken.dest]
    actor_id = f.actor.user_id if f.actor else None
    if warnings:
        f.audit_data["warnings"] = [{"message": w.message, **w.details} for w in warnings]

    close_open_tasks(
        session,
        case.id,
        done_task_id=acted_task_id,
        outcome=taken.trigger,
        actor_id=actor_id,
        acting_for=f.acting_for,
        now=now,
        events=f.events,
        state=source.name,
    )
    if source.kind == "review" and source.review:
        outcome = {source.review.approve: "approved", source.review.reject: "returned"}.get(
            taken.trigger, "cancelled"
        )
        session.execute(
            _CLOSE_ROUND,
            {"b_case_id": case.id, "b_state": source.name, "b_outcome": outcome, "b_now": now},
        )
    clocks.on_leave(session, case.id, source, dest.name, today, f.audit_data)

    cal = calendar_for(engine, case)
    fresh_due = state_deadline(engine, f.version, dest, case, f.fields, today)
    due = clocks.on_enter(session, case.id, dest, fresh_due, today, cal, f.audit_data)
    round_id = None
    if dest.kind == "review":
        round_id, f.audit_data["review_round"] = _open_round(
            session, case.id, dest.name, now, f.ctx.documents()
        )
    task_ids = open_tasks(
        session, case, dest, tasks_for_state(definition, dest, case), due, round_id, now, f.events
    )
    plan_reminders(session, case, definition, dest, task_ids, due, cal, now)

    new_version = case.version + 1
    event = new_event(
        case_id=case.id,
        seq=new_version,
        prev_hash=case.audit_head,
        kind="transition",
        actor_id=actor_id,
        acting_for_id=f.acting_for,
        trigger=taken.trigger,
        from_state=source.name,
        to_state=dest.name,
        comment=f.comment,
        definition_id=case.definition_id,
        data=f.audit_data,
        created_at=now,
    )
    session.execute(_INSERT_AUDIT, event)
    values: dict[str, Any] = dict(
        state=dest.name, is_closed=dest.is_terminal, state_entered_at=now, audit_head=event["hash"]
    )
    if f.data:
        values["fields"] = f.fields
        values.update(_promoted(definition.fields_schema, f.fields))
    bump_version(session, case, now, **values)
    f.events.append(
        CaseMoved(
            case.id,
            case.kind,
            taken.trigger,
            source.name,
            dest.name,
            actor_id,
            f.acting_for,
            new_version,
            f.comment,
            case.created_by,
        )
    )
    dispatch(engine.handlers, session, now, f.events)
    return FireResult(
        case.id,
        taken.trigger,
        source.name,
        dest.name,
        True,
        new_version,
        tuple(warning_messages),
        tuple(task_ids),
    )


def _start_round(session: Session, case_id: int, state: str, now) -> int:
    return _open_round(session, case_id, state, now)[0]


def _open_round(
    session: Session, case_id: int, state: str, now, latest: dict | None = None
) -> tuple[int, int]:
    """Insert the next review round of ``state``, pinned to the latest documents (``latest``,
    when the caller has already read them in this transaction); ``(id, number)``."""
    if latest is None:
        latest = latest_documents(session, case_id)
    documents = {lang: {"number": d.number, "sha256": d.sha256} for lang, d in latest.items()}
    row = session.execute(
        _INSERT_NEXT_ROUND,
        {"r_case_id": case_id, "r_state": state, "r_documents": documents, "r_started_at": now},
    ).one()
    return row.id, row.number


def _promoted(schema_name: str, stored_fields: dict[str, Any]) -> dict[str, Any]:
    """Indexed columns derived from fields (title, planned date, partner country)."""
    field_set = get_field_set(schema_name)
    loaded = field_set.read(stored_fields)
    values = {}
    for column, extract in field_set.promote.items():
        value = extract(loaded)
        if column == "title" and not value:
            continue
        values[column] = value
    return values


def available_transitions(engine: Engine, case_id: int, actor: Actor) -> list[dict[str, Any]]:
    """What ``actor`` may do now, and for each action what still blocks it.

    Read-only. Used by the agreement page (to show only possible actions) and by
    ``GET /api/v1/agreements/{id}/transitions``.
    """
    now = engine.clock.now()
    today = local_date(now)
    with engine.uow(write=False) as uow:
        session = uow.session
        case = visible_case(engine, session, case_id, actor, None, for_update=False)
        version = engine.catalog.get(case.definition_id, session)
        definition = version.definition
        state = definition.states[case.state]
        ctx = guard_context(engine, session, case, definition, dict(case.fields), today, {})
        f = _Firing(
            engine, session, case, version, actor, "", "(comment)", dict(case.fields), {}, ctx
        )
        review_task = None
        if state.kind == "review":
            current = _current_round(session, case.id, case.state)
            review_task, _ = actor_task(
                session, definition, case, actor, round_id=current.id if current else None
            )
        result = []
        seen: set[str] = set()
        for spec in definition.transitions_from(case.state):
            if spec.trigger in seen or spec.by_system:
                continue
            candidates = definition.candidates(case.state, spec.trigger)
            permitted = _permitted(f, candidates)
            if not permitted:
                continue
            if (
                state.kind == "review"
                and state.review
                and spec.trigger in (state.review.approve, state.review.reject)
                and review_task is None
            ):
                continue
            seen.add(spec.trigger)
            blocking: list[Refusal] = []
            chosen = permitted[0]
            for candidate in permitted:
                refusals = [r for r in _checker(f, permitted)(candidate) if r.reason != "warning"]
                if not refusals:
                    chosen, blocking = candidate, []
                    break
                blocking = blocking or refusals
            result.append(
                {
                    "trigger": spec.trigger,
                    "title": {"ru": chosen.title.ru, "en": chosen.title.en},
                    "to_state": chosen.dest,
                    "comment": chosen.comment,
                    "requires": list(dict.fromkeys((*state.requires, *chosen.requires)))
                    if chosen.check_requirements
                    else [],
                    "allowed": not blocking,
                    "blocked_by": [
                        {"reason": r.reason, "message": r.message, **r.details} for r in blocking
                    ],
                }
            )
        return result
