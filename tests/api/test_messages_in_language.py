"""Refusals for people in the caller's language: the API keeps its machine-readable codes and
English ``errors``, and adds ``messages`` (and a ``text`` per refused transition) in the
language of ``Accept-Language``."""

from __future__ import annotations

import pytest

from tests.api.scenario import ApiClient, regional_fields


@pytest.fixture
def ini(client, tokens):
    return ApiClient(client, tokens).as_("ta_ini")


@pytest.fixture
def agreement(ini, engine) -> dict:
    return ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
    ).ok(201)


BAD = {"fields": {"partner": {"country": "China"}, "languages": ["Russian"]}}


def test_field_refusals_come_in_the_language_the_caller_asks_for(ini, agreement):
    path = f"/agreements/{agreement['id']}"
    russian = ini.patch(path, json=BAD, headers={"Accept-Language": "ru-RU,ru;q=0.9"}).refused(400)
    # The record for machines stays as it was: the code and the schema's English messages.
    assert russian["code"] == "invalid_input"
    assert russian["errors"]["partner.country"] == "an ISO 3166-1 alpha-2 code such as CN"
    assert russian["messages"] == {
        "partner.country": "Выберите страну из списка.",
        "languages.0": "Выберите язык из списка.",
    }
    english = ini.patch(path, json=BAD, headers={"Accept-Language": "en-GB"}).refused(400)
    assert english["messages"]["partner.country"] == "Choose a country from the list."
    # Without Accept-Language the API speaks English.
    assert ini.patch(path, json=BAD).refused(400)["messages"]["languages.0"] == (
        "Choose a language from the list."
    )


def test_schema_refusals_and_refused_transitions_are_worded_too(ini, agreement):
    russian = {"Accept-Language": "ru"}
    refused = ini.post(
        f"/agreements/{agreement['id']}/transitions", json={"colour": "red"}, headers=russian
    ).refused(422)
    assert refused["errors"]["trigger"] == "Missing data for required field."
    assert refused["messages"]["trigger"] == "Обязательное поле."
    assert refused["messages"]["colour"] == "Такого поля здесь нет."
    bare = ini.post(
        "/agreements", json={"kind": "regional_agreement", "fields": {"title": "Черновик"}}
    ).ok(201)
    refused = ini.post(
        f"/agreements/{bare['id']}/transitions",
        json={"trigger": "notify_negotiations"},
        headers=russian,
    ).refused(409)
    (reason,) = refused["errors"]["refusals"]
    assert reason["reason"] == "missing_fields"  # the code, unchanged
    assert reason["text"].startswith("Не хватает: ")
    assert "Иностранный партнёр: страна" in reason["text"] and "partner" not in reason["text"]
    assert refused["messages"]["partner.country"] == "Это поле нужно заполнить для этого действия."
