"""Guards of the shipped procedures (agreements, plans, meetings), registered by name.

Like the spine's guards they answer "is the case ready?" and never "may this user?". Those that
need more than the case's own fields (its history, its plan of activities, the stored value a
trigger wants to replace) read through ``ctx.session``, which is read-only by contract; without a
session (a bare context in a unit test) they refuse rather than guess.

A refusal whose ``reason`` is ``"route"`` means "this branch is not the one for this case" (for
example: the Government's consent is not needed), as opposed to "not ready yet".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from workflow.calendar.durations import Duration, Unit
from workflow.calendar.terms import earliest_anchor_for, term_after, term_before
from workflow.clock import local_date
from workflow.errors import Refusal
from workflow.fields.registry import as_date, value_at
from workflow.guards import GuardContext, guard, lead_time
from workflow.persistence.models import AuditEvent, Case
from workflow.persistence.plans import PlanItem


def _fmt(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _missing(field_name: str) -> Refusal:
    return Refusal("missing_fields", f"'{field_name}' is required.", {"missing": [field_name]})


def _no_session(name: str) -> Refusal:
    return Refusal("guard", f"'{name}' cannot be checked here (no database session).")


def first_entered_on(ctx: GuardContext, state: str) -> dt.date | None:
    """The Moscow date on which the case first entered ``state``, from its audit trail."""
    if ctx.session is None or ctx.case_id is None:
        return None
    at = ctx.session.scalar(
        select(func.min(AuditEvent.created_at)).where(
            AuditEvent.case_id == ctx.case_id,
            AuditEvent.kind == "transition",
            AuditEvent.to_state == state,
        )
    )
    return local_date(at) if at is not None else None


@guard("lead_time_if_set")
def lead_time_if_set(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """``lead_time`` for a date that may not be known yet: an empty field passes.

    Used for advisory checks early in a procedure (notice of negotiations), where the planned
    signing date is often still open.
    """
    if as_date(ctx.field(params["field"])) is None:
        return None
    return lead_time(ctx, params)


@guard("lead_time_since")
def lead_time_since(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The date in ``field`` must lie at least ``parameter`` after the day the case first
    entered state ``since`` (today, if it never did).

    The regional rule is "the draft reaches the federal bodies no later than one month before
    signing": once the draft was sent, a signing date is lawful when it is a month after the
    sending, however late the approval came. Counting from today instead would refuse lawful
    dates. The first entry counts: later rounds answer remarks on the same draft.
    """
    field_name = params["field"]
    anchor = as_date(ctx.field(field_name))
    if anchor is None:
        return _missing(field_name)
    duration = ctx.parameter(params["parameter"])
    sent_on = first_entered_on(ctx, params["since"]) or ctx.today
    last_day = term_before(ctx.calendar, anchor, duration)
    if sent_on <= last_day:
        return None
    earliest = earliest_anchor_for(ctx.calendar, sent_on, duration)
    rule = (params.get("rule") or "no later than {duration} before {field}").format(
        duration=duration, field=field_name
    )
    return Refusal(
        "lead_time",
        f"Rule '{rule}': the draft was sent on {_fmt(sent_on)}, but for {field_name} "
        f"{_fmt(anchor)} it had to be sent by {_fmt(last_day)}; the earliest {field_name} "
        f"allowed is {_fmt(earliest)}.",
        {
            "rule": rule,
            "parameter": params["parameter"],
            "field": field_name,
            "date": anchor.isoformat(),
            "sent_on": sent_on.isoformat(),
            "last_allowed_day": last_day.isoformat(),
            "earliest_allowed_date": earliest.isoformat(),
        },
    )


def needs_government_consent(fields: Mapping[str, Any]) -> bool:
    """A partner that is a foreign *national* government body needs the Russian Government's
    consent (4-FZ art. 1); the initiator may also ask for it explicitly with the flag."""
    return value_at(fields, "partner.level") == "national" or bool(
        value_at(fields, "requires_government_consent")
    )


@guard("government_consent_needed")
def government_consent_needed(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """A routing guard: passes when the need for the Government's consent equals ``value``."""
    needed = needs_government_consent({**ctx.fields, **ctx.data})
    if needed == bool(params.get("value", True)):
        return None
    default = (
        "The Government's consent is needed for this partner: request it first."
        if needed
        else "This partner needs no Government consent."
    )
    return Refusal("route", params.get("message") or default, {"consent_needed": needed})


@guard("related_case_in_state")
def related_case_in_state(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """A case of ``kind`` attached to this one (``parent_case_id``) is in one of ``states``.

    Used for "in force → implementation once its plan of activities is adopted".
    """
    if ctx.session is None:
        return _no_session("related_case_in_state")
    states = list(params["states"])
    found = ctx.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.parent_case_id == ctx.case_id,
            Case.kind == params["kind"],
            Case.state.in_(states),
        )
    )
    if found:
        return None
    return Refusal(
        "guard",
        params.get("message") or f"No related {params['kind']} is in state {', '.join(states)}.",
        {"kind": params["kind"], "states": states},
    )


