"""The approval sheet («лист согласования»): its PDF read back with pypdf, its verification code
and QR, and the public ``/verify`` page for true, later-changed and forged sheets.

Set ``PAPERS_PNG_DIR=/some/dir`` to keep the PNG pages (pdftoppm) of the 30-decision
sheet for looking at them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from tests.web import scenario
from web.papers.approval_sheet_pdf import qr_code
from workflow.persistence.models import AuditEvent, ReviewRound
from workflow.persistence.papers import ApprovalSheet

REMARK = (
    "Уточните статью 2: укажите конкретные формы обменов студентами и преподавателями, "
    "сроки, источники финансирования и ответственных исполнителей с каждой стороны. "
) * 3


def many_rounds(engine, world, case_id: int, returns: int) -> None:
    """Federal review returned ``returns`` times (three decisions a round, the last one a
    return with a long remark), then approved by all three: 3 × (returns + 1) decisions."""
    scenario.to_federal_review(engine, world, case_id)
    ini = world.actor("ini")
    for n in range(returns):
        engine.fire(case_id, "approve", world.actor("mfa"))
        engine.fire(case_id, "approve", world.actor("sector"), comment=f"Учесть замечание {n}.")
        engine.fire(case_id, "return_for_revision", world.actor("minec"), comment=REMARK)
        engine.add_document(case_id, ini, "ru", scenario.TEXT_RU + f"\nРедакция {n + 2}.\n")
        engine.fire(case_id, "resubmit", ini)
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", world.actor(reviewer))


def text_of(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def sheet(browser, case_id: int, lang: str = "ru"):
    response = browser.get(f"/agreements/{case_id}/approval-sheet.pdf?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return response


def test_sheet_shows_title_reviewers_decisions_and_the_approved_hash(
    engine, web_world, signed_in, clock
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    response = sheet(signed_in("ini"), case_id)
    reader, pages = text_of(response.data)
    text = squeeze(" ".join(pages))
    assert "ЛИСТ СОГЛАСОВАНИЯ" in text
    assert "Соглашение о сотрудничестве с Хэйлунцзяном" in text
    for person in ("Олег Лебедев", "Игорь Головин", "Мария Фёдорова", "Николай Миронов"):
        assert person in text
    assert "Не согласовано (замечания)" in text and "Уточните статью 2" in text
    assert "Согласовано" in text
    with engine.uow(write=False) as uow:
        approved = uow.session.scalars(
            select(ReviewRound.documents).where(
                ReviewRound.case_id == case_id,
                ReviewRound.outcome == "approved",
                ReviewRound.state == "federal_review",
            )
        ).one()
    assert approved["ru"]["sha256"] in text.replace(" ", "")
    assert "RU-TST-2026-001" in text and "28.05.2026" in text
    assert f"стр. 1 из {len(reader.pages)}" in pages[0]
    code = response.headers["X-Sheet-Code"]
    assert f"Код проверки: {code}" in text
    assert reader.metadata["/Keywords"].startswith(f"soglasie-sheet:{code}:")


def test_the_printed_code_is_the_stored_one_and_the_qr_leads_to_its_page(
    engine, web_world, signed_in
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    response = sheet(signed_in("ini"), case_id)
    code = response.headers["X-Sheet-Code"]
    with engine.uow(write=False) as uow:
        stored = uow.session.scalars(select(ApprovalSheet)).one()
    assert stored.code == code and stored.case_id == case_id and len(code) == 10
    _reader, pages = text_of(response.data)
    assert code in pages[0]
    url = f"http://127.0.0.1:5000/verify/{code}"
    assert url in squeeze(" ".join(pages)).replace(" ", "")
    # the QR drawn on the sheet is segno's encoding of that URL: decode the same matrix
    qr = qr_code(url)
    assert qr.designator and qr.matrix  # a regular QR, not micro
    assert qr_code(url).matrix == qr.matrix


def test_printing_an_unchanged_sheet_again_reuses_its_code(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    ini = signed_in("ini")
    first = sheet(ini, case_id).headers["X-Sheet-Code"]
    assert sheet(ini, case_id).headers["X-Sheet-Code"] == first
    engine.fire(case_id, "approve", web_world.actor("mfa"))
    assert sheet(ini, case_id).headers["X-Sheet-Code"] != first


def test_thirty_decisions_fill_several_pages_each_with_the_header_and_page_numbers(
    engine, web_world, signed_in
):
    case_id = scenario.create_regional(engine, web_world)
    many_rounds(engine, web_world, case_id, returns=9)  # 30 federal decisions
    response = sheet(signed_in("ini"), case_id)
    _reader, pages = text_of(response.data)
    assert len(pages) >= 3
    code = response.headers["X-Sheet-Code"]
    for number, page in enumerate(pages, start=1):
        assert f"Код проверки: {code}" in page  # the running head
        assert f"стр. {number} из {len(pages)}" in page
    table_pages = [p for p in pages if "Должность, ФИО" in p]
    assert len(table_pages) >= len(pages) - 1  # the heading row repeats
    text = squeeze(" ".join(pages))
    assert text.count("Мария Фёдорова") == 10 and text.count("Николай Миронов") == 10
    assert "финансирования и ответственных исполнителей" in text  # long remarks wrap, whole
    keep = os.environ.get("PAPERS_PNG_DIR")
    if keep and shutil.which("pdftoppm"):
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sheet30.pdf").write_bytes(response.data)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(folder / "sheet30.pdf"), str(folder / "sheet30")],
            check=True,
        )


def test_english_sheet_uses_the_english_template(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, case_id)
    _reader, pages = text_of(sheet(signed_in("ini"), case_id, "en").data)
    text = squeeze(" ".join(pages))
    assert "APPROVAL SHEET" in text and "page 1 of" in text
    assert "Not approved (remarks)" in text and "Test Oblast" in text


def test_substitute_is_printed_acting_for_the_reviewer(engine, web_world, signed_in):
    w = web_world
    case_id = scenario.create_regional(engine, w)
    scenario.to_drafting(engine, w, case_id)
    engine.fire(case_id, "send_for_clearance", w.actor("ini"))
    engine.set_substitution(w.actor("legal"), w.user_id("clerk"), engine.today(), engine.today())
    engine.fire(case_id, "clear", w.actor("clerk"))
    _reader, pages = text_of(sheet(signed_in("ini"), case_id).data)
    text = squeeze(" ".join(pages))
    assert "Елена Секретарёва" in text and "за Олег Лебедев" in text
    assert "Внутреннее согласование, круг 1" in text


def test_sheet_of_another_regions_case_is_not_found(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    assert signed_in("other").get(f"/agreements/{case_id}/approval-sheet.pdf").status_code == 404
    anonymous = signed_in("ini").client.application.test_client()
    assert anonymous.get(f"/agreements/{case_id}/approval-sheet.pdf").status_code == 302


# --- verification ----------------------------------------------------------------------------


def _issued(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    code = sheet(signed_in("ini"), case_id).headers["X-Sheet-Code"]
    return case_id, code


def test_verify_page_says_a_true_sheet_matches_without_signing_in(
    engine, web_world, signed_in, browser, clock
):
    _case_id, code = _issued(engine, web_world, signed_in, clock)
    page = browser.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="matches"' in html and "The sheet matches the record." in html
    for person in ("Мария Фёдорова", "Николай Миронов", "Олег Лебедев"):
        assert person in html
    assert "Уточните статью 2" in html
    assert "黑龙江" not in html or "黑龙江省" in html  # nothing beyond the sheet's own fields
    assert "Статья 1" not in html  # the text itself is not on the sheet


def test_a_later_decision_is_reported_as_a_change_not_a_forgery(
    engine, web_world, signed_in, browser, clock
):
    case_id, code = _issued(engine, web_world, signed_in, clock)
    engine.fire(case_id, "approve", web_world.actor("mfa"), comment="Без замечаний по существу.")
    html = browser.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-verdict="changed"' in html
    assert "1 later event" in html and "1 new decision" in html
    assert "Без замечаний по существу" not in html  # the later decision is not shown


def test_a_changed_audit_comment_breaks_the_verification(
    engine, web_world, signed_in, browser, clock
):
    case_id, code = _issued(engine, web_world, signed_in, clock)
    with engine.uow() as uow:
        uow.session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.comment.is_not(None))
            .values(comment="Замечаний нет.")
        )
        uow.commit()
    html = browser.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-verdict="broken"' in html and "Мария Фёдорова" not in html


@pytest.mark.parametrize("forgery", ["row_and_hash", "row_only", "hash_only"])
def test_a_forged_stored_sheet_fails_and_shows_the_true_rows(
    engine, web_world, signed_in, browser, clock, forgery
):
    _case_id, code = _issued(engine, web_world, signed_in, clock)
    from workflow.queries.approval_sheet import data_hash

    with engine.uow() as uow:
        stored = uow.session.scalars(select(ApprovalSheet).where(ApprovalSheet.code == code)).one()
        data = {**stored.data}
        rounds = [dict(r, rows=[dict(x) for x in r["rows"]]) for r in data["rounds"]]
        returned = next(x for r in rounds for x in r["rows"] if x["decision"] == "returned")
        returned["decision"], returned["remark"] = "approved", None
        data["rounds"] = rounds
        values = {}
        if forgery in ("row_and_hash", "row_only"):
            values["data"] = data
        if forgery in ("row_and_hash", "hash_only"):
            values["data_hash"] = data_hash(data)
        uow.session.execute(
            update(ApprovalSheet).where(ApprovalSheet.code == code).values(**values)
        )
        uow.commit()
    html = browser.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-verdict="forged"' in html and "The sheet does not match the record." in html
    assert "Уточните статью 2" in html  # the true remark, from the audit trail
    if forgery != "hash_only":
        assert 'data-differs="1"' in html


def test_an_unknown_code_is_a_clear_not_found_page(browser, web_world):
    page = browser.get("/verify/AAAAAAAAAA")
    assert page.status_code == 404
    assert "No approval sheet has the code AAAAAAAAAA." in page.get_data(as_text=True)


def test_an_uploaded_pdf_of_the_sheet_is_checked_against_its_code(
    engine, web_world, signed_in, browser, clock
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    pdf = sheet(signed_in("ini"), case_id).data
    token = browser.csrf_from("/verify")

    def upload(blob: bytes):
        return browser.client.post(
            "/verify",
            data={"csrf_token": token, "sheet": (io.BytesIO(blob), "sheet.pdf")},
            content_type="multipart/form-data",
        )

    good = upload(pdf).get_data(as_text=True)
    assert "The uploaded file is the sheet issued under this code." in good
    reader = PdfReader(io.BytesIO(pdf))
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=reader)
    code = reader.metadata["/Keywords"].split(":")[1]
    writer.add_metadata({"/Keywords": f"soglasie-sheet:{code}:{'0' * 64}"})
    forged = io.BytesIO()
    writer.write(forged)
    bad = upload(forged.getvalue()).get_data(as_text=True)
    assert "it has been altered" in bad
    assert upload(b"%PDF-1.4 nothing").status_code == 400


def test_a_partner_title_in_chinese_is_printed_with_the_cjk_fallback_font(
    engine, web_world, signed_in, clock
):
    from web.papers.approval_sheet_pdf import CJK_FONT_FILE

    if not CJK_FONT_FILE.exists():
        pytest.skip("fonts-wqy-microhei is not installed (.ci/run installs it)")
    case_id = scenario.create_regional(engine, web_world)
    scenario.returned_and_resubmitted(engine, web_world, case_id)
    reader, pages = text_of(sheet(signed_in("ini"), case_id).data)
    assert "黑龙江省合作协议" in squeeze(" ".join(pages))
    fonts = {
        font["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("WenQuanYi" in str(name) for name in fonts), fonts
