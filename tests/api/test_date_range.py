"""Issue 15: dates far in the past or future are refused at the door (400 naming the field and
the accepted range), and a date stored before the rule never makes a timeline or a transition
answer 500.

The field paths are discovered from the schemas, so a new date field is covered (and one made
without the range rule fails ``test_every_date_field_of_every_schema_carries_the_range_rule``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from marshmallow import Schema
from marshmallow import fields as mf
from sqlalchemy import text

from tests.api.scenario import ApiClient, regional_fields
from workflow.errors import InvalidInput
from workflow.fields import all_field_sets, dates

BAD_DAYS = ("0001-01-01", "9999-12-31")
RANGE = "a date between 1990-01-01 and 2100-12-31"


def _date_fields(schema: Schema, prefix: str = ""):
    """``(path, field)`` for every date field of ``schema``, nested records included."""
    for name, field in schema.fields.items():
        path = f"{prefix}{field.data_key or name}"
        inner = field.inner if isinstance(field, mf.List) else field
        if isinstance(inner, mf.Nested):
            yield from _date_fields(inner.schema, f"{path}.")
        elif isinstance(inner, mf.Date | mf.DateTime):
            yield path, inner


DATE_PATHS = sorted(
    (kind, path)
    for kind, field_set in all_field_sets().items()
    for path, _field in _date_fields(field_set.schema())
)
REGIONAL_PATHS = [path for kind, path in DATE_PATHS if kind == "regional_agreement"]


def _nested(path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    return {head: _nested(rest, value) if rest else value}


def test_the_schemas_have_date_fields_nested_ones_included():
    assert ("regional_agreement", "planned_signing_date") in DATE_PATHS
    assert ("regional_agreement", "signing_russian.date") in DATE_PATHS
    assert ("regional_agreement", "registration.date") in DATE_PATHS
    assert ("twin_city_agreement", "annual_report.submitted_on") in DATE_PATHS
    assert ("coordination_cycle", "meeting_date") in DATE_PATHS


@pytest.mark.parametrize(("kind", "path"), DATE_PATHS)
def test_every_date_field_of_every_schema_carries_the_range_rule(kind, path):
    found = dict(_date_fields(all_field_sets()[kind].schema()))
    assert dates.is_checked_date(found[path]), f"{kind}.{path}: make it with dates.Date()"


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize(("kind", "path"), DATE_PATHS)
def test_loading_refuses_a_date_out_of_range_naming_the_field_and_the_range(kind, path, day):
    field_set = all_field_sets()[kind]
    with pytest.raises(InvalidInput) as refused:
        field_set.load(_nested(path, day))
    assert refused.value.errors == {path: RANGE}
    assert f"{path}: {RANGE}" in refused.value.message
    # The ends of the range are accepted; what is stored is read back whatever it is.
    for edge in ("1990-01-01", "2100-12-31"):
        field_set.load(_nested(path, edge))
    assert field_set.read(_nested(path, day)) == _nested(path, dt.date.fromisoformat(day))


def test_the_range_follows_the_settings(monkeypatch):
    monkeypatch.setattr(dates, "_bounds", [2000, 2030])
    field_set = all_field_sets()["regional_agreement"]
    with pytest.raises(InvalidInput) as refused:
        field_set.load({"planned_signing_date": "1995-05-05"})
    assert refused.value.errors == {
        "planned_signing_date": "a date between 2000-01-01 and 2030-12-31"
    }


def test_the_app_takes_the_range_from_its_settings(engine, db_url):
    from web.app import create_app
    from workflow.settings import Settings, from_env

    assert from_env({"SOGLASIE_DATE_MIN_YEAR": "1995"}).date_min_year == 1995
    settings = Settings(env="test", database_url=db_url, date_min_year=2001, date_max_year=2050)
    try:
        create_app(settings, engine=engine, config={"TESTING": True})
        assert dates.range_message() == "a date between 2001-01-01 and 2050-12-31"
    finally:
        dates.configure(dates.DEFAULT_MIN_YEAR, dates.DEFAULT_MAX_YEAR)


@pytest.fixture
def api(client, tokens):
    return ApiClient(client, tokens)


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize("path", REGIONAL_PATHS)
def test_the_api_refuses_a_date_out_of_range_in_any_field_with_400(api, engine, path, day):
    body = regional_fields(engine.today())
    top = path.split(".", 1)[0]
    body[top] = _nested(path, day)[top]
    refused = (
        api.as_("ta_ini")
        .post("/agreements", json={"kind": "regional_agreement", "fields": body})
        .refused(400)
    )
    assert refused["errors"] == {path: RANGE}
    assert path in refused["message"] and RANGE in refused["message"]


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_api_refuses_a_meeting_or_a_plan_item_out_of_range(api, engine, day):
    starts = f"{day}T07:00:00+00:00"
    refused = api.as_("coord").post(
        "/meetings",
        json={
            "year": engine.today().year,
            "title_ru": "Совещание",
            "starts_at": starts,
            "ends_at": f"{day}T10:00:00+00:00",
        },
    )
    assert refused.status in (400, 422), refused.json
    assert RANGE in json.dumps(refused.json) and "starts_at" in refused.json["errors"]


def _store(engine, case_id: int, day: str) -> None:
    """``planned_signing_date`` written straight into the row, as data from before the rule."""
    with engine.uow() as uow:
        raw = uow.session.execute(
            text("SELECT fields FROM cases WHERE id = :id"), {"id": case_id}
        ).scalar_one()
        stored = json.loads(raw) if isinstance(raw, str) else dict(raw)
        stored["planned_signing_date"] = day
        uow.session.execute(
            text("UPDATE cases SET fields = :fields, planned_date = :day WHERE id = :id"),
            {"fields": json.dumps(stored), "day": day, "id": case_id},
        )
        uow.commit()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_a_stored_date_out_of_range_gives_a_timeline_and_a_clear_refusal(api, engine, day):
    ini = api.as_("ta_ini")
    case_id = ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
    ).ok(201)["id"]
    _store(engine, case_id, day)

    assert ini.get(f"/agreements/{case_id}").ok()["planned_date"] == day
    timeline = ini.get(f"/agreements/{case_id}/timeline").ok()
    (planned,) = [e for e in timeline["entries"] if e["kind"] == "planned_date"]
    assert planned["on"] == day  # shown as is
    assert not [e for e in timeline["entries"] if e["kind"] == "backward_deadline"]
    path = f"/agreements/{case_id}/timeline?what_if=planned_signing_date:"
    moved = ini.get(path + "2026-09-01").ok()
    assert [e for e in moved["entries"] if e["kind"] == "backward_deadline" and e["hypothetical"]]
    assert ini.get(path + day).refused(400)["errors"] == {"planned_signing_date": RANGE}

    refused = ini.post(
        f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"}
    ).refused(409)
    (reason,) = refused["errors"]["refusals"]
    assert reason["reason"] == "date_out_of_range"
    assert reason["field"] == "planned_signing_date" and reason["date"] == day
    assert "planned_signing_date" in refused["message"]
    assert ini.get(f"/agreements/{case_id}/transitions").status == 200

    # Correcting the date makes the case work again.
    later = (engine.today() + dt.timedelta(days=200)).isoformat()
    ini.patch(f"/agreements/{case_id}", json={"fields": {"planned_signing_date": later}}).ok()
    ini.post(f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"}).ok()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_a_plan_item_due_date_out_of_range_is_refused(day):
    from workflow.services.plans import _validate

    with pytest.raises(InvalidInput) as refused:
        _validate(None, {"due_on": day})
    assert refused.value.errors == {"due_on": RANGE}


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_the_calendar_raises_a_typed_error_for_a_day_it_cannot_count_from(day):
    from workflow.calendar import DateOutOfRange, Duration, ProductionCalendar, Unit
    from workflow.calendar.terms import add_working_days, term_after, term_before

    cal = ProductionCalendar()
    for unit in Unit:
        duration = Duration(1, unit)
        with pytest.raises(DateOutOfRange):
            term_before(cal, day, duration)
        with pytest.raises(DateOutOfRange):
            term_after(cal, day, duration)
    with pytest.raises(DateOutOfRange):
        add_working_days(cal, day, 3)
    with pytest.raises(DateOutOfRange):
        cal.is_working_day(day)


@pytest.mark.parametrize("day", BAD_DAYS)
def test_trigger_data_out_of_range_is_refused_with_400(api, engine, day):
    ini = api.as_("ta_ini")
    case_id = ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
    ).ok(201)["id"]
    refused = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "notify_negotiations", "data": {"planned_signing_date": day}},
    ).refused(400)
    assert refused["errors"] == {"planned_signing_date": RANGE}
    assert ini.get(f"/agreements/{case_id}").ok()["state"] == "initiated"
