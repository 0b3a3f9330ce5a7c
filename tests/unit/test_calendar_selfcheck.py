"""The calendar checks itself against the decrees' official working days, and says which
years are still provisional.

Official figures (five-day week): 2025, 2026 and 2027 have 247 working days each (Government
decrees No. 1335 of 04.10.2024, No. 1466 of 24.09.2025, No. 1187 of 17.09.2026); Tatarstan has
245 in 2025 and 244 in 2026.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main
from workflow.calendar.official import parse_years
from workflow.calendar.production import CalendarFileError, CalendarSet
from workflow.calendar.selfcheck import compare, holidays_version, month_counts
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory

D = dt.date
SHIPPED = CalendarSet.load(DEFAULT_DIRECTORY / "calendars")
FEDERAL = SHIPPED.federal
TATARSTAN = SHIPPED.for_region("RU-TA")


class OneDayMoved:
    """A calendar that differs from ``base`` on one day only: what an outdated ``holidays``
    release looks like to the check (a moved day off it does not know)."""

    def __init__(self, base, day: dt.date):
        self.name, self._base, self._day = base.name, base, day

    def is_working_day(self, day: dt.date) -> bool:
        working = self._base.is_working_day(day)
        return not working if day == self._day else working


@pytest.mark.parametrize(
    ("calendar", "year", "total"),
    [
        (FEDERAL, 2025, 247),
        (FEDERAL, 2026, 247),
        (FEDERAL, 2027, 247),
        (TATARSTAN, 2025, 245),
        (TATARSTAN, 2026, 244),
    ],
)
def test_the_computed_calendar_has_the_official_working_days_of_every_supported_year(
    calendar, year, total
):
    assert calendar.official[year].total == total
    assert month_counts(calendar, year) == list(calendar.official[year].working_days)
    assert compare(calendar) == []


def test_the_2025_months_are_the_official_ones():
    assert FEDERAL.official[2025].working_days == (17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22)


def test_a_calendar_with_one_day_moved_is_refused_naming_year_month_counts_and_release():
    # 9 March 2026 is a day off (8 March is a Sunday); a release that missed it counts 22.
    (found,) = compare(OneDayMoved(FEDERAL, D(2026, 3, 9)), FEDERAL.official, "0.99")
    assert (found.year, found.month, found.computed, found.official) == (2026, 3, 22, 21)
    message = str(found)
    assert "March 2026" in message
    assert "counts 22 working days" in message
    assert "(No. 1466 of 24.09.2025) 21" in message
    assert "holidays 0.99" in message


def test_the_installed_release_is_named_by_default():
    (found,) = compare(OneDayMoved(TATARSTAN, D(2025, 8, 29)), TATARSTAN.official)
    assert found.package_version == holidays_version() != "unknown"
    assert (found.calendar, found.year, found.month) == ("RU-TA", 2025, 8)


def _shipped_copy(tmp_path: Path) -> Path:
    for path in DEFAULT_DIRECTORY.rglob("*.yaml"):
        target = tmp_path / path.relative_to(DEFAULT_DIRECTORY)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_definitions_check_refuses_a_calendar_that_differs_from_the_decree(tmp_path):
    root = _shipped_copy(tmp_path)
    ru = root / "calendars" / "ru.yaml"
    # The same effect as a release that does not know 31 December 2027 is a day off.
    ru.write_text(
        ru.read_text(encoding="utf-8").replace(
            "working: {}", "working:\n  2027-12-31: wrongly made a working day"
        ),
        encoding="utf-8",
    )
    problems = [p for p in load_directory(root).problems if p.rule == "calendar-mismatch"]
    assert {(p.element, p.file) for p in problems} == {
        ("years.2027.working_days", str(ru)),
    }
    result = CliRunner().invoke(main, ["definitions", "check", str(root)])
    assert result.exit_code == 1
    assert "December 2027: the engine counts 23 working days" in result.output
    assert "(No. 1187 of 17.09.2026) 22" in result.output


def test_official_figures_whose_months_do_not_add_up_are_a_file_error(tmp_path):
    (tmp_path / "ru.yaml").write_text(
        "years:\n  2026:\n    act: x\n    number: '1466'\n    date: 2025-09-24\n"
        "    published: x\n    working_days: [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22]\n"
        "    total: 248\n",
        encoding="utf-8",
    )
    with pytest.raises(CalendarFileError, match=r"years\.2026\.total: 248.*add up to 247"):
        CalendarSet.load(tmp_path)


def test_a_year_needs_twelve_months_and_the_act():
    _years, errors = parse_years({2026: {"working_days": [1] * 11, "total": 11}})
    assert errors == ["years.2026: missing act, date, number, published"]


def test_a_deadline_after_the_last_known_year_is_provisional():
    assert not FEDERAL.is_provisional(D(2027, 12, 31))
    assert FEDERAL.is_provisional(D(2028, 1, 10))
    assert not FEDERAL.is_provisional(None)


def test_a_region_whose_own_days_of_a_year_are_not_fixed_is_provisional_that_year():
    # Tatarstan's Uraza and Kurban Bayram of 2027 are fixed by a decree not yet out.
    assert not TATARSTAN.is_provisional(D(2026, 12, 30))
    assert TATARSTAN.is_provisional(D(2027, 3, 1))
    assert not SHIPPED.for_region("RU-PRI").is_provisional(D(2027, 3, 1))


def test_without_official_figures_nothing_is_called_provisional(tmp_path):
    assert not CalendarSet.load(tmp_path).federal.is_provisional(D(2040, 1, 1))
