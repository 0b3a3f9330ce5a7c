"""The range of dates the engine accepts in any date field of a case, a meeting or a plan item.

A date typed far in the past or the future (``0001-01-01``, ``9999-12-31``) is refused at the
door: the production calendar cannot count working days there, and such a date is a typo. The
bounds are whole years, from the settings ``SOGLASIE_DATE_MIN_YEAR`` / ``SOGLASIE_DATE_MAX_YEAR``
(defaults 1990 and 2100). Marshmallow schemas are classes built at import, so the bounds live in
this one module: ``configure`` sets them when a process starts (``web.app.create_app`` from its
settings); every check reads them when it runs.

Reading what is already stored never applies the rule (``unchecked``): a date written before it
existed is shown as is, and the calendar refuses to count from it (``workflow.calendar.
DateOutOfRange``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from marshmallow import ValidationError, fields, validate

DEFAULT_MIN_YEAR = 1990
DEFAULT_MAX_YEAR = 2100

_bounds = [DEFAULT_MIN_YEAR, DEFAULT_MAX_YEAR]
_checking: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "date_range_checking", default=True
)

RANGE_MESSAGE = "a date between {low} and {high}"
_RANGE_PATTERN = re.compile(r"^a date between (\d{4}-\d{2}-\d{2}) and (\d{4}-\d{2}-\d{2})$")


def configure(min_year: int, max_year: int) -> None:
    """Set the accepted years (inclusive); called once when a process starts."""
    if not 1 <= min_year <= max_year <= 9998:
        raise ValueError(f"date range {min_year}..{max_year}: need 1 <= min <= max <= 9998")
    _bounds[:] = [min_year, max_year]


def bounds() -> tuple[dt.date, dt.date]:
    """The first and the last accepted day."""
    return dt.date(_bounds[0], 1, 1), dt.date(_bounds[1], 12, 31)


def range_message() -> str:
    low, high = bounds()
    return RANGE_MESSAGE.format(low=low.isoformat(), high=high.isoformat())


def parse_range_message(message: str) -> tuple[str, str] | None:
    """``(low, high)`` when ``message`` is this module's refusal (for translated pages)."""
    match = _RANGE_PATTERN.match(message)
    return (match.group(1), match.group(2)) if match else None


def in_range(value: dt.date | dt.datetime) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    low, high = bounds()
    return low <= day <= high


def check(value: Any, name: str) -> None:
    """For services that take dates outside a schema: ``ValidationError`` keyed by ``name``."""
    if isinstance(value, dt.date) and _checking.get() and not in_range(value):
        raise ValidationError({name: [range_message()]})


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    """Load stored data without the rule (it may predate it)."""
    token = _checking.set(False)
    try:
        yield
    finally:
        _checking.reset(token)


class DateInRange(validate.Validator):
    """Marshmallow validator: the date (or datetime) lies within the configured years."""

    def __call__(self, value: dt.date | dt.datetime) -> dt.date | dt.datetime:
        if _checking.get() and not in_range(value):
            raise ValidationError(range_message())
        return value


def Date(**kwargs: Any) -> fields.Date:
    """``fields.Date`` with ``DateInRange``: every date field of a schema is made by this."""
    return fields.Date(validate=DateInRange(), **kwargs)


def is_checked_date(field: fields.Field) -> bool:
    """Whether ``field`` is a date field carrying the range rule (tests walk schemas with it)."""
    validators = getattr(field, "validators", ())
    return any(isinstance(v, DateInRange) for v in validators)
