"""``GET /api/v1/search``: shape, visibility, cursor pagination, errors and the OpenAPI entry."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import bearer
from tests.api.scenario import regional_fields


def _agreement(engine, world, clock, title):
    fields = {**regional_fields(clock.now().date()), "title": title}
    return engine.create_case(world.actor("ta_ini"), "regional_agreement", fields=fields).id


def test_search_returns_hits_with_the_case_id_place_and_snippet(
    engine, world, clock, client, tokens
):
    case_id = _agreement(engine, world, clock, "Соглашение о научно-техническом сотрудничестве")
    response = client.get("/api/v1/search?q=сотрудничество", headers=bearer(tokens["ta_ini"]))
    assert response.status_code == 200
    (item,) = [i for i in response.json["items"] if i["source"] == "title"]
    assert item["id"] == case_id and item["title"].startswith("Соглашение")
    assert "<mark>сотрудничестве</mark>" in item["snippet"]
    assert item["place"] and isinstance(item["rank"], float)


def test_a_user_of_another_region_gets_no_hit_through_the_api(engine, world, clock, client, tokens):
    _agreement(engine, world, clock, "Соглашение о туристическом обмене")
    response = client.get("/api/v1/search?q=туристический", headers=bearer(tokens["spe_ini"]))
    assert response.status_code == 200 and response.json["items"] == []


def test_the_cursor_walks_every_hit_once(engine, world, clock, client, tokens):
    ids = {_agreement(engine, world, clock, f"Соглашение о рыболовстве {n}") for n in range(5)}
    seen, url = [], "/api/v1/search?q=рыболовство&limit=2"
    while url:
        body = client.get(url, headers=bearer(tokens["ta_ini"])).json
        seen += [i["id"] for i in body["items"] if i["source"] == "title"]
        cursor = body["next_cursor"]
        url = f"/api/v1/search?q=рыболовство&limit=2&cursor={cursor}" if cursor else None
    assert sorted(seen) == sorted(ids)


def test_an_empty_or_missing_query_is_a_clean_422(client, tokens):
    for url in ("/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=%20%20"):
        response = client.get(url, headers=bearer(tokens["ta_ini"]))
        assert response.status_code == 422 and "q" in response.json["errors"]
    assert (
        client.get("/api/v1/search?q=" + "я" * 201, headers=bearer(tokens["ta_ini"])).status_code
        == 422
    )


def test_the_openapi_document_describes_search(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/search"]["get"]
    (q,) = [p for p in operation["parameters"] if p["name"] == "q"]
    assert q["required"] and q["schema"]["maxLength"] == 200
    assert "SearchPageOut" in str(operation["responses"]["200"]) or "SearchPage" in str(spec)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(min_size=1, max_size=60))
def test_no_query_text_gives_a_server_error(client, tokens, q):
    response = client.get("/api/v1/search", query_string={"q": q}, headers=bearer(tokens["ta_ini"]))
    assert response.status_code in (200, 422)
