"""The region's annual report to the federal body (issue 14): drafted from the region's page,
for last year by default, from every plan of the region; the people of other regions cannot."""

from __future__ import annotations

from tests.web.test_annual_report import docx_text, plan_with_items


def test_the_region_page_drafts_the_regions_annual_report(engine, web_world, signed_in, clock):
    plan_with_items(engine, web_world, None)
    ini = signed_in("ini")
    page = ini.get("/regions/RU-TST").get_data(as_text=True)
    assert 'href="/regions/RU-TST/annual-report.docx"' in page
    assert "Draft the annual report (DOCX)" in page

    response = ini.get("/regions/RU-TST/annual-report.docx?year=2026")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "annual-report-2026" in response.headers["Content-Disposition"]
    _document, text = docx_text(response.data)
    assert "Дни Тестовой области в Харбине" in text  # an item of the region's plan of 2026
    assert "Форум ректоров 2027 года" not in text  # next year's


def test_last_year_by_default_and_a_clear_refusal_for_a_year_that_is_no_year(web_world, signed_in):
    ini = signed_in("ini")
    default = ini.get("/regions/RU-TST/annual-report.docx")
    assert (
        default.status_code == 200
        and "annual-report-2025" in default.headers["Content-Disposition"]
    )
    assert ini.get("/regions/RU-TST/annual-report.docx?year=next").status_code == 400
    assert ini.get("/regions/RU-TST/annual-report.docx?year=2031").status_code == 400


def test_another_regions_people_cannot_draft_it_and_an_unknown_region_is_404(web_world, signed_in):
    assert signed_in("other").get("/regions/RU-TST/annual-report.docx").status_code == 403
    assert signed_in("mfa").get("/regions/RU-TST/annual-report.docx").status_code == 200
    assert signed_in("ini").get("/regions/RU-XX/annual-report.docx").status_code == 404
