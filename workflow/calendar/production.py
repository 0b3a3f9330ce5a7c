"""The Russian production calendar: which days are working days, per region.

The base is the ``holidays`` package (public holidays of Labour Code art. 112 and the days moved
by the yearly government decree, including the Saturdays made working days). An override file,
``definitions/calendars/ru.yaml``, corrects and extends it when a decree lands before the package
catches up; ``definitions/calendars/regions/<CODE>.yaml`` adds a republic's own non-working days.

Override file format::

    non_working:            # extra days off (holiday or moved day off)
      2026-12-31: "Day off moved from 4 January"
    working:                # weekend days made working days by decree
      2025-11-01: "Working Saturday (moved to 3 November)"
    years:                  # the act behind each known year and its official working days
      2026: {act: ..., number: "1466", date: 2025-09-24, published: ..., working_days: [...],
             total: 247}

The years listed under ``years`` are the ones whose calendar is known (``workflow.calendar.
official``); a day after the last of them is *provisional*: the package extrapolates the
Labour Code's rules, but the decree moving that year's days off is not out yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import holidays
import yaml

from workflow.calendar.official import OfficialYear, parse_years

# The years the calendar can count in. A date outside them (``0001-01-01`` typed before input
# was bounded, or written straight into the database) is shown as is, with no working-day
# arithmetic: the ``holidays`` package and ``date + timedelta`` fail near the ends of ``date``.
CALENDAR_MIN_YEAR = 1900
CALENDAR_MAX_YEAR = 2500


class DateOutOfRange(ValueError):
    """A date the calendar cannot count from: outside ``CALENDAR_MIN_YEAR..CALENDAR_MAX_YEAR``.

    ``field`` names the field the date came from, when the caller knows it.
    """

    def __init__(self, day: dt.date, field: str | None = None):
        self.day = day
        self.field = field
        where = f"{field}: " if field else ""
        super().__init__(
            f"{where}{day.isoformat()} is outside the years the calendar can count in "
            f"({CALENDAR_MIN_YEAR}–{CALENDAR_MAX_YEAR})"
        )

    def for_field(self, field: str) -> DateOutOfRange:
        return DateOutOfRange(self.day, field)


def in_calendar_range(day: dt.date) -> bool:
    return CALENDAR_MIN_YEAR <= day.year <= CALENDAR_MAX_YEAR


def check_in_range(day: dt.date, field: str | None = None) -> dt.date:
    """``day`` itself, or ``DateOutOfRange`` when the calendar cannot count from it."""
    if not in_calendar_range(day):
        raise DateOutOfRange(day, field)
    return day


class CalendarFileError(ValueError):
    def __init__(self, path: Path | str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = str(path)


class ProductionCalendar:
    """Working days of one jurisdiction (the federation, or one region on top of it).

    Lookups are cached per year; the object is immutable after construction and safe to share
    between threads.
    """

    def __init__(
        self,
        name: str = "RU",
        extra_non_working: Mapping[dt.date, str] | None = None,
        extra_working: Mapping[dt.date, str] | None = None,
        official: Mapping[int, OfficialYear] | None = None,
        known_through: int | None = None,
    ):
        self.name = name
        self._extra_non_working = dict(extra_non_working or {})
        self._extra_working = dict(extra_working or {})
        # The official figures of this jurisdiction (a region's include its own days).
        self.official: Mapping[int, OfficialYear] = dict(official or {})
        # The last year whose calendar is known; None when no file names any (then nothing is
        # called provisional: there is no statement to measure against).
        self.known_through = (
            known_through
            if known_through is not None
            else (max(self.official) if self.official else None)
        )
        self._years: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = {}
        self._prefixes: dict[int, list[int]] = {}

    def _year(self, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        cached = self._years.get(year)
        if cached is None:
            if not CALENDAR_MIN_YEAR <= year <= CALENDAR_MAX_YEAR:
                raise DateOutOfRange(dt.date(year, 1, 1))
            base = holidays.RU(years=year)
            off = {day for day in base if day.year == year}
            working = {day for day in base.weekend_workdays if day.year == year}
            off |= {d for d in self._extra_non_working if d.year == year}
            off -= {d for d in self._extra_working if d.year == year}
            working |= {d for d in self._extra_working if d.year == year}
            working -= {d for d in self._extra_non_working if d.year == year}
            cached = (frozenset(off), frozenset(working))
            self._years[year] = cached
        return cached

    def is_working_day(self, day: dt.date) -> bool:
        off, working = self._year(day.year)
        if day in working:
            return True
        if day in off:
            return False
        return day.weekday() < 5

    def is_provisional(self, day: dt.date | None) -> bool:
        """Whether ``day`` lies after the last year whose calendar is known: a deadline there
        may move when the year's decree (or a region's own act) is published."""
        return day is not None and self.known_through is not None and day.year > self.known_through

    def provisional_through(self, day: dt.date | None) -> int | None:
        """The last known year when ``day`` is provisional, else None: what a task stores
        with its due date, so it can be recounted once the calendar knows a later year."""
        return self.known_through if self.is_provisional(day) else None

    def holiday_name(self, day: dt.date, language: str = "en") -> str | None:
        """The public holiday's name in ``language`` (``ru`` or English), None on other days."""
        check_in_range(day)
        if day in self._extra_non_working:
            return self._extra_non_working[day]
        names = "ru" if language == "ru" else "en_US"
        return holidays.RU(years=day.year, language=names).get(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def previous_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, otherwise the last working day before it."""
        while not self.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open interval (start, end]: the days a term counts.

        Counting starts after ``start``, as a term does.
        """
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        # Per-year prefix counts: constant work per call instead of one lookup per day (pages
        # show "N working days left" for every task, some of them years overdue).
        return sign * (self._through(end, start.year) - self._through(start, start.year))

    def _through(self, day: dt.date, from_year: int) -> int:
        """Working days from 1 January of ``from_year`` through ``day`` inclusive."""
        earlier = sum(self._prefix(year)[-1] for year in range(from_year, day.year))
        return earlier + self._prefix(day.year)[day.timetuple().tm_yday]

    def _prefix(self, year: int) -> list[int]:
        """``prefix[i]``: working days among the first ``i`` days of ``year``."""
        cached = self._prefixes.get(year)
        if cached is None:
            first = dt.date(year, 1, 1)
            days = (dt.date(year + 1, 1, 1) - first).days
            cached = [0]
            for offset in range(days):
                cached.append(cached[-1] + self.is_working_day(first + dt.timedelta(days=offset)))
            self._prefixes[year] = cached
        return cached

    def overlay(
        self,
        name: str,
        non_working: Mapping[dt.date, str],
        working: Mapping[dt.date, str],
        official: Mapping[int, OfficialYear] | None = None,
    ) -> ProductionCalendar:
        """A regional calendar: this one plus a region's own days.

        A year is known for the region when it is known federally and, if the region's file
        lists years (its own acts fix some days each year), when the region lists it too.
        """
        known = self.known_through
        if official:
            known = min(known, max(official)) if known is not None else max(official)
        return ProductionCalendar(
            name,
            {**self._extra_non_working, **non_working},
            {**self._extra_working, **working},
            official,
            known,
        )


def _read_override(
    path: Path,
) -> tuple[dict[dt.date, str], dict[dt.date, str], dict[int, OfficialYear]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CalendarFileError(path, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) - {"non_working", "working", "name", "years"}:
        raise CalendarFileError(
            path, "expected only the keys 'name', 'non_working', 'working' and 'years'"
        )
    official, errors = parse_years(raw.get("years"))
    if errors:
        raise CalendarFileError(path, "; ".join(errors))
    result = []
    for key in ("non_working", "working"):
        days = raw.get(key) or {}
        if not isinstance(days, dict):
            raise CalendarFileError(path, f"'{key}' must map dates to descriptions")
        parsed = {}
        for day, note in days.items():
            if not isinstance(day, dt.date):
                raise CalendarFileError(path, f"'{key}': {day!r} is not a date (write YYYY-MM-DD)")
            parsed[day] = str(note or "")
        result.append(parsed)
    return result[0], result[1], official


class CalendarSet:
    """The federal calendar and every regional calendar, keyed by region code.

    A region without its own file uses the federal calendar. ``sources`` names the file each
    calendar was read from (by calendar name), for messages about it.
    """

    def __init__(
        self,
        federal: ProductionCalendar,
        regions: Mapping[str, ProductionCalendar],
        sources: Mapping[str, Path] | None = None,
    ):
        self.federal = federal
        self._regions = dict(regions)
        self.sources = dict(sources or {})

    def for_region(self, region_code: str | None) -> ProductionCalendar:
        if region_code and region_code in self._regions:
            return self._regions[region_code]
        return self.federal

    @property
    def region_codes(self) -> Iterable[str]:
        return self._regions.keys()

    def all(self) -> list[ProductionCalendar]:
        """The federal calendar, then each regional one."""
        return [self.federal, *self._regions.values()]

    @classmethod
    def load(cls, directory: Path | str | None) -> CalendarSet:
        """Read ``ru.yaml`` and ``regions/*.yaml`` under ``directory`` (either may be absent)."""
        federal = ProductionCalendar("RU")
        regions: dict[str, ProductionCalendar] = {}
        sources: dict[str, Path] = {}
        if directory is None:
            return cls(federal, regions)
        directory = Path(directory)
        federal_file = directory / "ru.yaml"
        if federal_file.exists():
            federal = ProductionCalendar("RU", *_read_override(federal_file))
            sources["RU"] = federal_file
        for path in sorted((directory / "regions").glob("*.yaml")):
            code = path.stem
            regions[code] = federal.overlay(code, *_read_override(path))
            sources[code] = path
        return cls(federal, regions, sources)
