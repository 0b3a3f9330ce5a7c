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

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from workflow.calendar.production import DateOutOfRange
from workflow.clock import local_date
from workflow.definitions.catalog import Version
from workflow.definitions.model import StateSpec, TransitionSpec
from workflow.errors import PermissionDenied, Refusal, TransitionNotAllowed
from workflow.events import CaseMoved, Event, dispatch
from workflow.fields import get_field_set
from workflow.guards import GuardContext, get_guard, missing_requirements
from workflow.policy import Actor, Principal, role_in_scope
from workflow.services import clocks
from workflow.services.case_log import append_case_event
from workflow.services.casework import (
    CaseRow,
    calendar_for,
    guard_context,
    state_deadline,
    visible_case_with_tasks,
)
from workflow.services.overdue import overdue_reason
from workflow.services.reviews import (
    close_round,
    note_implicit_claim,
    queue_round,
    review_vote,
)
from workflow.services.tasks import (
    OPEN_ROUND,
    close_open_tasks,
    open_tasks,
    pick_actor_task,
    plan_reminders,
    tasks_for_state,
)
from workflow.services.trigger_data import check_settable, promoted_columns

if TYPE_CHECKING:
    from workflow.engine import Engine


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
class Firing:
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
    live_clocks: list[Any] | None = None  # read under the lock (``clocks.LIVE_CLOCKS``)
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


def permitted_transitions(f: Firing, candidates: list[TransitionSpec]) -> list[TransitionSpec]:
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


def readiness_check(f: Firing, permitted: list[TransitionSpec]):
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
            try:
                refusal = get_guard(ref.name)(f.ctx, ref.params)
            except DateOutOfRange as exc:
                # A stored date the calendar cannot count from: a refusal naming the field,
                # whatever the guard's severity (no deadline can be computed from it).
                refusals.append(out_of_range_refusal(exc, ref.params.get("field")))
                continue
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


def out_of_range_refusal(exc: DateOutOfRange, field_name: str | None = None) -> Refusal:
    name = exc.field or field_name
    where = f"{name} " if name else "a date "
    return Refusal(
        "date_out_of_range",
        f"{where}{exc.day.isoformat()} is outside the years deadlines can be counted in; "
        f"correct {name or 'the date'} first.",
        {"field": name, "date": exc.day.isoformat()},
    )


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


def _out_of_range_refused(fire: Callable[..., FireResult]) -> Callable[..., FireResult]:
    """A deadline that would be counted from a date outside the calendar's years refuses the
    transition (``date_out_of_range``) instead of failing."""

    @wraps(fire)
    def refusing(*args, **kwargs) -> FireResult:
        try:
            return fire(*args, **kwargs)
        except DateOutOfRange as exc:
            raise TransitionNotAllowed([out_of_range_refusal(exc)]) from exc

    return refusing


