"""Every "now" in soglasie comes from a clock object, so tests and the what-if timeline can
move time.

Services receive the clock from the engine; nothing in the engine calls ``datetime.now()`` itself.
SQL ``now()`` is never used either: the current time is passed in as a bind parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.UTC
MOSCOW = ZoneInfo("Europe/Moscow")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: dt.datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._now += dt.timedelta(**delta)


def local_date(instant: dt.datetime, tz: dt.tzinfo = MOSCOW) -> dt.date:
    """The civil date of an instant in ``tz`` (Moscow by default, where the ministries sit)."""
    return instant.astimezone(tz).date()


def at_local_time(day: dt.date, hour: int = 9, tz: dt.tzinfo = MOSCOW) -> dt.datetime:
    """The UTC instant of ``hour``:00 local time on ``day``.

    Reminders go out at the start of a working day.
    """
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(UTC)
