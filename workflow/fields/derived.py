"""Fields computed from other fields, so nobody has to type (or forget) them.

``valid_until`` of an agreement follows from ``in_force_from`` and ``term.years``: a term in
years ends on the same day and month of its last year (Civil Code art. 192 p. 3; 29 February
ends on 28 February). Without it, renewing or recording the expiry of an agreement in force for
five years was refused for a missing ``valid_until``.

A date somebody gives explicitly wins: it is recomputed only when it is missing or was itself
derived (it equals what the previous inputs gave) and an input changes (a longer
``term.years``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from workflow.fields.registry import as_date


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def derive_valid_until(before: Mapping[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """``merged`` (the stored JSON form after a write) with ``valid_until`` derived when it
    can be; ``before``: the stored fields before the write."""
    derived = _derived(merged)
    if derived is None:
        return merged
    current = merged.get("valid_until")
    if current and current != before.get("valid_until"):
        return merged  # given in this very write
    if current and current != _derived(before):
        return merged  # typed by somebody earlier, not derived: theirs wins
    return {**merged, "valid_until": derived}


def _derived(stored: Mapping[str, Any]) -> str | None:
    start = as_date(stored.get("in_force_from"))
    years = (stored.get("term") or {}).get("years")
    if start is None or not isinstance(years, int) or years < 1:
        return None
    return years_later(start, years).isoformat()
