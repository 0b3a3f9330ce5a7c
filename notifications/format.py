"""Dates, times and counts as people read them, in Russian and English (Jinja filters)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_RU_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for ``n``: 1 день, 2 дня, 5 дней, 11 дней, 21 день."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def format_date(day: dt.date | str | None, lang: str) -> str:
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if isinstance(day, dt.datetime):
        day = day.date()
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS_RU_GENITIVE[day.month - 1]} {day.year} г."


def format_datetime(moment: dt.datetime | str | None, lang: str, tz: str = "Europe/Moscow") -> str:
    """A moment in ``tz``, with the zone named (participants sit in eleven time zones)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    local = moment.astimezone(ZoneInfo(tz))
    separator = ", " if lang == "en" else " в "
    return f"{format_date(local.date(), lang)}{separator}{local:%H:%M} ({tz})"


def working_days(n: int | None, lang: str) -> str:
    """ "3 working days left" / "осталось 3 рабочих дня"; overdue and today in words."""
    if n is None:
        return ""
    if lang == "en":
        if n == 0:
            return "due today"
        if n < 0:
            return f"overdue by {-n} working day{'s' if -n != 1 else ''}"
        return f"{n} working day{'s' if n != 1 else ''} left"
    if n == 0:
        return "срок истекает сегодня"
    word = plural_ru(n, "рабочий день", "рабочих дня", "рабочих дней")
    if n < 0:
        return f"просрочено на {-n} {word}"
    return f"{plural_ru(n, 'остался', 'осталось', 'осталось')} {n} {word}"
