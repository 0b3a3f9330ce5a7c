"""Public pages, no sign-in: the list of regions, a region's signed and registered agreements
and adopted plans, and an iCal feed of its meetings and public deadlines.

What may be shown is decided by the definitions (states marked ``public``), and only public
columns are read (``workflow.queries.public``): no names of officials, no comments, no drafts.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from icalendar import Calendar, Event

from web import defs
from web.current import engine, settings
from workflow.errors import NotFound
from workflow.queries import public as public_q

bp = Blueprint("public", __name__)


def _load(code: str):
    states = defs.public_states()
    with engine().uow(write=False) as uow:
        region = public_q.region(uow.session, code)
        if region is None:
            raise NotFound(f"Region {code} not found.")
        cases = public_q.cases(uow.session, region.id, states)
        plan_kinds = set(defs.kinds_of("plan"))
        plans = [c for c in cases if c.kind in plan_kinds]
        items = public_q.items(uow.session, [p.id for p in plans])
        meetings = public_q.meetings(uow.session, region.id)
    return region, cases, plans, items, meetings


@bp.get("/public")
def index():
    with engine().uow(write=False) as uow:
        regions = public_q.regions(uow.session)
    return render_template("public/index.html", regions=regions)


@bp.get("/public/regions/<code>")
def region(code: str):
    region, cases, plans, items, meetings = _load(code)
    plan_ids = {p.id for p in plans}
    agreements = [c for c in cases if c.id not in plan_ids]
    items_by_plan: dict[int, list] = {}
    for item in items:
        items_by_plan.setdefault(item.plan_case_id, []).append(item)
    now = engine().clock.now()
    return render_template(
        "public/region.html",
        region=region,
        agreements=agreements,
        plans=plans,
        items_by_plan=items_by_plan,
        upcoming=[m for m in meetings if m.ends_at >= now and m.status != "cancelled"],
        past=[m for m in meetings if m.ends_at < now][:5],
    )


def _all_day(uid: str, day: dt.date, summary: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    return event


@bp.get("/public/regions/<code>/calendar.ics")
def calendar(code: str):
    """RFC 5545 feed: the region's meetings (stable UID, SEQUENCE from reschedules), the
    proposal and report deadlines of those meetings, and the due dates of adopted plans'
    activities. Calendar clients show the text as it is, so all of it is in one language:
    Russian, or English with ``?lang=en`` (never the visitor's session language, which would
    mix with the Russian names)."""
    from web.field_messages import in_language

    lang = "en" if request.args.get("lang") == "en" else "ru"
    return in_language(lang, lambda: _calendar(code, lang))


def _calendar(code: str, lang: str):
    region, _cases, plans, items, meetings = _load(code)
    host = settings().base_url.split("://", 1)[-1].split("/", 1)[0] or "soglasie.local"
    cal = Calendar()
    cal.add("prodid", f"-//soglasie//public calendar//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    english = lang == "en"
    region_name = (english and region.name_en) or region.name_ru
    cal.add("x-wr-calname", _("%(region)s: meetings and deadlines", region=region_name))
    stamp = engine().clock.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", meeting.ical_uid)
        event.add("sequence", meeting.ical_sequence)
        event.add("dtstamp", meeting.updated_at or stamp)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        meeting_title = (english and meeting.title_en) or meeting.title_ru
        event.add("summary", meeting_title)
        if meeting.venue:
            event.add("location", meeting.venue)
        event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
        cal.add_component(event)
        if meeting.proposals_due_on:
            cal.add_component(
                _all_day(
                    f"{meeting.ical_uid}-proposals",
                    meeting.proposals_due_on,
                    _("Proposals for the meeting: %(title)s", title=meeting_title),
                    stamp,
                )
            )
        if meeting.reports_due_on:
            cal.add_component(
                _all_day(
                    f"{meeting.ical_uid}-reports",
                    meeting.reports_due_on,
                    _("Reports for the meeting: %(title)s", title=meeting_title),
                    stamp,
                )
            )
    plan_titles = {p.id: p.title for p in plans}
    for item in items:
        if item.due_on and item.status not in ("done", "cancelled"):
            cal.add_component(
                _all_day(
                    f"plan-item-{item.id}@{host}",
                    item.due_on,
                    f"{item.title} ({plan_titles.get(item.plan_case_id, '')})",
                    stamp,
                )
            )
    return Response(
        cal.to_ical(),
        mimetype="text/calendar",
        headers={"Content-Disposition": f"inline; filename={code}.ics"},
    )
