"""Why a task opens already past its due date.

A term counted from the task's own start ("30 days after entered") can never have passed when
the task opens (``clocks.on_enter`` restarts a review clock an earlier round used up). A term
counted from a date of the case can: the clearance "no later than one month before the planned
signing", reached again a week before the signing, is truly overdue. Such a task keeps its
honest date and carries the reason, so the inbox and the API can say why, and the history
records it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from workflow.definitions.model import Definition, StateSpec
from workflow.fields.registry import as_date

if TYPE_CHECKING:
    from workflow.engine import Engine
    from workflow.services.casework import CaseRow


def overdue_reason(
    engine: Engine,
    definition: Definition,
    state: StateSpec,
    case: CaseRow,
    fields: dict[str, Any],
    due: dt.date | None,
    opened_on: dt.date,
) -> dict[str, Any] | None:
    """The reason a task of ``state`` due on ``due`` opens overdue on ``opened_on``, or None
    when it opens in time."""
    spec = state.deadline
    if spec is None or due is None or due >= opened_on:
        return None
    term = engine.catalog.parameter(definition, spec.within, case.calendar_code)
    anchor_on = opened_on if spec.anchor == "entered" else as_date(fields.get(spec.anchor))
    return {
        "anchor": spec.anchor,
        "anchor_on": anchor_on.isoformat() if anchor_on else None,
        "direction": spec.direction,
        "within": spec.within,
        "term": str(term),
        "due_on": due.isoformat(),
        "opened_on": opened_on.isoformat(),
    }
