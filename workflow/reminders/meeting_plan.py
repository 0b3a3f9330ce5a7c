"""The plan of a coordinating meeting's reminders, as pure data: which rows, for whom, when.

Each invited region's contacts are reminded at the configured offsets before the meeting
(default 30, 14, 7 and 1 working days) and before the proposals and reports deadlines (default
5 and 1 working days), counted in that region's production calendar and sent at 09:00 in the
region's own time zone. ``planned_rows`` touches no database: the handler and the what-if
timeline both call it, so the timeline shows exactly what a reschedule would plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.calendar.durations import Duration, Unit
from workflow.calendar.production import CalendarSet
from workflow.calendar.terms import add_working_days, term_before
from workflow.clock import at_local_time
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Organization
from workflow.queries.aliases import PARENT

DEFAULT_MEETING_OFFSETS: tuple[Duration, ...] = tuple(
    Duration(n, Unit.WORKING_DAYS) for n in (30, 14, 7, 1)
)
DEFAULT_DEADLINE_OFFSETS: tuple[Duration, ...] = tuple(
    Duration(n, Unit.WORKING_DAYS) for n in (5, 1)
)
DEADLINE_FIELDS = {"proposals": "proposals_due_on", "reports": "reports_due_on"}


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    case_id: int
    starts_at: dt.datetime
    timezone: str
    status: str
    proposals_due_on: dt.date | None
    reports_due_on: dt.date | None

    @property
    def day(self) -> dt.date:
        """The meeting's civil date where it takes place."""
        return self.starts_at.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class OrgFacts:
    id: int
    code: str
    calendar_code: str | None  # the region's calendar (a municipality's parent region's)
    timezone: str


def calendars_of(session: Session) -> CalendarSet:
    """The engine's production calendars, which the engine puts in ``session.info``; the
    federal calendar alone when a session comes from elsewhere."""
    calendars = session.info.get("calendars")
    return calendars if calendars is not None else CalendarSet.load(None)


def key_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def _slug(duration: Duration) -> str:
    return str(duration).replace(" ", "_")


def _before(cal, day: dt.date, duration: Duration) -> dt.date:
    if duration.unit is Unit.WORKING_DAYS:
        return add_working_days(cal, day, -duration.amount)
    return term_before(cal, day, duration)


def planned_rows(
    meeting: MeetingFacts,
    orgs: Sequence[OrgFacts],
    calendars: CalendarSet,
    now: dt.datetime,
    offsets: Sequence[Duration] = DEFAULT_MEETING_OFFSETS,
    deadline_offsets: Sequence[Duration] = DEFAULT_DEADLINE_OFFSETS,
) -> list[dict[str, Any]]:
    """Reminder rows for ``meeting`` and ``orgs`` (pure: no database).

    Each reminder goes out at 09:00 in the organization's own time zone on a working day of
    its region's calendar. Moments already past are skipped. The timeline calls this with a
    hypothetical date to show what a reschedule would plan.
    """
    rows: list[dict[str, Any]] = []
    for org in orgs:
        cal = calendars.for_region(org.calendar_code)
        tz = ZoneInfo(org.timezone)
        for before in offsets:
            day = _before(cal, meeting.day, before)
            rows.append(
                _row(
                    key=f"{key_prefix(meeting.id)}on:{meeting.day}:org:{org.id}:"
                    f"before:{_slug(before)}",
                    meeting=meeting,
                    org=org,
                    kind="meeting",
                    due_at=at_local_time(day, tz=tz),
                    deadline_on=meeting.day,
                    rule=f"{before} before the meeting on {meeting.day:%d.%m.%Y} "
                    f"({cal.name} calendar)",
                    data={"meeting_id": meeting.id, "before": str(before)},
                    now=now,
                )
            )
        for what, column in DEADLINE_FIELDS.items():
            due_on = getattr(meeting, column)
            if due_on is None:
                continue
            for before in deadline_offsets:
                day = _before(cal, due_on, before)
                rows.append(
                    _row(
                        key=f"{key_prefix(meeting.id)}{what}:{due_on}:org:{org.id}:"
                        f"before:{_slug(before)}",
                        meeting=meeting,
                        org=org,
                        kind="deadline",
                        due_at=at_local_time(day, tz=tz),
                        deadline_on=due_on,
                        rule=f"{before} before the {what} deadline {due_on:%d.%m.%Y} "
                        f"({cal.name} calendar)",
                        data={"meeting_id": meeting.id, "before": str(before), "deadline": what},
                        now=now,
                    )
                )
    return [row for row in rows if row["due_at"] > now]


def _row(*, key, meeting, org, kind, due_at, deadline_on, rule, data, now) -> dict[str, Any]:
    return dict(
        key=key,
        case_id=meeting.case_id,
        task_id=None,
        kind=kind,
        due_at=due_at,
        deadline_on=deadline_on,
        role=None,
        org_id=org.id,
        user_id=None,
        rule=rule,
        data=data,
        status="pending",
        created_at=now,
    )


# --- loading -----------------------------------------------------------------------------------


def load_meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id, populate_existing=True)


def meeting_facts(meeting: Meeting) -> MeetingFacts:
    return MeetingFacts(
        meeting.id,
        meeting.case_id,
        meeting.starts_at,
        meeting.timezone,
        meeting.status,
        meeting.proposals_due_on,
        meeting.reports_due_on,
    )


def org_facts(session: Session, org_ids: Iterable[int]) -> list[OrgFacts]:
    ids = sorted(set(org_ids))
    if not ids:
        return []
    rows = session.execute(
        select(
            Organization.id,
            Organization.code,
            Organization.calendar_code,
            PARENT.calendar_code,
            Organization.timezone,
        )
        .outerjoin(PARENT, PARENT.id == Organization.parent_id)
        .where(Organization.id.in_(ids))
        .order_by(Organization.id)
    ).all()
    return [OrgFacts(i, code, own or inherited, tz) for i, code, own, inherited, tz in rows]


def participant_ids(session: Session, meeting_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(MeetingParticipant.org_id).where(MeetingParticipant.meeting_id == meeting_id)
        )
    )


def snapshot(meeting: Meeting, method: str, sequence: int, now: dt.datetime) -> dict[str, Any]:
    """What an invitation row needs to render its email and .ics, frozen at decision time."""
    return {
        "meeting_id": meeting.id,
        "uid": meeting.ical_uid,
        "sequence": sequence,
        "method": method,
        "status": "CANCELLED" if method == "CANCEL" else "CONFIRMED",
        "title_ru": meeting.title_ru,
        "title_en": meeting.title_en,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "timezone": meeting.timezone,
        "venue": meeting.venue,
        "proposals_due_on": _iso(meeting.proposals_due_on),
        "reports_due_on": _iso(meeting.reports_due_on),
        "stamp": now.isoformat(),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
