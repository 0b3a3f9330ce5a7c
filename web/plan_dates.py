"""When a plan's activity is past its term: the day it is due, or the last day of its quarter.

An activity still marked "planned" after that is flagged on the pages (the public page too): the
owner has not recorded it as done, postponed or cancelled.
"""

from __future__ import annotations

import datetime as dt

from web.current import engine

OPEN_STATUSES = frozenset({"planned"})


def quarter_end(quarter: str | None) -> dt.date | None:
    """``2026-Q4`` → 31 December 2026; None for anything else."""
    year, _sep, number = str(quarter or "").partition("-Q")
    if not (year.isdigit() and number in ("1", "2", "3", "4")):
        return None
    month = int(number) * 3
    first_of_next = dt.date(int(year) + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def past_due(item, today: dt.date | None = None) -> bool:
    """Is ``item`` (``status``, ``due_on``, ``due_quarter``) still planned after its term?"""
    if getattr(item, "status", None) not in OPEN_STATUSES:
        return False
    term = getattr(item, "due_on", None) or quarter_end(getattr(item, "due_quarter", None))
    return term is not None and term < (today or engine().today())
