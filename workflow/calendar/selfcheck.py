"""The calendar checks itself: the working days the engine computes, month by month, against
the official figures of the acts (``workflow.calendar.official``).

Why: the base of the calendar is the ``holidays`` package, and an installation may resolve a
release that predates a year's decree (below 0.107 the package gets 2026 and 2027 wrong, below
0.95 also 2025). Such a release would compute every deadline of those years a day or two off,
silently. Comparing the computed months with the decrees' figures turns that into a refusal to
start, naming the year, the month, both counts and the installed release.

``soglasie definitions check`` reports a discrepancy as an error, and every process that loads
the definitions (web app, ``serve``, ``worker``, ``demo``) refuses to start on it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

from workflow.calendar.official import OfficialYear


class WorkingDays(Protocol):
    """What the check needs of a calendar: a production calendar, or a test's stand-in."""

    name: str

    def is_working_day(self, day: dt.date) -> bool: ...


@dataclass(frozen=True)
class Discrepancy:
    calendar: str
    year: int
    month: int  # 1..12
    computed: int
    official: int
    act: str  # the act's citation: "No. 1466 of 24.09.2025"
    package_version: str

    @property
    def element(self) -> str:
        """Where the figure is written in the calendar file."""
        return f"years.{self.year}.working_days"

    def __str__(self) -> str:
        return (
            f"calendar {self.calendar}, {_cal.month_name[self.month]} {self.year}: the engine "
            f"counts {self.computed} working days, the official calendar ({self.act}) "
            f"{self.official}; installed holidays {self.package_version}. The package release "
            "does not match the decree: install the release pyproject.toml asks for, or correct "
            "the days in the calendar file"
        )


def holidays_version() -> str:
    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:  # pragma: no cover - a broken installation
        return "unknown"


def month_counts(calendar: WorkingDays, year: int) -> list[int]:
    """Working days of ``calendar`` in each month of ``year``, January first."""
    return [
        sum(
            calendar.is_working_day(dt.date(year, month, day))
            for day in range(1, _cal.monthrange(year, month)[1] + 1)
        )
        for month in range(1, 13)
    ]


def compare(
    calendar: WorkingDays,
    official: dict[int, OfficialYear] | None = None,
    package_version: str | None = None,
) -> list[Discrepancy]:
    """Every month of every official year where ``calendar`` counts differently.

    ``official`` defaults to the calendar's own figures (``calendar.official``).
    """
    if official is None:
        official = getattr(calendar, "official", {})
    version = package_version or holidays_version()
    found = []
    for year, figures in sorted(official.items()):
        computed = month_counts(calendar, year)
        for month, (mine, theirs) in enumerate(
            zip(computed, figures.working_days, strict=True), start=1
        ):
            if mine != theirs:
                found.append(
                    Discrepancy(calendar.name, year, month, mine, theirs, figures.citation, version)
                )
    return found
