"""Whose calendar a state's deadline counts on: the organization that performs the work.

Federal bodies (the holders of ``global`` roles: the ministries, the Government Office, the
Ministry of Justice, the coordinating agency) work on the federal production calendar, whatever
the case's region; a region's bodies and its municipalities (``party`` and ``region`` roles)
work on the region's calendar. So the Ministry of Foreign Affairs gets the same five working
days for a Tatarstan draft as for any other, while the republic's own holidays still count for
the republic's own work.

A state without acting roles (a wait state, a deadline the region must meet before an event)
counts on the region's calendar: the lead times that bind the region are the region's.
"""

from __future__ import annotations

from workflow.definitions.model import Definition, StateSpec

FEDERAL = "federal"
REGIONAL = "regional"


def acting_roles(state: StateSpec) -> tuple[str, ...]:
    """The roles whose holders do the state's work (a review's reviewers)."""
    return (*state.roles, *(state.review.reviewers if state.review else ()))


def performer(definition: Definition, state: StateSpec) -> str:
    """``FEDERAL`` when every acting role of ``state`` is a federal (``global``) role,
    ``REGIONAL`` otherwise. A state mixing both is reported by the verifier (rule
    ``mixed-calendars``) and counts on the region's calendar."""
    roles = acting_roles(state)
    if roles and all(
        role in definition.roles and definition.roles[role].scope == "global" for role in roles
    ):
        return FEDERAL
    return REGIONAL


def mixes_calendars(definition: Definition, state: StateSpec) -> bool:
    scopes = {definition.roles[r].scope for r in acting_roles(state) if r in definition.roles}
    return "global" in scopes and len(scopes) > 1


def calendar_code(definition: Definition, state_name: str, region_code: str | None) -> str | None:
    """The calendar a task of ``state_name`` counts on, as a region code for
    ``CalendarSet.for_region``: None (the federal calendar) when a federal body performs it,
    ``region_code`` otherwise (also for a state the definition does not know: a meeting's
    follow-up task is the region's). For pages and the API that only hold codes."""
    state = definition.states.get(state_name)
    if state is not None and performer(definition, state) == FEDERAL:
        return None
    return region_code
