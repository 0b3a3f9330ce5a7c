"""Dates and times in the reader's language and zone: the cached formatters give what
Flask-Babel's own would."""

import datetime as dt

import flask_babel
import pytest

from web import formatting

MOMENTS = [
    dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC),  # 09:30 in Moscow
    dt.datetime(2025, 12, 31, 22, 15, tzinfo=dt.UTC),  # already 1 January in Moscow
]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_cached_formatters_agree_with_flask_babel(app, language):
    with app.test_request_context(), flask_babel.force_locale(language):
        for moment in MOMENTS:
            for pattern in ("d MMMM y, HH:mm", "HH:mm"):
                expected = flask_babel.format_datetime(moment, pattern)
                assert formatting.format_datetime(moment, pattern) == expected
            expected = flask_babel.format_date(moment.date(), "d MMMM y")
            assert formatting.format_date(moment.date(), "d MMMM y") == expected


def test_a_moment_is_shown_in_moscow_time_in_the_readers_language(app):
    with app.test_request_context(), flask_babel.force_locale("ru"):
        assert formatting.fdatetime(MOMENTS[1]) == "1 января 2026, 01:15"
    with app.test_request_context(), flask_babel.force_locale("en"):
        assert formatting.fdatetime(MOMENTS[0]) == "2 March 2026, 09:30"


def test_a_moment_shown_as_a_date_is_the_readers_date_not_the_utc_one(app):
    """21:27 UTC on 2 December is 00:27 on 3 December in Moscow: the date alone ("Начато")
    and the date with its time (the history) say the same day."""
    late = dt.datetime(2026, 12, 2, 21, 27, tzinfo=dt.UTC)
    with app.test_request_context(), flask_babel.force_locale("ru"):
        assert formatting.fdatetime(late) == "3 декабря 2026, 00:27"
        assert formatting.fdate(late) == "3 декабря 2026"
        assert formatting.fdate(late, "short") == "03.12.2026"
        # A naive value read back from SQLite is UTC too.
        assert formatting.fdate(late.replace(tzinfo=None)) == "3 декабря 2026"
