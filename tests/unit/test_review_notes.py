"""Which texts changed since a round, and which field fills a missing-requirement token: the
pure rules behind the task panel (``workflow.queries.review_notes``, ``web.pages.task_panel``)."""

from __future__ import annotations

from web.pages.task_panel import field_of
from workflow.queries.review_notes import TextChange, changed_texts


def test_a_newer_version_and_a_new_language_are_changes_an_equal_one_is_not():
    reviewed = {"ru": 1, "zh": 1}
    assert changed_texts(reviewed, {"ru": 2, "zh": 1, "en": 1}) == [
        TextChange("en", None, 1),
        TextChange("ru", 1, 2),
    ]
    assert changed_texts(reviewed, {"ru": 1, "zh": 1}) == []


def test_the_partner_language_token_is_filled_through_the_languages_field():
    assert field_of("languages:partner") == "languages"
    assert field_of("term.years") == "term.years"
    assert field_of("documents:partner") == "documents:partner"  # a text, uploaded
