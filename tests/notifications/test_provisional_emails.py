"""Every task email states the due date as "no later than" and, for a date in a year whose
production calendar is not known yet, says the date is provisional (as the reminder does)."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.render import render_parts

TASK_EMAILS = ["task_opened", "task_assigned", "task_reminder", "task_escalation"]
WORDING = {
    "ru": ("не позднее 14 января 2028", "Срок предварительный: производственный календарь на 2028"),
    "en": ("no later than 14 January 2028", "The deadline is provisional"),
}


def _context(lang: str, provisional: bool) -> dict:
    return {
        "lang": lang,
        "recipient": {"id": 1, "name": "Ирина", "email": "irina@example.test"},
        "base_url": "https://soglasie.example",
        "links": {
            "inbox": "https://soglasie.example/inbox",
            "case": "https://soglasie.example/agreements/1",
            "annual_report": None,
        },
        "unsubscribe_url": None,
        "payload": {},
        "case": {"id": 1, "title": "Соглашение", "state_title": "В силе"},
        "task": {
            "id": 1,
            "state_title": "Годовой отчёт",
            "role_title": "Инициатор",
            "assigned": True,
        },
        "assigned_by": "Пётр",
        "deadline": {"on": dt.date(2028, 1, 14), "left": 250, "provisional": provisional},
        "decisions": None,
    }


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("template", TASK_EMAILS)
def test_a_provisional_deadline_is_called_provisional_in_every_task_email(template, lang):
    no_later_than, provisional = WORDING[lang]
    _subject, text, html = render_parts(template, _context(lang, provisional=True))
    for part in (text, html):
        assert no_later_than in part
        assert provisional in part


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("template", TASK_EMAILS)
def test_a_deadline_in_a_known_year_is_not_called_provisional(template, lang):
    _subject, text, html = render_parts(template, _context(lang, provisional=False))
    assert WORDING[lang][1] not in text and WORDING[lang][1] not in html
