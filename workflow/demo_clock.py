"""Time passing in the demo: a simulated clock that the web app and the worker share.

Only in demo mode (``SOGLASIE_ENV=demo``): an administrator moves the clock forward by an hour,
a day or a week (``/admin/clock``), or ``soglasie demo --speed 60 --now 2027-01-10`` starts it
running sixty times faster from a chosen moment. The reminders, escalations and digests due by
then fire at the worker's next sweep and land in the demo mailbox. Production never reads it:
``install`` does nothing outside demo mode, and the settings that start it are refused there.

The state is one row (``workflow.persistence.demo_clock``); each process reads it at most every
``REFRESH_SECONDS``, so a move made in the web app reaches a separate worker process within
seconds. The simulated time only moves forward: a reminder that has fired stays fired.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine as SAEngine

from workflow.clock import UTC, Clock, SystemClock
from workflow.persistence.demo_clock import DemoClockRow

REFRESH_SECONDS = 2.0
MAX_SPEED = 100_000.0  # a day in under a second; more would skip the worker's sweeps entirely
table = DemoClockRow.__table__


@dataclass(frozen=True)
class ClockState:
    real_at: dt.datetime
    simulated_at: dt.datetime
    speed: float

    def at(self, real_now: dt.datetime) -> dt.datetime:
        return self.simulated_at + (real_now - self.real_at) * self.speed


def check_speed(speed: float) -> float:
    if not (0 < speed <= MAX_SPEED):
        raise ValueError(f"the demo clock's speed must be above 0 and at most {MAX_SPEED:g}")
    return float(speed)


class SimulatedClock:
    """``now()`` is the simulated time of the row, or real time while there is no row."""

    def __init__(self, bind: SAEngine, real: Clock | None = None, refresh: float = REFRESH_SECONDS):
        self.bind = bind
        self.real = real or SystemClock()
        self.refresh_seconds = refresh
        self._state: ClockState | None = None
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        state = self.state()
        real = self.real.now()
        return real if state is None else state.at(real)

    def state(self) -> ClockState | None:
        with self._lock:
            stale = (
                self._read_at is None or time.monotonic() - self._read_at >= self.refresh_seconds
            )
            if stale:
                self.reload()
            return self._state

    def reload(self) -> None:
        with self.bind.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == 1)).first()
        self._state = (
            None if row is None else ClockState(row.real_at, row.simulated_at, float(row.speed))
        )
        self._read_at = time.monotonic()

    # --- moving it ----------------------------------------------------------------------------

    def set(self, simulated_at: dt.datetime | None = None, speed: float | None = None) -> None:
        """Anchor the clock at ``simulated_at`` (default: where it is now) running at ``speed``
        (default: as fast as it runs now). Refuses to go back in time."""
        current = self.now()
        state = self.state()
        target = current if simulated_at is None else simulated_at.astimezone(UTC)
        if target < current - dt.timedelta(seconds=1):
            raise ValueError("the demo clock only moves forward")
        new_speed = check_speed(speed if speed is not None else (state.speed if state else 1.0))
        with self.bind.begin() as connection:
            connection.execute(delete(table))
            connection.execute(
                insert(table).values(
                    id=1, real_at=self.real.now(), simulated_at=target, speed=new_speed
                )
            )
        with self._lock:
            self.reload()

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        if delta <= dt.timedelta(0):
            raise ValueError("the demo clock only moves forward")
        self.set(self.now() + delta)
        return self.now()


def install(engine, settings) -> SimulatedClock | None:
    """In demo mode, give ``engine`` the shared simulated clock, and start it where the
    settings say (``SOGLASIE_DEMO_NOW``, ``SOGLASIE_DEMO_SPEED``); elsewhere do nothing."""
    if settings.env != "demo":
        return None
    clock = SimulatedClock(engine.bind)
    engine.clock = clock
    start = parse_start(settings.demo_now) if settings.demo_now else None
    if start is not None and start <= clock.now():
        # Already there or past it: every process of the demo (gunicorn's workers, the worker)
        # starts with the same settings, and the first one has set the clock already.
        start = None
    if start is not None or settings.demo_speed is not None:
        clock.set(start, settings.demo_speed)
    return clock


def parse_start(value: str) -> dt.datetime:
    """``2027-01-10`` (9:00 Moscow time) or ``2027-01-10T14:30`` (Moscow unless an offset is
    given): where ``--now`` starts the demo's clock."""
    from workflow.clock import MOSCOW

    try:
        if len(value.strip()) == 10:
            day = dt.date.fromisoformat(value.strip())
            return dt.datetime.combine(day, dt.time(9), tzinfo=MOSCOW).astimezone(UTC)
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a date or a date and time (2027-01-10 or 2027-01-10T14:30)"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(UTC)
