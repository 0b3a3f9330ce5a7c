"""Deadlines in Russian calendar and working days, computed by the Civil Code's rules."""

from workflow.calendar.durations import Duration, Unit
from workflow.calendar.production import CalendarSet, DateOutOfRange, ProductionCalendar
from workflow.calendar.terms import add_working_days, term_after, term_before

__all__ = [
    "CalendarSet",
    "DateOutOfRange",
    "Duration",
    "ProductionCalendar",
    "Unit",
    "add_working_days",
    "term_after",
    "term_before",
]
