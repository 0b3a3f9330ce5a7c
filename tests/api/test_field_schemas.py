"""The shape of ``fields``, for people who integrate: each procedure's JSON Schema at
``/definitions/{key}`` (and ``/fields`` alone), the same schemas as OpenAPI components, and
400s that name the shape a field expects instead of "Invalid input type"."""

from __future__ import annotations

import jsonschema_rs
import pytest

from tests.api.scenario import ApiClient, regional_fields


@pytest.fixture
def ini(client, tokens):
    return ApiClient(client, tokens).as_("ta_ini")


def test_a_definition_answers_the_json_schema_of_its_fields(ini):
    definition = ini.get("/definitions/regional_agreement").ok(200)
    schema = definition["fields"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    signing = schema["properties"]["signing_russian"]["properties"]
    assert set(signing["signatory"]["properties"]) == {"name", "position"}
    assert signing["date"]["format"] == "date"
    term = schema["properties"]["term"]["properties"]
    assert term["years"] == {"type": "integer", "minimum": 1, "maximum": 99}
    assert schema["properties"]["in_force_from"]["format"] == "date"
    assert "on_registration" in schema["properties"]["entry_into_force"]["enum"]
    assert ini.get("/definitions/regional_agreement/fields").ok(200) == schema


def test_the_schema_accepts_what_the_engine_accepts_and_refuses_what_it_refuses(ini, engine):
    validator = jsonschema_rs.validator_for(
        ini.get("/definitions/regional_agreement/fields").ok(200)
    )
    good = regional_fields(engine.today())
    assert validator.is_valid(good)
    ini.post("/agreements", json={"kind": "regional_agreement", "fields": good}).ok(201)
    bad = {**good, "signing_russian": {"signatory": "Р. Н. Минниханов"}}
    assert not validator.is_valid(bad)
    ini.post("/agreements", json={"kind": "regional_agreement", "fields": bad}).refused(400)


def test_the_openapi_document_carries_every_field_schema(client, ini):
    document = client.get("/api/v1/openapi.json").get_json()
    components = document["components"]["schemas"]
    for kind in ("regional_agreement", "twin_city_agreement", "activity_plan"):
        assert components[f"Fields_{kind}"]["type"] == "object"
    described = ini.get("/definitions/activity_plan").ok(200)
    assert (
        components[f"Fields_{described['fields_schema']}"]["properties"]
        == (described["fields"]["properties"])
    )


def test_a_400_names_the_field_and_the_shape_it_expects(ini, engine):
    fields = {
        **regional_fields(engine.today()),
        "signing_russian": {"signatory": "Р. Н. Минниханов"},
        "term": 5,
        "in_force_from": "вчера",
    }
    reply = ini.post("/agreements", json={"kind": "regional_agreement", "fields": fields})
    errors = reply.refused(400)["errors"]
    assert errors["signing_russian.signatory"] == (
        "expected an object {name, position}, got the string 'Р. Н. Минниханов'."
    )
    assert errors["term"].startswith("expected an object {years, automatic_renewal")
    assert errors["in_force_from"] == "expected a date (YYYY-MM-DD), got the string 'вчера'."
    assert "Invalid input type" not in reply.json["message"]
