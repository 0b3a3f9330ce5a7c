"""The register of agreements (XLSX) read back with openpyxl: typed dates, frozen heading,
autofilter, the list's filters and visibility; and the API's register and sheet."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from tests.web import scenario
from tests.web.test_agreements_list import _three_agreements


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def rows_by_id(ws) -> dict[int, dict]:
    heads = [c.value for c in ws[1]]
    return {
        r[0]: dict(zip(heads, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }


def test_register_has_typed_dates_a_frozen_heading_and_an_autofilter(
    engine, web_world, signed_in, clock
):
    signed, _review, _other = _three_agreements(engine, web_world, clock)
    ws = workbook(signed_in("ini").get("/agreements.xlsx"))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{ws.max_row}"
    row = rows_by_id(ws)[signed]
    assert row["Registration No."] == "RU-TST-2026-001"
    assert row["Registration date"] == dt.datetime(2026, 5, 28)  # a date cell, not text
    assert row["Signed by the partner"] == dt.datetime(2026, 5, 20)
    assert isinstance(row["Last change (UTC)"], dt.datetime)
    date_cell = next(c for c in ws[2] if isinstance(c.value, dt.datetime))
    assert date_cell.number_format in ("DD.MM.YYYY", "DD.MM.YYYY HH:MM")
    assert ws.column_dimensions["C"].width >= 20  # the title column fits Cyrillic titles


def test_register_keeps_to_the_filters_and_to_what_the_person_may_see(
    engine, web_world, signed_in, clock
):
    signed, review, other = _three_agreements(engine, web_world, clock)
    ini = signed_in("ini")
    assert set(rows_by_id(workbook(ini.get("/agreements.xlsx")))) == {signed, review}
    filtered = rows_by_id(workbook(ini.get("/agreements.xlsx?q=образовании")))
    assert set(filtered) == {review}
    assert other in rows_by_id(workbook(signed_in("mfa").get("/agreements.xlsx")))


def test_register_in_russian_has_russian_headings(engine, web_world, signed_in, clock):
    _three_agreements(engine, web_world, clock)
    browser = signed_in("ini")
    with browser.client.session_transaction() as session:
        session["lang"] = "ru"
    ws = workbook(browser.get("/agreements.xlsx"))
    assert ws.title == "Реестр соглашений"
    assert [c.value for c in ws[1]][:3] == ["№", "Вид", "Наименование"]


def test_api_register_and_sheet_follow_the_caller_and_are_in_the_openapi_document(
    engine, web_world, signed_in, clock
):
    signed, _review, other = _three_agreements(engine, web_world, clock)
    ini = signed_in("ini")
    ws = workbook(ini.get("/api/v1/agreements/register.xlsx?lang=ru&state=registered"))
    assert set(rows_by_id(ws)) == {signed}
    sheet = ini.get(f"/api/v1/agreements/{signed}/approval-sheet.pdf?lang=en")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")
    assert ini.get(f"/api/v1/agreements/{other}/approval-sheet.pdf").status_code == 404
    paths = ini.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/agreements/{case_id}/approval-sheet.pdf" in paths
    assert "/api/v1/agreements/register.xlsx" in paths


def test_agreement_page_and_list_link_to_the_papers(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    ini = signed_in("ini")
    assert f"/agreements/{case_id}/approval-sheet.pdf" in ini.get(
        f"/agreements/{case_id}"
    ).get_data(as_text=True)
    assert "/agreements.xlsx" in ini.get("/agreements").get_data(as_text=True)
