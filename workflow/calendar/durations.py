"""Durations as written in definitions: ``30 calendar_days``, ``10 working_days``, ``1 month``."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Unit(enum.StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


_ALIASES = {
    "calendar_day": Unit.CALENDAR_DAYS,
    "calendar_days": Unit.CALENDAR_DAYS,
    "day": Unit.CALENDAR_DAYS,
    "days": Unit.CALENDAR_DAYS,
    "working_day": Unit.WORKING_DAYS,
    "working_days": Unit.WORKING_DAYS,
    "month": Unit.MONTHS,
    "months": Unit.MONTHS,
}
_PATTERN = re.compile(r"^\s*(\d+)\s+([a-z_]+)\s*$")


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"<N> <unit>"``; raise ``ValueError`` with the accepted units on anything else."""
        match = _PATTERN.match(str(text))
        if not match or match.group(2) not in _ALIASES:
            raise ValueError(
                f"{text!r} is not a duration; write '<number> <unit>' with unit one of "
                "calendar_days, working_days, months"
            )
        return cls(int(match.group(1)), _ALIASES[match.group(2)])

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"

    def describe(self, language: str = "en") -> str:
        if language == "ru":
            names = {
                Unit.CALENDAR_DAYS: "календарных дн.",
                Unit.WORKING_DAYS: "рабочих дн.",
                Unit.MONTHS: "мес.",
            }
            return f"{self.amount} {names[self.unit]}"
        return f"{self.amount} {self.unit.value.replace('_', ' ')}"
