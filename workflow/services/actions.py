"""What a person may do on a case now, and what still blocks each action (read-only).

Used by the agreement page (it shows only possible actions, with the fields each needs) and by
``GET /api/v1/agreements/{id}/transitions``. Runs the same permission and readiness checks as
``fire``, without changing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflow.clock import local_date
from workflow.errors import Refusal
from workflow.policy import Actor
from workflow.services.casework import guard_context, visible_case
from workflow.services.firing import Firing, permitted_transitions, readiness_check
from workflow.services.reviews import current_round
from workflow.services.tasks import actor_task

if TYPE_CHECKING:
    from workflow.engine import Engine


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
        f = Firing(
            engine, session, case, version, actor, "", "(comment)", dict(case.fields), {}, ctx
        )
        review_task = None
        if state.kind == "review":
            current = current_round(session, case.id, case.state)
            review_task, _ = actor_task(
                session, definition, case, actor, round_id=current.id if current else None
            )
        result = []
        seen: set[str] = set()
        for spec in definition.transitions_from(case.state):
            if spec.trigger in seen or spec.by_system:
                continue
            candidates = definition.candidates(case.state, spec.trigger)
            permitted = permitted_transitions(f, candidates)
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
                refusals = [
                    r for r in readiness_check(f, permitted)(candidate) if r.reason != "warning"
                ]
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
