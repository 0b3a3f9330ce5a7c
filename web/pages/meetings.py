"""Coordinating meetings: the list, a month calendar, and a meeting's page (agenda, proposals
and reports from the regions, minutes and decisions)."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request

from web.current import engine, settings
from web.pages.common import actor, signed_in
from workflow.errors import NotFound
from workflow.queries import meetings as meetings_q

bp = Blueprint("meetings", __name__)


@bp.get("/meetings")
@signed_in
def index():
    actor()
    eng = engine()
    with eng.uow(write=False) as uow:
        rows = meetings_q.list_meetings(uow.session)
    now = eng.clock.now()
    upcoming = sorted((m for m in rows if m.ends_at >= now), key=lambda m: m.starts_at)
    past = [m for m in rows if m.ends_at < now]
    return render_template("meetings/index.html", upcoming=upcoming, past=past)


def _month(value: str | None, today: dt.date) -> dt.date:
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@bp.get("/meetings/calendar")
@signed_in
def calendar():
    actor()
    eng = engine()
    today = eng.today()
    first = _month(request.args.get("month"), today)
    tz = ZoneInfo(settings().timezone)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = dt.datetime.combine(weeks[0][0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(weeks[-1][-1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    with eng.uow(write=False) as uow:
        rows = meetings_q.in_period(uow.session, start, end)
    events: dict[dt.date, list] = {}
    for m in rows:
        day = m.starts_at.astimezone(tz).date()
        last = m.ends_at.astimezone(tz).date()
        while day <= last:
            events.setdefault(day, []).append(("meeting", m))
            day += dt.timedelta(days=1)
        for kind, due in (("proposals", m.proposals_due_on), ("reports", m.reports_due_on)):
            if due:
                events.setdefault(due, []).append((kind, m))
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    cal = eng.catalog.calendars.federal
    return render_template(
        "meetings/calendar.html",
        first=first,
        weeks=weeks,
        events=events,
        today=today,
        previous=previous,
        following=following,
        working=cal.is_working_day,
    )


@bp.get("/meetings/<int:meeting_id>")
@signed_in
def show(meeting_id: int):
    from web.pages.meeting_actions import page_actions  # it adds routes to this blueprint

    me = actor()
    with engine().uow(write=False) as uow:
        found = meetings_q.detail(uow.session, meeting_id)
    if found is None:
        raise NotFound(f"Meeting {meeting_id} not found.")
    return render_template(
        "meetings/show.html", d=found, m=found.meeting, can=page_actions(found, me)
    )
