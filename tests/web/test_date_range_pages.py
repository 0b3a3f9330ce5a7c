"""Dates outside the accepted range: refused by the page forms; a stored one never breaks a page."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from tests.api.test_date_range import _date_fields
from tests.web import scenario
from tests.web.conftest import USERS
from web.fieldforms import label_for
from workflow.fields import get_field_set
from workflow.persistence.models import Case

RANGE_EN = "a date between 1990-01-01 and 2100-12-31"
RANGE_RU = "дата между 1990-01-01 и 2100-12-31"


def store_bad_date(engine, case_id: int, day: str = "0001-01-01") -> None:
    """Write ``planned_signing_date`` straight into the row, as data from before the rule."""
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


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_stored_date_the_calendar_cannot_count_from_never_breaks_the_page(
    engine, web_world, signed_in, day
):
    case_id = scenario.create_regional(engine, web_world)
    store_bad_date(engine, case_id, day)
    for username, *_ in USERS:
        response = signed_in(username).get(f"/agreements/{case_id}")
        assert response.status_code in (200, 403, 404), (username, response.status_code)
    page = signed_in("ini").get(f"/agreements/{case_id}")
    assert page.status_code == 200


def _page_date_inputs(html: str) -> list[str]:
    """The date fields of the schema that the page's edit form offers (``f.<path>`` inputs)."""
    field_set = get_field_set("regional_agreement")
    date_paths = {path for path, _field in _date_fields(field_set.schema())}
    shown = set(re.findall(r'name="f\.([a-z_.]+)"', html))
    return sorted(shown & date_paths)


@pytest.mark.parametrize(("lang", "expected"), [("en", RANGE_EN), ("ru", RANGE_RU)])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_page_form_refuses_a_date_out_of_range_naming_the_field_and_the_range(
    engine, web_world, signed_in, day, lang, expected
):
    case_id = scenario.create_regional(engine, web_world)
    ini = signed_in("ini")
    with ini.client.session_transaction() as session:
        session["lang"] = lang
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    paths = _page_date_inputs(page)
    assert "planned_signing_date" in paths
    for path in paths:
        before = _fields(engine, case_id)
        response = ini.post(
            f"/agreements/{case_id}/fields",
            {"expected_version": _version(engine, case_id), f"f.{path}": day},
            follow_redirects=True,
        )
        html = response.get_data(as_text=True).replace("&#39;", "'")
        assert response.status_code == 200
        assert expected in html, path
        if lang == "en":  # the field by its label, next to the range
            assert f"{label_for(path, 'regional_agreement')}: {expected}" in html, path
        assert _fields(engine, case_id) == before  # nothing stored


def _fields(engine, case_id: int) -> dict:
    with engine.uow(write=False) as uow:
        return dict(uow.session.get(Case, case_id).fields)


def _version(engine, case_id: int) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id).version


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_transition_counting_from_a_stored_bad_date_is_refused_on_the_page(
    engine, web_world, signed_in, day
):
    case_id = scenario.create_regional(engine, web_world)
    store_bad_date(engine, case_id, day)
    ini = signed_in("ini")
    response = ini.post(
        f"/agreements/{case_id}/actions",
        {"trigger": "notify_negotiations", "expected_version": _version(engine, case_id)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{day} is outside the years deadlines can be counted in" in html
    assert _case_state(engine, case_id) == "initiated"


def _case_state(engine, case_id: int) -> str:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id).state


REGION = "RU-TST"
LIST_PAGES = (
    "/",
    "/agreements",
    "/agreements.csv",
    "/agreements.xlsx",
    "/dashboard",
    "/inbox",
    "/meetings",
    "/meetings/calendar",
    "/public",
    "/regions/mine",
    "/search?q=Хэйлунцзян",
)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_no_list_page_breaks_on_a_stored_bad_date(engine, web_world, signed_in, browser, day):
    case_id = scenario.create_regional(engine, web_world)
    store_bad_date(engine, case_id, day)
    for username in ("ini", "mfa", "coord", "admin"):
        reader = signed_in(username)
        for path in LIST_PAGES:
            status = reader.get(path).status_code
            assert status < 500, (username, path, status)
    for path in (f"/regions/{REGION}", f"/agreements/{case_id}/approval-sheet.pdf"):
        status = signed_in("ini").get(path).status_code
        assert status == 200, (path, status)
    for path in ("/public", f"/public/regions/{REGION}", f"/public/regions/{REGION}/calendar.ics"):
        assert browser.get(path).status_code == 200, path
    assert browser.get(f"/agreements/{case_id}").status_code in (200, 302)
