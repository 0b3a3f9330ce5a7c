"""Jinja filters and globals: dates in the reader's locale, deadlines in working days, names in
the reader's language, pagination links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from babel import dates as babel_dates
from flask import Flask, request
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from web import defs
from web.current import current_actor, current_record, engine
from web.i18n import gettext as _
from web.i18n import language, ngettext


@lru_cache(maxsize=8192)
def _format_date(value: dt.date, pattern: str, locale: str) -> str:
    """Babel builds a date's text from the locale's tables on every call (~30 µs, and a list
    page shows dozens): a day's text in a locale never changes, so it is kept."""
    return babel_dates.format_date(value, pattern, locale=locale)


def format_date(value: dt.date, pattern: str) -> str:
    return _format_date(value, pattern, language())


@lru_cache(maxsize=8192)
def _format_datetime(value: dt.datetime, pattern: str, zone, locale: str) -> str:
    return babel_dates.format_datetime(value, pattern, tzinfo=zone, locale=locale)


def format_datetime(value: dt.datetime, pattern: str) -> str:
    """As Flask-Babel's, in the reader's zone; kept like dates (a page's history repeats them
    on every view)."""
    return _format_datetime(value, pattern, get_timezone(), language())


def fdate(value: dt.date | str | None, style: str = "long") -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = reader_date(value)
    return format_date(value, "d MMMM y" if style == "long" else "dd.MM.y")


def reader_date(moment: dt.datetime) -> dt.date:
    """The civil date of a stored moment in the reader's zone. ``moment.date()`` would be its
    UTC date: 21:27 UTC on 2 December is already 3 December in Moscow, and a page showing
    "3 декабря, 00:27" in the history next to "Начато 2 декабря" contradicts itself."""
    from flask_babel import to_user_timezone

    return to_user_timezone(moment).date()


def fdate_month(value: dt.date) -> str:
    return format_date(value, "LLLL y").capitalize()


def fdate_weekday(value: dt.date) -> str:
    return format_date(value, "EEE").capitalize()


def fdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return format_datetime(value, "d MMMM y, HH:mm")


def ftimerange(start: dt.datetime, end: dt.datetime) -> str:
    """ "21 April 2026, 10:00–15:00", or both full dates when it spans days (reader's zone)."""
    from flask_babel import to_user_timezone

    first, last = to_user_timezone(start), to_user_timezone(end)
    if first.date() == last.date():
        return f"{fdatetime(start)}–{format_datetime(end, 'HH:mm')}"
    return f"{fdatetime(start)} — {fdatetime(end)}"


def name(ru: str | None, en: str | None = None) -> str:
    if defs.language() == "en" and en:
        return en
    return ru or en or ""


@dataclass(frozen=True)
class Due:
    on: dt.date
    working_days: int  # working days from today to the deadline; negative when overdue
    overdue: bool
    today: bool
    # In a year whose production calendar is not known yet: the date may move when it is.
    provisional: bool = False

    @property
    def label(self) -> str:
        if self.overdue:
            n = -self.working_days or 1
            return ngettext("overdue by %(num)d working day", "overdue by %(num)d working days", n)
        if self.today:
            return _("due today")
        return ngettext("in %(num)d working day", "in %(num)d working days", self.working_days)


def due(on: dt.date | None, calendar_code: str | None = None) -> Due | None:
    if on is None:
        return None
    eng = engine()
    return _due(on, calendar_code, eng.today(), eng.catalog.calendars)


# Lists show a deadline per row, and many rows share one (and a row's badge asks again): a
# Due depends only on these arguments and is immutable (its label is worded per request).
@lru_cache(maxsize=4096)
def _due(on: dt.date, calendar_code: str | None, today: dt.date, calendars) -> Due:
    cal = calendars.for_region(calendar_code)
    days = cal.working_days_between(today, on)
    return Due(on, days, on < today, on == today, cal.is_provisional(on))


def page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    args.pop("page", None) if "page" not in changes else None
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


AREAS = {
    "trade_economic": _l("trade and economic"),
    "scientific_technical": _l("scientific and technical"),
    "environmental": _l("environmental"),
    "humanitarian": _l("humanitarian"),
    "cultural": _l("cultural"),
    "education": _l("education"),
    "other": _l("other"),
}
ITEM_STATUSES = {
    "planned": (_l("planned"), "task"),
    "in_progress": (_l("in progress"), "review"),
    "done": (_l("done"), "success"),
    "postponed": (_l("postponed"), "waiting"),
    "cancelled": (_l("cancelled"), "muted"),
}
REMINDER_KINDS = {
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation to the supervisor"),
    "deadline": _l("Deadline"),
    "meeting": _l("Meeting reminder"),
}


