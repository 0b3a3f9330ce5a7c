"""One error shape for every failure, refusals that say why, and versions: the ETag of an
agreement, ``If-Match`` (412 when stale) and ``expected_version`` (409 when stale)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.scenario import ApiClient, regional_fields
from tests.domain.walking import walk_to


@pytest.fixture
def ini(client, tokens):
    return ApiClient(client, tokens).as_("ta_ini")


@pytest.fixture
def agreement(ini, engine) -> dict:
    return ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
    ).ok(201)


def test_unknown_keys_and_bad_values_are_422_with_an_error_per_field(ini, agreement):
    body = {"trigger": "", "comment": 5, "colour": "red"}
    errors = ini.post(f"/agreements/{agreement['id']}/transitions", json=body).refused(422)
    assert set(errors["errors"]) == {"trigger", "comment", "colour"}
    assert errors["errors"]["colour"] == "Unknown field."
    query = ini.get("/agreements?limit=0&sort=title").refused(422)
    assert set(query["errors"]) == {"limit", "sort"}
    nul = ini.post("/tokens", json={"name": "a\x00b"}).refused(422)
    assert nul["errors"] == {"name": "NUL characters are not allowed."}


def test_fields_the_procedure_rejects_are_400_naming_each_field(ini, agreement):
    reply = ini.patch(
        f"/agreements/{agreement['id']}",
        json={"fields": {"planned_signing_date": "someday", "partner": {"level": "galactic"}}},
    ).refused(400)
    assert set(reply["errors"]) == {"planned_signing_date", "partner.level"}


def test_missing_routes_methods_and_objects_answer_in_the_same_shape(client, ini):
    assert ini.get("/no-such-thing").refused(404)["code"] == "not_found"
    assert ini.call("DELETE", "/agreements").refused(405)["code"] == "method_not_allowed"
    assert ini.get("/agreements/999999").refused(404)["code"] == "not_found"
    assert client.get("/api/v1/agreements/1").status_code == 401


def test_another_regions_agreement_is_indistinguishable_from_a_missing_one(
    client, tokens, agreement
):
    other = ApiClient(client, tokens).as_("spe_ini")
    hidden = other.get(f"/agreements/{agreement['id']}").refused(404)
    missing = other.get("/agreements/999999").refused(404)
    assert hidden["code"] == missing["code"]


def test_a_refusal_names_the_wrong_state(ini, agreement):
    refused = ini.post(
        f"/agreements/{agreement['id']}/transitions", json={"trigger": "record_signing"}
    ).refused(409)
    assert refused["code"] == "transition_not_allowed"
    (reason,) = refused["errors"]["refusals"]
    assert (reason["reason"], reason["state"]) == ("wrong_state", "initiated")


def test_a_refusal_lists_the_missing_fields_as_field_errors(ini, engine):
    bare = ini.post(
        "/agreements", json={"kind": "regional_agreement", "fields": {"title": "Черновик"}}
    ).ok(201)
    refused = ini.post(
        f"/agreements/{bare['id']}/transitions", json={"trigger": "notify_negotiations"}
    ).refused(409)
    (reason,) = refused["errors"]["refusals"]
    assert reason["reason"] == "missing_fields"
    for name in reason["missing"]:
        assert refused["errors"][name] == "Required for this action."
    assert "partner.country" in reason["missing"]


def test_a_refusal_gives_the_lead_time_rule_and_the_earliest_allowed_date(
    client, tokens, engine, world
):
    definition = engine.catalog.current("regional_agreement").definition
    soon = (engine.today() + dt.timedelta(days=20)).isoformat()
    walk = walk_to(world, definition, "approved_for_signing", planned_signing_date=soon)
    ini = ApiClient(client, tokens).as_("ta_ini")
    offered = {t["trigger"]: t for t in ini.get(f"/agreements/{walk.case_id}/transitions").ok()}
    assert offered["schedule_signing"]["allowed"] is False
    refused = ini.post(
        f"/agreements/{walk.case_id}/transitions", json={"trigger": "schedule_signing"}
    ).refused(409)
    (reason,) = refused["errors"]["refusals"]
    assert reason["reason"] == "lead_time"
    assert reason["earliest_allowed_date"] > soon
    assert (
        reason["earliest_allowed_date"]
        == offered["schedule_signing"]["blocked_by"][0]["earliest_allowed_date"]
    )


def test_a_refusal_says_a_comment_is_required(ini, agreement):
    refused = ini.post(
        f"/agreements/{agreement['id']}/transitions", json={"trigger": "withdraw"}
    ).refused(409)
    assert refused["errors"]["refusals"][0]["reason"] == "comment_required"


def test_get_returns_the_etag_and_if_match_guards_the_change(ini, agreement):
    path = f"/agreements/{agreement['id']}"
    first = ini.get(path)
    etag = first.response.headers["ETag"]
    assert etag == first.json["etag"] == f'"{agreement["id"]}.1"'
    changed = ini.patch(
        path, json={"fields": {"notes": "Первая правка"}}, headers={"If-Match": etag}
    )
    new_etag = changed.response.headers["ETag"]
    assert changed.ok()["version"] == 2 and new_etag != etag

    stale = ini.patch(path, json={"fields": {"notes": "Вторая"}}, headers={"If-Match": etag})
    assert stale.refused(412)["code"] == "concurrent_update"
    assert stale.json["errors"]["version"] == "The current version is 2."
    fired = ini.post(
        f"{path}/transitions",
        json={"trigger": "notify_negotiations"},
        headers={"If-Match": f"W/{new_etag}"},  # a weak tag never matches a change
    )
    assert fired.refused(412)
    assert ini.get(path).ok()["state"] == "initiated"
    moved = ini.post(
        f"{path}/transitions",
        json={"trigger": "notify_negotiations"},
        headers={"If-Match": new_etag},
    )
    assert moved.ok()["etag"] == moved.response.headers["ETag"] == f'"{agreement["id"]}.3"'


def test_a_stale_expected_version_is_409(ini, agreement):
    path = f"/agreements/{agreement['id']}"
    ini.patch(path, json={"fields": {"notes": "Правка"}, "expected_version": 1}).ok()
    stale = ini.post(
        f"{path}/transitions", json={"trigger": "notify_negotiations", "expected_version": 1}
    ).refused(409)
    assert stale["code"] == "concurrent_update"


def test_the_agreement_list_pages_with_a_cursor_and_filters(ini, engine):
    for n in range(5):
        ini.post(
            "/agreements",
            json={
                "kind": "regional_agreement",
                "fields": {**regional_fields(engine.today()), "title": f"Соглашение {n}"},
            },
        ).ok(201)
        engine.clock.advance(minutes=1)
    seen, cursor = [], None
    while True:
        page = ini.get("/agreements?limit=2" + (f"&cursor={cursor}" if cursor else "")).ok()
        seen.extend(item["title"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Соглашение {n}" for n in reversed(range(5))]
    found = ini.get("/agreements?q=соглашение 3&region=RU-TA&state=initiated").ok()["items"]
    assert [i["title"] for i in found] == ["Соглашение 3"]
    assert ini.get("/agreements?region=RU-SPE").ok()["items"] == []
    assert ini.get("/agreements?cursor=bm90LWEtY3Vyc29y").refused(422)["errors"] == {
        "cursor": "Not a cursor this API gave out."
    }
