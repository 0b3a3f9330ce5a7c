"""Word files on the agreement page, in Chromium: the officer uploads her draft as DOCX and sees
it previewed; after the remarks she uploads round 2, compares the rounds word by word, and finds
the agreement from the search box by another form of a word in it.

Screenshots of the preview, the comparison and the search go to a temporary folder whose path
the test prints (``pytest -s tests/browser/test_documents_flow.py``).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_agreement_flow import upload
from tests.support import office_files
from tests.web import scenario

pytestmark = pytest.mark.browser

ROUND_1 = [
    "Соглашение о научно-техническом сотрудничестве между Тестовой областью и городом Харбин",
    "Статья 1. Стороны развивают научно-техническое сотрудничество.",
    "Статья 2. Стороны содействуют обменам в области образования.",
]
ROUND_2 = [*ROUND_1[:2], "Статья 2. Стороны содействуют обменам студентами в области образования."]


def test_a_word_draft_is_previewed_compared_and_found(live, new_page, tmp_path):
    case_id = scenario.create_regional(live.engine, live.world, "Соглашение с Харбином")
    scenario.to_drafting(live.engine, live.world, case_id)
    round_1, round_2 = tmp_path / "Соглашение, ред. 1.docx", tmp_path / "Соглашение, ред. 2.docx"
    round_1.write_bytes(
        office_files.docx(ROUND_1, table=[["Мероприятие", "Срок"], ["Форум", "2026"]])
    )
    round_2.write_bytes(office_files.docx(ROUND_2))
    shots = tmp_path / "shots"
    shots.mkdir()
    print(f"\nscreenshots: {shots}")

    page = new_page()
    sign_in(page, live, "ini")
    page.goto(live.at(f"/agreements/{case_id}"))
    upload(page, "ru", file=str(round_1), note="Проект в Word")
    assert "Редакция 2" in page.locator(".alert-success").inner_text()
    assert "Соглашение, ред. 1.docx" in page.locator("#documents").inner_text()

    page.click(f'#documents a[href="/agreements/{case_id}/documents/ru/2"]')
    preview = page.locator("article.document-preview")
    assert "научно-техническое сотрудничество" in preview.inner_text()
    assert preview.locator("table td").first.inner_text() == "Мероприятие"
    page.screenshot(path=str(shots / "preview.png"), full_page=True)

    page.goto(live.at(f"/agreements/{case_id}"))
    upload(page, "ru", file=str(round_2), note="Учтены замечания")
    page.goto(live.at(f"/agreements/{case_id}/documents/ru/diff?a=2&b=3"))
    assert page.locator("ins").first.inner_text().strip() == "студентами"
    page.screenshot(path=str(shots / "diff.png"), full_page=True)

    # "сотрудничества" is not written in the text; "сотрудничество" and "сотрудничестве" are.
    page.fill("header input[name=q]", "сотрудничества Харбин")
    with page.expect_navigation():
        page.press("header input[name=q]", "Enter")
    results = page.locator("main").inner_text()
    assert "Соглашение с Харбином" in results
    assert page.locator("main mark").count() >= 1
    page.screenshot(path=str(shots / "search.png"), full_page=True)

    other = new_page()
    sign_in(other, live, "other")
    other.goto(live.at("/search?q=Харбин"))
    assert "Соглашение с Харбином" not in other.locator("main").inner_text()