ORG_KINDS = {
    "region": _l("region"),
    "municipality": _l("municipality"),
    "federal_body": _l("federal body"),
    "foreign_partner": _l("foreign partner"),
}


def country_name(code: str | None) -> str:
    """``CN`` → ``Китай (CN)`` in the reader's language; unknown codes stay as they are."""
    if not code:
        return ""
    locale = get_locale()
    named = locale.territories.get(code.upper()) if locale else None
    return f"{named} ({code})" if named else code


def language_name(code: str | None) -> str:
    """``zh`` → ``китайский`` in the reader's language; unknown codes stay as they are."""
    if not code:
        return ""
    locale = get_locale()
    return (locale.languages.get(code) if locale else None) or code


def period_label(period: str | None) -> str:
    """A reporting period as people write it: ``2026-Q4`` → "IV квартал 2026" / "Q4 2026";
    a year stays a year; anything else is shown as it is."""
    if not period:
        return ""
    year, _sep, quarter = str(period).partition("-Q")
    if year.isdigit() and quarter in ("1", "2", "3", "4"):
        return _("%(quarter)s %(year)s", quarter=QUARTERS[int(quarter) - 1], year=year)
    return str(period)


QUARTERS = (_l("Q1"), _l("Q2"), _l("Q3"), _l("Q4"))


def coded_value(path: str, value):
    """Country and language codes of a case's fields shown as names people read."""
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "period" and isinstance(value, str):
        return period_label(value)
    if leaf == "country" or leaf.endswith("_country"):
        return country_name(value) if isinstance(value, str) else value
    if leaf in ("language", "languages") or leaf.endswith("_language"):
        if isinstance(value, list):
            return ", ".join(language_name(v) for v in value if isinstance(v, str))
        return language_name(value) if isinstance(value, str) else value
    return value


def org_kind(kind: str) -> str:
    return str(ORG_KINDS.get(kind, kind))


def area_title(area: str | None) -> str:
    return str(AREAS.get(area or "", area or ""))


def item_status(status: str) -> str:
    return str(ITEM_STATUSES.get(status, (status, ""))[0])


def item_badge(status: str) -> str:
    return ITEM_STATUSES.get(status, ("", "muted"))[1]


def reminder_kind(kind: str) -> str:
    return str(REMINDER_KINDS.get(kind, kind))


TIMELINE_KINDS = {
    "backward_deadline": _l("Last day by the lead-time rule"),
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation to the supervisor"),
    "deadline": _l("Deadline"),
}


def timeline_label(entry, definition_id: int, schema: str) -> str:
    """What a timeline entry means, in the reader's language."""
    from web.fieldforms import label_for

    state = defs.state_title(definition_id, entry.state) if entry.state else ""
    if entry.kind == "planned_date":
        field = entry.source.split(" ", 1)[1] if entry.source.startswith("field ") else ""
        return label_for(field, schema) if field else _("Planned date")
    if entry.kind in ("task_due", "state_deadline"):
        return _("%(state)s: due", state=state) if state else _("Deadline")
    if entry.kind == "sla_due":
        return _("%(state)s: review deadline", state=state)
    label = TIMELINE_KINDS.get(entry.kind)
    return str(label) if label else entry.kind


def install(app: Flask) -> None:
    from web.fieldforms import choice_label, label_for

    app.jinja_env.filters.update(
        fdate=fdate,
        fdatetime=fdatetime,
        fdate_month=fdate_month,
        fdate_weekday=fdate_weekday,
        txt=defs.text,
        kind_title=defs.kind_title,
        field_label=label_for,
        choice=choice_label,
    )
    from web.field_messages import posted_field_error
    from web.parameter_names import duration_text, parameter_title, source_title
    from web.plan_dates import past_due
    from web.vocab import language_options

    app.jinja_env.globals.update(
        posted_field_error=posted_field_error,
        parameter_title=parameter_title,
        source_title=source_title,
        duration_text=duration_text,
        language_name=language_name,
        period_label=period_label,
        item_past_due=past_due,
        language_options=language_options,
        area_title=area_title,
        org_kind=org_kind,
        item_status=item_status,
        item_badge=item_badge,
        reminder_kind=reminder_kind,
        timeline_label=timeline_label,
        name=name,
        country_name=country_name,
        due=due,
        ftimerange=ftimerange,
        defs=defs,
        page_url=page_url,
        url_with=url_with,
        current_actor=current_actor,
        current_record=current_record,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        locale = get_locale()
        return {"lang": locale.language if locale else "ru"}