@_out_of_range_refused
def fire_in(
    engine: Engine,
    session: Session,
    case_id: int,
    trigger: str,
    actor: Actor | None,
    comment: str | None,
    expected_version: int | None,
    data: dict[str, Any],
    audit: dict[str, Any] | None = None,
) -> FireResult:
    """``fire`` inside the caller's transaction: the caller commits (or rolls back).

    For services that change other rows together with a transition (cancelling a meeting
    updates its row and fires ``cancel`` in one transaction). ``audit`` is added to the audit
    event's data (how the decision came in: ``{"via": "email_link"}``).
    """
    now = engine.clock.now()
    today = local_date(now)
    comment = (comment or "").strip() or None
    case, task_rows, live_clocks = visible_case_with_tasks(
        session, case_id, actor, expected_version
    )
    version = engine.catalog.get(case.definition_id, session)
    definition = version.definition
    candidates = definition.candidates(case.state, trigger)
    if not candidates:
        raise _wrong_state(definition, case.state, trigger)

    field_set = get_field_set(definition.fields_schema)
    if data:
        check_settable(definition.states[case.state], candidates, data)
    stored_data = field_set.dump(field_set.load(data)) if data else {}
    # Derived fields too (``valid_until`` from ``in_force_from`` and ``term.years``), also for
    # a case stored before they were derived: the guards read them.
    fields = field_set.with_derived(case.fields, {**case.fields, **stored_data})
    ctx = guard_context(engine, session, case, definition, fields, today, {})
    f = Firing(engine, session, case, version, actor, trigger, comment, fields, stored_data, ctx)
    f.live_clocks = live_clocks
    if stored_data:
        f.audit_data["data"] = stored_data
    if audit:
        f.audit_data.update(audit)

    permitted = permitted_transitions(f, candidates)
    if not permitted:
        raise PermissionDenied(f"You may not '{trigger}' this case in its current state.")
    check = readiness_check(f, permitted)

    state = f.state
    acted_task_id: int | None = None
    # The open tasks of the state, as read under the lock: the ones the transition closes.
    open_ids = [row.id for row in task_rows if row.status == "open"]
    if (
        state.kind == "review"
        and state.review
        and trigger in (state.review.approve, state.review.reject)
    ):
        acted_task_id, vote_result = review_vote(f, check, now, task_rows)
        if vote_result is not None:
            return vote_result
        if trigger == state.review.approve:  # the vote closed the voter's task already
            open_ids = [i for i in open_ids if i != acted_task_id]
    elif actor is not None:
        open_rows = [row for row in task_rows if row.status == "open"]
        task, principal = pick_actor_task(definition, case, actor, open_rows)
        if task is not None:
            acted_task_id = task.id
            f.principal = principal
            note_implicit_claim(f, task)

    attempt = version.machine.run(case.state, trigger, check)
    result = _apply(
        f,
        attempt.taken,
        acted_task_id,
        open_ids,
        now,
        today,
        [w.message for w in attempt.warnings],
        attempt.warnings,
    )
    return result


def _apply(
    f: Firing,
    taken: TransitionSpec,
    acted_task_id: int | None,
    open_ids: list[int],
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
        known_open=open_ids,
    )
    if source.kind == "review" and source.review:
        outcome = {source.review.approve: "approved", source.review.reject: "returned"}.get(
            taken.trigger, "cancelled"
        )
        close_round(session, case.id, source.name, outcome, now)
    clocks.on_leave(session, case.id, source, dest.name, today, f.audit_data, f.live_clocks)

    cal = calendar_for(engine, case, definition, dest)
    fresh_due = state_deadline(engine, f.version, dest, case, f.fields, today)
    due = clocks.on_enter(
        session, case.id, dest, fresh_due, today, cal, f.audit_data, f.live_clocks
    )
    late = overdue_reason(engine, definition, dest, case, f.fields, due, today)
    if late is not None:
        f.audit_data["overdue_at_opening"] = late
    new_round = None
    if dest.kind == "review":
        # The round and its tasks go to the server together; the tasks find their round there.
        new_round = queue_round(session, case.id, dest.name, now, f.ctx.documents())
    new_tasks = tasks_for_state(definition, dest, case)
    task_ids = open_tasks(
        session,
        case,
        dest,
        new_tasks,
        due,
        OPEN_ROUND if new_round is not None else None,
        now,
        f.events,
        known_through=cal.provisional_through(due),
        overdue_reason=late,
    )
    if new_round is not None:
        f.audit_data["review_round"] = new_round.rows[0].number
    plan_reminders(session, case, definition, dest, task_ids, due, cal, now)

    values: dict[str, Any] = dict(is_closed=dest.is_terminal, state_entered_at=now)
    if f.fields != case.fields:
        values["fields"] = f.fields
        values.update(promoted_columns(definition.fields_schema, f.fields))
    new_version = append_case_event(
        session,
        case,
        kind="transition",
        actor_id=actor_id,
        now=now,
        data=f.audit_data,
        comment=f.comment,
        acting_for_id=f.acting_for,
        trigger=taken.trigger,
        to_state=dest.name,
        state=dest.name,
        **values,
    )
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
