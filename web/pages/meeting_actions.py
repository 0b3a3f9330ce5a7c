"""What people do on a meeting's page: the coordinating agency reschedules, cancels, records
that it was held and writes the minutes with their decisions; an invited region submits a
proposal or a report (``workflow.services.meetings`` and ``meeting_minutes``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web.current import engine
from web.formatting import fdate
from web.i18n import language
from web.pages.common import actor, flash_error, is_coordinator, signed_in
from web.pages.form_once import once_per_form
from web.pages.meetings import bp
from workflow.errors import NotFound, WorkflowError
from workflow.persistence.models import Organization
from workflow.queries import meetings as meetings_q
from workflow.services.meeting_dates import DayOffNotConfirmed, held_can_be_recorded
from workflow.services.meeting_minutes import DecisionInput

MAX_DECISIONS = 5


def _back(meeting_id: int):
    return redirect(url_for("meetings.show", meeting_id=meeting_id), 303)


def _detail(meeting_id: int):
    with engine().uow(write=False) as uow:
        found = meetings_q.detail(uow.session, meeting_id)
    if found is None:
        raise NotFound(f"Meeting {meeting_id} not found.")
    return found


def _at(day: str, time: str, zone: str) -> dt.datetime:
    return dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=ZoneInfo(zone)
    )


def _meeting_url(meeting_id: int) -> str:
    return url_for("meetings.show", meeting_id=meeting_id)


@bp.route("/meetings/<int:meeting_id>/reschedule", methods=["GET", "POST"])
@signed_in
def reschedule(meeting_id: int):
    me = actor()
    if not is_coordinator(me):
        abort(403, _("Meetings are moved by the coordinating agency."))
    found = _detail(meeting_id)
    m = found.meeting
    day_off = None
    if request.method == "POST":
        form = request.form
        try:
            starts = _at(form["day"], form["starts"], m.timezone)
            ends = _at(form.get("end_day") or form["day"], form["ends"], m.timezone)
            expected = int(form["expected_sequence"])
        except (KeyError, ValueError):
            flash(_("Give the date and the start and end times."), "error")
        else:
            try:
                engine().reschedule_meeting(
                    meeting_id,
                    me,
                    starts_at=starts,
                    ends_at=ends,
                    venue=(form.get("venue") or "").strip() or None,
                    expected_sequence=expected,
                    confirm_day_off=form.get("confirm_day_off") == "1",
                )
            except DayOffNotConfirmed as exc:
                day_off = exc.day
                flash(_day_off_warning(exc), "warning")
            except WorkflowError as exc:
                flash_error(exc)
            else:
                flash(_("The meeting is moved. Participants get an updated invitation."), "success")
                return _back(meeting_id)
    local = m.starts_at.astimezone(ZoneInfo(m.timezone))
    local_end = m.ends_at.astimezone(ZoneInfo(m.timezone))
    if day_off is not None:  # the form keeps what was typed, with the confirmation to tick
        form = request.form
        local = _at(form["day"], form["starts"], m.timezone)
        local_end = _at(form.get("end_day") or form["day"], form["ends"], m.timezone)
    return render_template(
        "meetings/reschedule.html",
        d=found,
        m=m,
        local=local,
        local_end=local_end,
        day_off=day_off,
    )


def _day_off_warning(exc: DayOffNotConfirmed) -> str:
    day = fdate(exc.day)
    if exc.holiday:
        return _(
            "%(day)s is a public holiday (%(holiday)s). Tick the confirmation to hold the "
            "meeting on that day anyway.",
            day=day,
            holiday=exc.holiday_ru if language() == "ru" else exc.holiday,
        )
    return _(
        "%(day)s is a day off. Tick the confirmation to hold the meeting on that day anyway.",
        day=day,
    )


@bp.post("/meetings/<int:meeting_id>/held")
@signed_in
@once_per_form(back=_meeting_url)
def held(meeting_id: int):
    try:
        engine().record_meeting_held(meeting_id, actor(), request.form.get("comment") or None)
        flash(_("The meeting is recorded as held."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/cancel")
@signed_in
@once_per_form(back=_meeting_url)
def cancel(meeting_id: int):
    try:
        engine().cancel_meeting(meeting_id, actor(), request.form.get("reason", ""))
        flash(_("The meeting is cancelled. Participants are notified."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/submissions")
@signed_in
@once_per_form(back=_meeting_url)
def submit(meeting_id: int):
    form = request.form
    try:
        engine().submit_to_meeting(
            meeting_id,
            actor(),
            form.get("kind", ""),
            form.get("title", ""),
            form.get("text", ""),
        )
        flash(_("Your submission is recorded."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/minutes")
@signed_in
@once_per_form(back=_meeting_url)
def minutes(meeting_id: int):
    form = request.form
    decisions = []
    for index in range(MAX_DECISIONS):
        text = (form.get(f"decision-{index}-text") or "").strip()
        if not text:
            continue
        try:
            org_id = int(form.get(f"decision-{index}-org") or 0)
            due = form.get(f"decision-{index}-due") or None
            due_on = dt.date.fromisoformat(due) if due else None
        except ValueError:
            flash(_("Decision %(n)d: check the organization and the date.", n=index + 1), "error")
            return _back(meeting_id)
        decisions.append(DecisionInput(text, org_id, due_on))
    try:
        engine().record_minutes(meeting_id, actor(), form.get("text", ""), decisions)
        flash(_("The minutes are recorded."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(meeting_id)


def organizations() -> list:
    with engine().uow(write=False) as uow:
        return uow.session.execute(
            select(Organization.id, Organization.name_ru)
            .where(Organization.kind.in_(("region", "municipality", "federal_body")))
            .order_by(Organization.kind, Organization.name_ru)
        ).all()


def page_actions(found, me) -> dict:
    """Which forms the meeting page shows to ``me``."""
    m = found.meeting
    coordinator = is_coordinator(me)
    invited = {org_id for org_id, _ru, _en in found.participants}
    return {
        "reschedule": coordinator and m.status == "planned",
        "held": coordinator
        and m.status == "planned"
        and held_can_be_recorded(m.starts_at, ZoneInfo(m.timezone), engine().today()),
        "cancel": coordinator and m.status == "planned",
        "minutes": coordinator and m.case_state == "meeting_held",
        "submit": me.me.org_id in invited and m.status != "cancelled",
        "orgs": organizations() if coordinator and m.case_state == "meeting_held" else [],
        "max_decisions": MAX_DECISIONS,
    }
