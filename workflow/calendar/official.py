"""The official figures of a production calendar: for each year, the act that set it and the
working days it counts per month.

A calendar file (``definitions/calendars/ru.yaml``, ``regions/<CODE>.yaml``) names them under
``years``::

    years:
      2026:
        act: Government Decree "On moving days off in 2026"
        number: "1466"
        date: 2025-09-24
        published: official internet portal of legal information, pravo.gov.ru
        working_days: [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22]   # January..December
        total: 247

The figures are what the engine's computed calendar is checked against
(``workflow.calendar.selfcheck``), and the years listed are the ones whose calendar is known: a
deadline in a later year is provisional. ``total`` is stated separately from the months, as the
official calendars state it, and must equal their sum, so a typo in one month cannot pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

_KEYS = {"act", "number", "date", "published", "working_days", "total"}


@dataclass(frozen=True)
class OfficialYear:
    """One year of a calendar as the act that set it counts it."""

    year: int
    act: str
    number: str
    date: dt.date
    published: str
    working_days: tuple[int, ...]  # January..December
    total: int

    @property
    def citation(self) -> str:
        """How a message names the act: ``No. 1466 of 24.09.2025``."""
        return f"No. {self.number} of {self.date:%d.%m.%Y}"


def parse_years(raw: object) -> tuple[dict[int, OfficialYear], list[str]]:
    """``years:`` of a calendar file → figures by year, and what is wrong with it (messages
    naming the element). Never raises on bad content."""
    if raw is None:
        return {}, []
    if not isinstance(raw, Mapping):
        return {}, ["'years' must map years to their act and working days"]
    years: dict[int, OfficialYear] = {}
    errors: list[str] = []
    for year, spec in raw.items():
        where = f"years.{year}"
        if not isinstance(year, int) or isinstance(year, bool):
            errors.append(f"{where}: {year!r} is not a year")
            continue
        if not isinstance(spec, Mapping):
            errors.append(f"{where}: expected the keys {', '.join(sorted(_KEYS))}")
            continue
        missing, unknown = _KEYS - set(spec), set(spec) - _KEYS
        if missing or unknown:
            parts = [f"missing {', '.join(sorted(missing))}"] if missing else []
            parts += [f"unknown {', '.join(sorted(map(str, unknown)))}"] if unknown else []
            errors.append(f"{where}: {'; '.join(parts)}")
            continue
        months, total = spec["working_days"], spec["total"]
        if not (
            isinstance(months, list)
            and len(months) == 12
            and all(isinstance(m, int) and 0 <= m <= 31 for m in months)
        ):
            errors.append(f"{where}.working_days: twelve counts, January to December")
            continue
        if not isinstance(total, int) or sum(months) != total:
            errors.append(
                f"{where}.total: {total!r}, but the months add up to {sum(months)} "
                "(a typo in a month or in the total)"
            )
            continue
        if not isinstance(spec["date"], dt.date):
            errors.append(f"{where}.date: write the act's date as YYYY-MM-DD")
            continue
        years[year] = OfficialYear(
            year,
            str(spec["act"]),
            str(spec["number"]),
            spec["date"],
            str(spec["published"]),
            tuple(months),
            total,
        )
    return years, errors
