"""Why a field was refused, in the reader's language.

The engine and marshmallow say it in English ("Missing data for required field.", "an ISO
3166-1 alpha-2 code such as CN", "In the past."): those stay the machine-readable record (the
API's ``errors``). Pages, and the API's ``messages``, get the same refusal translated here, by
the exact message or by its pattern (a length, a range, a date range); a message we do not
know passes through unchanged rather than disappearing.

After a refused form the page redirects; ``remember`` keeps the refusals in the session so the
fresh page shows each one under its own field (``posted_field_error``, a template global).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import g, has_request_context, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflow.fields import dates

SESSION_KEY = "field_errors"

EXACT = {
    # marshmallow's defaults
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Unknown field.": _l("This field is not known here."),
    "Invalid input type.": _l("This value has the wrong form."),
    "Invalid value.": _l("This value is not allowed."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Not a valid boolean.": _l("Choose yes or no."),
    "Not a valid date.": _l("Enter a date."),
    "Not a valid datetime.": _l("Enter a date and time."),
    "Not a valid list.": _l("Choose from the list."),
    "Not a valid mapping type.": _l("This value has the wrong form."),
    "String does not match expected pattern.": _l("This value has the wrong form."),
    # the schemas' own (workflow/fields/common.py, agreements.py)
    "an ISO 3166-1 alpha-2 code such as CN": _l("Choose a country from the list."),
    "a language code such as ru, zh or kk": _l("Choose a language from the list."),
    "a quarter written as 2027-Q2": _l("Choose a quarter."),
    "a twin-city partner is a local government": _l(
        "A twin-city partner is a local government: choose the level “city”."
    ),
    # the services'
    "Required.": _l("This field is required."),
    "Required for this action.": _l("This field is required for this action."),
    "In the past.": _l("This moment has already passed."),
    "Too early.": _l("The end must be after the start."),
    "Naive.": _l("Give the time with its time zone."),
    "Unknown.": _l("This value is not known."),
    "Empty text.": _l("Enter the text."),
    "Not editable in this state.": _l("This field cannot be changed at this stage."),
}


def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile("^" + regex + "$")


PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        _pattern(r"Longer than maximum length (\d+)\."),
        lambda m: _("At most %(n)s characters.", n=m[1]),
    ),
    (
        _pattern(r"Shorter than minimum length (\d+)\."),
        lambda m: _("At least %(n)s characters.", n=m[1]),
    ),
    (
        _pattern(r"Length must be between (\d+) and (\d+)\."),
        lambda m: _("From %(low)s to %(high)s characters.", low=m[1], high=m[2]),
    ),
    (
        _pattern(
            r"Must be greater than or equal to (-?[\d.]+) and less than or equal to (-?[\d.]+)\."
        ),
        lambda m: _("A number from %(low)s to %(high)s.", low=m[1], high=m[2]),
    ),
    (
        _pattern(r"Must be greater than or equal to (-?[\d.]+)\."),
        lambda m: _("A number of at least %(low)s.", low=m[1]),
    ),
    (
        _pattern(r"Must be less than or equal to (-?[\d.]+)\."),
        lambda m: _("A number of at most %(high)s.", high=m[1]),
    ),
    (_pattern(r"Must be one of: .*\."), lambda m: _("Choose one of the values offered.")),
    (_pattern(r"At most ([\d,]+) characters\."), lambda m: _("At most %(n)s characters.", n=m[1])),
]


def translate(message: Any) -> str:
    """One refusal (a text or marshmallow's list of texts) in the reader's language."""
    if isinstance(message, list | tuple):
        return " ".join(translate(m) for m in message)
    text = str(message)
    found = EXACT.get(text)
    if found is not None:
        return str(found)
    bounds = dates.parse_range_message(text)
    if bounds:
        return _("a date between %(low)s and %(high)s", low=bounds[0], high=bounds[1])
    for pattern, build in PATTERNS:
        matched = pattern.match(text)
        if matched:
            return build(matched)
    return text


def translate_all(errors: Mapping[str, Any]) -> dict[str, str]:
    """``{path: refusal}`` translated (only the text; the paths are what the client sent)."""
    return {str(path): translate(message) for path, message in errors.items()}


def remember(errors: Mapping[str, Any]) -> None:
    """Keep the refusals for the page the browser is redirected to."""
    session[SESSION_KEY] = {str(path): str(message) for path, message in errors.items()}


def posted_field_error(path: str) -> str:
    """The refusal of ``path`` (or of an element of it) from the last submission, translated."""
    if not has_request_context():
        return ""
    if "_field_errors" not in g:
        g._field_errors = session.pop(SESSION_KEY, None) or {}
    for key, message in g._field_errors.items():
        if key == path or key.startswith(path + "."):
            return translate(message)
    return ""


# Refusals of the guards whose text the definitions or the guards fix (no details to fill in).
GUARD_TEXTS = {
    "The plan has no items yet: add at least one activity.": _l(
        "The plan has no items yet: add at least one activity."
    ),
    "Record the minutes of the meeting first.": _l("Record the minutes of the meeting first."),
    "No approved version of the texts exists.": _l("No version of the texts is approved yet."),
    "The legislature must approve the agreement first.": _l(
        "The legislature must approve the agreement first."
    ),
    "This agreement needs no legislative approval.": _l(
        "This agreement needs no legislative approval."
    ),
    "Adopt the plan of activities first.": _l("Adopt the plan of activities first."),
    "Record the meeting as held on its page (the meeting services update the calendar).": _l(
        "Record the meeting as held on its page (the calendar invitations are updated there)."
    ),
    "Cancel the meeting on its page (the meeting services notify the participants).": _l(
        "Cancel the meeting on its page (the participants are notified from there)."
    ),
}


def guard_text(message: str, details: Mapping[str, Any]) -> str | None:
    """A guard's refusal in the reader's language, from its name and details; None when we
    have no wording for it (the caller shows the engine's message)."""
    from web.fieldforms import label_for
    from web.formatting import fdate

    def day(key: str) -> str:
        return fdate(dates_from(details.get(key)))

    name = details.get("guard")
    field = label_for(details["field"]) if details.get("field") else ""
    if name == "date_reached" and details.get("date"):
        return _(
            "%(field)s is %(date)s: this cannot be done before that day.",
            field=field,
            date=day("date"),
        )
    if name == "field_advances" and details.get("current"):
        return _(
            "Give a later date in “%(field)s” than %(date)s.", field=field, date=day("current")
        )
    if name == "dates_not_in_future" and details.get("fields"):
        named = ", ".join(label_for(f) for f in details["fields"])
        return _("These dates have not come yet: %(fields)s.", fields=named)
    if name == "date_not_in_past" and field:
        return _("The date in “%(field)s” has already passed.", field=field)
    if name == "notice_elapsed" and details.get("ends_on"):
        return _(
            "The notice period has not run out: the agreement can be terminated from %(date)s.",
            date=day("ends_on"),
        )
    if name == "documents_match_approved" and details.get("changed_languages"):
        from web.vocab import language_label

        named = ", ".join(language_label(code) for code in details["changed_languages"])
        return _("The texts differ from the approved version: %(languages)s.", languages=named)
    found = GUARD_TEXTS.get(message)
    return str(found) if found is not None else None


def dates_from(value: Any):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return None


def in_language(lang: str, build: Callable[[], Any]) -> Any:
    """``build()`` with pages' language switched to ``lang`` (the API answers in the
    language its caller asked for in ``Accept-Language``, whatever the session says)."""
    from flask_babel import force_locale

    saved = g.get("_soglasie_language")
    g._soglasie_language = lang
    try:
        with force_locale(lang):
            return build()
    finally:
        if saved is None:
            g.pop("_soglasie_language", None)
        else:
            g._soglasie_language = saved


def api_language() -> str:
    """The API caller's language: the best of ``Accept-Language``, English without one."""
    from flask import request

    from web.i18n import LANGUAGES

    return request.accept_languages.best_match(LANGUAGES) or "en"


def api_messages(errors: Mapping[str, Any]) -> dict[str, str]:
    """The API's ``messages``: each field refusal of ``errors`` in the caller's language."""
    fields = {k: v for k, v in errors.items() if k not in NOT_FIELDS}
    return in_language(api_language(), lambda: translate_all(fields))


# Keys of the API's ``errors`` that are not field refusals.
NOT_FIELDS = frozenset({"refusals", "reason", "version"})
