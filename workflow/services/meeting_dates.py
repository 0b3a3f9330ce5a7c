"""The dates that hang on a meeting's day, and the day itself.

* A meeting on a day off (23 February, a Saturday) is not refused — an agency may meet on one —
  but never slips through unnoticed: moving it there needs an explicit confirmation
  (``DayOffNotConfirmed`` names the day and the holiday).
* When the meeting moves, every date counted from it moves too: the open task's deadline
  (``update_fields_in`` re-plans it from ``meeting_date``), the proposals deadline while the
  proposals are still being collected (by as many days as the meeting moved, to a working day,
  with its task and reminders), and the regions' reports, due after the end of the meeting's
  own year (a meeting moved into January is followed by the next year's reports, not by reports
  due a week before it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.calendar.production import ProductionCalendar
from workflow.calendar.terms import term_after
from workflow.errors import Conflict


class DayOffNotConfirmed(Conflict):
    """The new day is not a working day and the caller did not confirm it."""

    code = "day_off_not_confirmed"

    def __init__(self, day: dt.date, holiday: str | None, holiday_ru: str | None = None):
        what = f"a public holiday ({holiday})" if holiday else "a day off"
        super().__init__(
            f"{day.isoformat()} is {what}: confirm to hold the meeting on a non-working day."
        )
        self.day, self.holiday = day, holiday
        self.holiday_ru = holiday_ru or holiday  # for a Russian page
        self.errors: dict[str, Any] = {
            "starts_at": f"{day.isoformat()} is {what}.",
            "confirm_day_off": "Send true to hold the meeting on that day anyway.",
        }


def check_working_day(cal: ProductionCalendar, day: dt.date, confirmed: bool) -> None:
    if not confirmed and not cal.is_working_day(day):
        raise DayOffNotConfirmed(day, cal.holiday_name(day), cal.holiday_name(day, "ru"))


def reports_due(cal: ProductionCalendar, meeting_day: dt.date, term) -> dt.date:
    """The regions' reports on the meeting's year: ``term`` after its 31 December."""
    return term_after(cal, dt.date(meeting_day.year, 12, 31), term)


def moved_proposals_due(
    cal: ProductionCalendar, due: dt.date, old_day: dt.date, new_day: dt.date, today: dt.date
) -> dt.date:
    """The proposals deadline moved by as many days as the meeting, to a working day, and
    never into the past."""
    return cal.next_working_day(max(due + (new_day - old_day), today))


def held_can_be_recorded(starts_at: dt.datetime, zone: dt.tzinfo, today: dt.date) -> bool:
    """A meeting is recorded as held on or after its own day (the transition's guard says the
    same): the page does not offer it two months ahead."""
    return starts_at.astimezone(zone).date() <= today