@guard("plan_has_items")
def plan_has_items(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """A plan goes to review only with at least one item that is not cancelled."""
    if ctx.session is None:
        return _no_session("plan_has_items")
    count = ctx.session.scalar(
        select(func.count())
        .select_from(PlanItem)
        .where(PlanItem.plan_case_id == ctx.case_id, PlanItem.status != "cancelled")
    )
    if count:
        return None
    return Refusal("guard", "The plan has no items yet: add at least one activity.")


@guard("date_reached")
def date_reached(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """Today is on or after the date in ``field`` (an agreement expires on its end date, a
    meeting is recorded as held on or after its day)."""
    field_name = params["field"]
    day = as_date(ctx.field(field_name))
    if day is None:
        return _missing(field_name)
    if ctx.today >= day:
        return None
    return Refusal(
        "guard",
        f"{field_name} is {_fmt(day)}: not before that day.",
        {"field": field_name, "date": day.isoformat()},
    )


@guard("dates_not_in_future")
def dates_not_in_future(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """Each date in ``fields`` that is set lies today or earlier (a signature is recorded once
    it happened). Empty fields are left to ``requires``."""
    late = []
    for field_name in params["fields"]:
        day = as_date(ctx.field(field_name))
        if day is not None and day > ctx.today:
            late.append(field_name)
    if not late:
        return None
    return Refusal(
        "guard",
        "These dates are in the future: " + ", ".join(late) + ".",
        {"fields": late},
    )


@guard("field_advances")
def field_advances(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The trigger moves the date in ``field`` forward (the next reporting period, a renewed
    term): a repeated report cannot re-use the period it already covered."""
    field_name = params["field"]
    new = as_date(ctx.field(field_name))
    if new is None:
        return _missing(field_name)
    if ctx.session is None:
        return _no_session("field_advances")
    stored = ctx.session.scalar(select(Case.fields).where(Case.id == ctx.case_id)) or {}
    old = as_date(value_at(stored, field_name))
    if old is None or new > old:
        return None
    return Refusal(
        "guard",
        f"Give a {field_name} later than {_fmt(old)}.",
        {"field": field_name, "current": old.isoformat()},
    )


@guard("notice_elapsed")
def notice_elapsed(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The notice period of a termination has run out.

    The period is the agreement's own clause (``days_field``, in calendar days) or, when the
    agreement says nothing, the definition's ``parameter``; it counts from the day after the
    notice (``field``) by Civil Code art. 191, ending on a working day (art. 193).
    """
    notice_day = as_date(ctx.field(params["field"]))
    if notice_day is None:
        return _missing(params["field"])
    days = ctx.field(params["days_field"]) if params.get("days_field") else None
    period = (
        Duration(int(days), Unit.CALENDAR_DAYS)
        if isinstance(days, int) and not isinstance(days, bool)
        else ctx.parameter(params["parameter"])
    )
    ends_on = term_after(ctx.calendar, notice_day, period)
    if ctx.today >= ends_on:
        return None
    return Refusal(
        "guard",
        f"The notice of {_fmt(notice_day)} runs for {period}: the agreement can be terminated "
        f"from {_fmt(ends_on)}.",
        {"notice_date": notice_day.isoformat(), "ends_on": ends_on.isoformat()},
    )


def _meeting_of(ctx: GuardContext):
    from workflow.persistence.meetings import Meeting  # the meetings tables are optional here

    return ctx.session.execute(
        select(Meeting.status, Meeting.minutes).where(Meeting.case_id == ctx.case_id)
    ).first()


@guard("meeting_status")
def meeting_status(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The cycle's meeting row has ``status``: cancelling or holding a meeting goes through the
    meeting services, which also update the invitations (iCal sequence) and notify the
    participants; a bare trigger would leave the calendar telling people to come. A cycle
    without a meeting row has nothing to keep in step and passes."""
    if ctx.session is None:
        return _no_session("meeting_status")
    meeting = _meeting_of(ctx)
    if meeting is None or meeting.status == params["status"]:
        return None
    return Refusal(
        "guard",
        params.get("message") or f"The meeting is {meeting.status}, not {params['status']}.",
        {"meeting_status": meeting.status},
    )


@guard("minutes_recorded")
def minutes_recorded(ctx: GuardContext, params: Mapping[str, Any]) -> Refusal | None:
    """The meeting's minutes have been written (``record_minutes``) before they go round."""
    if ctx.session is None:
        return _no_session("minutes_recorded")
    meeting = _meeting_of(ctx)
    if meeting is not None and (meeting.minutes or "").strip():
        return None
    return Refusal("guard", "Record the minutes of the meeting first.")


# The resubmission guard lives beside the review-round queries it reads.
from workflow import review_guards  # noqa: E402, F401  isort: skip
