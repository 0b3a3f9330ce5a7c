"""Term arithmetic by the Civil Code of the Russian Federation, arts. 191–193.

- A term counted from an event starts the day *after* it (art. 191).
- A term in months ends on the same date of the final month; if that month has no such date,
  on its last day (art. 192).
- A forward term whose last day is a non-working day ends on the next working day (art. 193).
- A backward deadline ("no later than N before X") that falls on a non-working day moves to the
  *previous* working day. The Code is silent here; moving earlier is the conservative default,
  because moving later would let a party miss the real deadline.
- A term in working days counts only working days, starting with the first one after the event.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt

from workflow.calendar.durations import Duration, Unit
from workflow.calendar.production import ProductionCalendar, check_in_range


def _shift_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_working_days(cal: ProductionCalendar, start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (before it when ``count`` is negative).

    ``count == 0`` returns ``start`` unchanged.
    """
    check_in_range(start)
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def term_after(cal: ProductionCalendar, event: dt.date, duration: Duration) -> dt.date:
    """Last day of a term "within ``duration`` after ``event``"."""
    check_in_range(event)
    if duration.unit is Unit.WORKING_DAYS:
        return add_working_days(cal, event, duration.amount)
    if duration.unit is Unit.MONTHS:
        end = _shift_months(event, duration.amount)
    else:
        end = event + dt.timedelta(days=duration.amount)
    return cal.next_working_day(end)


def term_before(cal: ProductionCalendar, anchor: dt.date, duration: Duration) -> dt.date:
    """Last permitted day for "no later than ``duration`` before ``anchor``"."""
    check_in_range(anchor)
    if duration.unit is Unit.WORKING_DAYS:
        return add_working_days(cal, anchor, -duration.amount)
    if duration.unit is Unit.MONTHS:
        end = _shift_months(anchor, -duration.amount)
    else:
        end = anchor - dt.timedelta(days=duration.amount)
    return cal.previous_working_day(end)


def earliest_anchor_for(
    cal: ProductionCalendar, earliest_action: dt.date, duration: Duration
) -> dt.date:
    """The earliest ``anchor`` with ``term_before(anchor)`` on or after ``earliest_action``.

    Used to tell a user the earliest signing date still allowed when the draft is submitted today.
    """
    check_in_range(earliest_action)
    if duration.unit is Unit.WORKING_DAYS:
        candidate = add_working_days(cal, earliest_action, duration.amount)
    elif duration.unit is Unit.MONTHS:
        candidate = _shift_months(earliest_action, duration.amount)
    else:
        candidate = earliest_action + dt.timedelta(days=duration.amount)
    # Step back while an earlier anchor still satisfies the rule, then forward until it does.
    while term_before(cal, candidate - dt.timedelta(days=1), duration) >= earliest_action:
        candidate -= dt.timedelta(days=1)
    while term_before(cal, candidate, duration) < earliest_action:
        candidate += dt.timedelta(days=1)
    return candidate
