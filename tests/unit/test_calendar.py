"""The production calendar and Civil Code term arithmetic, against known official dates.

Sources: the Government decrees on moving days off for 2025 (No. 1335 of 04.10.2024), 2026 and
2027, as published in the production calendars; Labour Code art. 112.
"""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.calendar import CalendarSet, Duration, ProductionCalendar, term_after, term_before
from workflow.calendar.terms import add_working_days, earliest_anchor_for

D = dt.date
RU = ProductionCalendar("RU")


@pytest.mark.parametrize(
    "day",
    [
        # 2025: New Year holidays 1–8 January; 2 May (moved from 4 Jan); 8 May (from 23 Feb);
        # 13 June (from 8 Mar); 3 November (from the working Saturday 1 Nov);
        # 31 December (from 5 Jan).
        D(2025, 1, 1),
        D(2025, 1, 8),
        D(2025, 5, 2),
        D(2025, 5, 8),
        D(2025, 6, 13),
        D(2025, 11, 3),
        D(2025, 11, 4),
        D(2025, 12, 31),
        # 2026: 1–11 January (9 Jan moved from 3 Jan); 23 February; 9 March (8 Mar is a Sunday);
        # 1 May; 11 May (9 May is a Saturday); 12 June; 4 November; 31 December (from 4 Jan).
        D(2026, 1, 2),
        D(2026, 1, 9),
        D(2026, 2, 23),
        D(2026, 3, 9),
        D(2026, 5, 1),
        D(2026, 5, 11),
        D(2026, 6, 12),
        D(2026, 11, 4),
        D(2026, 12, 31),
        # 2027: 22 February (moved from the working Saturday 20 Feb), 3 May, 10 May, 14 June,
        # 5 November (from 2 Jan), 31 December (from 3 Jan).
        D(2027, 1, 7),
        D(2027, 2, 22),
        D(2027, 5, 3),
        D(2027, 5, 10),
        D(2027, 6, 14),
        D(2027, 11, 5),
        D(2027, 12, 31),
    ],
)
def test_official_days_off_are_not_working_days(day):
    assert not RU.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 11, 1),  # Saturday made a working day in 2025
        D(2027, 2, 20),  # Saturday made a working day in 2027
        D(2026, 1, 12),
        D(2026, 3, 10),
        D(2026, 5, 12),
        D(2025, 1, 9),
        D(2027, 1, 11),
    ],
)
def test_working_saturdays_and_first_days_back_are_working_days(day):
    assert RU.is_working_day(day)


def test_working_days_in_january_2026_match_the_production_calendar():
    days = [D(2026, 1, d) for d in range(1, 32)]
    assert sum(RU.is_working_day(d) for d in days) == 15


def test_a_forward_term_starts_the_day_after_the_event():
    assert term_after(RU, D(2026, 4, 1), Duration.parse("10 calendar_days")) == D(2026, 4, 13)
    # 11 April 2026 is a Saturday: the term ends on Monday 13 April.


def test_a_forward_term_ending_on_a_holiday_moves_to_the_next_working_day():
    # 30 calendar days after 2 December 2025 is 1 January 2026; first working day is 12 January.
    assert term_after(RU, D(2025, 12, 2), Duration.parse("30 calendar_days")) == D(2026, 1, 12)


def test_a_month_term_ends_on_the_same_date_or_the_last_day_of_the_month():
    assert term_after(RU, D(2026, 1, 30), Duration.parse("1 months")) == D(2026, 3, 2)
    # 28 Feb 2026 is a Saturday → Monday 2 March.
    assert term_after(RU, D(2026, 3, 31), Duration.parse("1 months")) == D(2026, 4, 30)


def test_working_day_terms_skip_the_new_year_holidays():
    # Ten working days after 26 December 2025: 29, 30 Dec; then 12–16 and 19–21 January.
    assert term_after(RU, D(2025, 12, 26), Duration.parse("10 working_days")) == D(2026, 1, 21)


def test_a_backward_deadline_on_a_holiday_moves_to_the_previous_working_day():
    # Signing planned for Monday 9 February 2026, just after the New Year holidays: one month
    # before is Friday 9 January, a day off (moved from 3 January). Stepping back over the
    # holidays and over 31 December 2025 (a day off moved from 5 January) gives Tuesday
    # 30 December 2025 as the last day to submit.
    assert term_before(RU, D(2026, 2, 9), Duration.parse("1 months")) == D(2025, 12, 30)


def test_a_backward_deadline_in_calendar_days_lands_on_a_working_day():
    # 45 calendar days before 22 June 2026 is Friday 8 May (working); before 25 June it is
    # Monday 11 May, the day off for Victory Day (9 May is a Saturday), so Friday 8 May again.
    assert term_before(RU, D(2026, 6, 22), Duration.parse("45 calendar_days")) == D(2026, 5, 8)
    assert term_before(RU, D(2026, 6, 25), Duration.parse("45 calendar_days")) == D(2026, 5, 8)


def test_backward_working_days_count_only_working_days():
    assert term_before(RU, D(2026, 1, 13), Duration.parse("2 working_days")) == D(2025, 12, 30)


def test_earliest_allowed_anchor_is_the_first_date_whose_deadline_is_still_ahead():
    today = D(2026, 3, 2)
    duration = Duration.parse("1 months")
    earliest = earliest_anchor_for(RU, today, duration)
    assert term_before(RU, earliest, duration) >= today
    assert term_before(RU, earliest - dt.timedelta(days=1), duration) < today
    assert earliest == D(2026, 4, 2)


def test_add_working_days_in_both_directions():
    assert add_working_days(RU, D(2026, 5, 8), 1) == D(2026, 5, 12)
    assert add_working_days(RU, D(2026, 5, 12), -1) == D(2026, 5, 8)
    assert add_working_days(RU, D(2026, 5, 12), 0) == D(2026, 5, 12)


def test_a_regional_calendar_adds_its_own_days_off(tmp_path):
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "RU-TA.yaml").write_text(
        "non_working:\n  2026-08-31: Republic Day (30 Aug is a Sunday)\n", encoding="utf-8"
    )
    calendars = CalendarSet.load(tmp_path)
    assert not calendars.for_region("RU-TA").is_working_day(D(2026, 8, 31))
    assert calendars.for_region("RU-SPE").is_working_day(D(2026, 8, 31))
    assert calendars.for_region(None).is_working_day(D(2026, 8, 31))


def test_the_override_file_can_make_a_day_working_or_non_working(tmp_path):
    (tmp_path / "ru.yaml").write_text(
        "working:\n  2026-12-31: hypothetical correction\nnon_working:\n  2026-07-01: x\n",
        encoding="utf-8",
    )
    calendar = CalendarSet.load(tmp_path).federal
    assert calendar.is_working_day(D(2026, 12, 31))
    assert not calendar.is_working_day(D(2026, 7, 1))


def test_a_malformed_override_file_names_itself(tmp_path):
    (tmp_path / "ru.yaml").write_text("non_working:\n  not-a-date: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ru\.yaml"):
        CalendarSet.load(tmp_path)


@pytest.mark.parametrize("text", ["ten days", "10", "10 fortnights", "-1 calendar_days"])
def test_bad_durations_are_rejected_with_the_accepted_units(text):
    with pytest.raises(ValueError, match="calendar_days, working_days, months"):
        Duration.parse(text)
