"""Real files on the agreement page: the region clerk's path in Word (two rounds, a comparison,
approval, the signed scan), downloads that keep the name, previews that keep no script, and
every bad file refused with nothing left behind. Both backends."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from sqlalchemy import func, select

from tests.support import office_files
from tests.support.uploads import post_multipart
from tests.web import scenario
from workflow.persistence.documents import DocumentBlob, SignedOriginal
from workflow.persistence.models import AuditEvent, Case, DocumentVersion

RU_ROUND_1 = [
    "Соглашение о торгово-экономическом и научно-техническом сотрудничестве",
    "Статья 1. Стороны развивают сотрудничество в области торговли.",
    "Статья 2. Стороны содействуют обменам в области образования.",
]
RU_ROUND_2 = [
    RU_ROUND_1[0],
    RU_ROUND_1[1],
    "Статья 2. Стороны содействуют обменам студентами и преподавателями в области образования.",
]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _case(engine, case_id):
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _count(engine, model, **where) -> int:
    with engine.uow(write=False) as uow:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return uow.session.scalar(query)


def _upload(browser, case_id, data: bytes, name: str, language="ru", engine=None, **extra):
    version = _case(engine, case_id).version
    token = browser.csrf_from(f"/agreements/{case_id}")
    return browser.client.post(
        f"/agreements/{case_id}/documents",
        data={
            "csrf_token": token,
            "expected_version": version,
            "language": language,
            "file": (io.BytesIO(data), name),
            **extra,
        },
        content_type="multipart/form-data",
    )


def _flashes(browser, response) -> str:
    assert response.status_code == 303, response.status_code
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def test_a_word_file_becomes_a_version_with_its_text_preview_and_original(
    engine, web_world, signed_in
):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    data = office_files.docx(
        RU_ROUND_1, table=[["Мероприятие", "Срок"], ["Форум в Харбине", "2026"]], header="Проект"
    )
    page = _flashes(ini, _upload(ini, case_id, data, "Соглашение Харбин.docx", engine=engine))
    assert "Version 2 of the text (ru) is saved." in page
    with engine.uow(write=False) as uow:
        row = uow.session.scalars(
            select(DocumentVersion).where(
                DocumentVersion.case_id == case_id, DocumentVersion.number == 2
            )
        ).one()
    assert row.media_type == DOCX_TYPE and row.has_text and row.byte_size == len(data)
    assert "научно-техническом" in row.text and "Форум в Харбине" in row.text
    assert "Проект" in row.text  # the header is part of the text

    preview = ini.get(f"/agreements/{case_id}/documents/ru/2").get_data(as_text=True)
    assert "Статья 2. Стороны содействуют" in preview and "<table>" in preview

    download = ini.get(f"/agreements/{case_id}/documents/ru/2/file")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"] == DOCX_TYPE
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Соглашение Харбин.docx')}" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_file_twice_is_stored_once(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    data = office_files.docx(RU_ROUND_1)
    _upload(ini, case_id, data, "v1.docx", engine=engine)
    _upload(ini, case_id, data, "v1-again.docx", engine=engine)
    assert _count(engine, DocumentVersion, case_id=case_id, language="ru") == 3
    with engine.uow(write=False) as uow:
        digests = uow.session.scalars(
            select(DocumentVersion.blob_sha256).where(DocumentVersion.number > 1)
        ).all()
    assert len(set(digests)) == 1
    assert _count(engine, DocumentBlob, sha256=digests[0]) == 1


def test_round_two_in_word_is_compared_word_by_word_with_round_one(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    _upload(ini, case_id, office_files.docx(RU_ROUND_1), "round1.docx", engine=engine)
    _upload(ini, case_id, office_files.docx(RU_ROUND_2), "round2.docx", engine=engine)
    html = ini.get(f"/agreements/{case_id}/documents/ru/diff?a=2&b=3").get_data(as_text=True)
    assert "<ins>студентами и преподавателями </ins>" in html
    assert "Lines changed: 1, added: 0, removed: 0." in html
    # …and against a PDF of the same text, whatever the formats.
    _upload(ini, case_id, office_files.pdf(RU_ROUND_2), "round2.pdf", engine=engine)
    html = ini.get(f"/agreements/{case_id}/documents/ru/diff?a=3&b=4").get_data(as_text=True)
    assert "The two versions are identical." in html


def test_a_scan_is_stored_and_shown_with_a_notice_that_it_has_no_text(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    scan = office_files.scanned_pdf()
    page = _flashes(ini, _upload(ini, case_id, scan, "скан.pdf", engine=engine))
    assert "no text layer" in page
    view = ini.get(f"/agreements/{case_id}/documents/ru/2").get_data(as_text=True)
    assert "there is no text to compare" in view and "Open the PDF" in view
    inline = ini.get(f"/agreements/{case_id}/documents/ru/2/file?inline=1")
    assert inline.data == scan
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert inline.headers["Content-Security-Policy"] == "sandbox"
    assert inline.headers["X-Content-Type-Options"] == "nosniff"


def test_a_docx_preview_keeps_no_script_and_no_outside_link(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    hostile = office_files.docx(['<script>alert("x")</script>', "<img src=https://evil.test/a>"])
    _upload(ini, case_id, hostile, "hostile.docx", engine=engine)
    view = ini.get(f"/agreements/{case_id}/documents/ru/2")
    html = view.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=https://evil" not in html
    assert "&lt;script&gt;alert" in html  # shown as the text it is
    assert "script-src 'self'" in view.headers["Content-Security-Policy"]


def test_bad_files_are_refused_with_a_reason_and_leave_nothing(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    before = (_case(engine, case_id).version, _count(engine, DocumentBlob))
    events = _count(engine, AuditEvent, case_id=case_id)
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)) * 40
    for data, name, expected in (
        (executable, "agreement.docx", "This kind of file is not accepted"),
        (b"", "empty.pdf", "The file is empty."),
        (b"%PDF-1.3\nThis is not a valid PDF file\n%%EOF", "x.pdf", "The file is damaged"),
    ):
        page = _flashes(ini, _upload(ini, case_id, data, name, engine=engine))
        assert expected in page, name
    assert (_case(engine, case_id).version, _count(engine, DocumentBlob)) == before
    assert _count(engine, AuditEvent, case_id=case_id) == events


def test_a_file_over_the_limit_is_refused_before_it_is_read(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    blobs = _count(engine, DocumentBlob)
    huge = b"%PDF-1.4\n" + b"0" * (26 * 1024 * 1024)
    response = post_multipart(
        ini.client,
        f"/agreements/{case_id}/documents",
        {
            "csrf_token": ini.csrf_from(f"/agreements/{case_id}"),
            "expected_version": _case(engine, case_id).version,
            "language": "ru",
            "file": (io.BytesIO(huge), "big.pdf"),
        },
    )
    page = _flashes(ini, response)
    assert "The file is larger than 25 MB. Nothing was saved." in page
    assert _count(engine, DocumentBlob) == blobs


def test_nobody_outside_the_case_can_fetch_its_files(engine, web_world, signed_in):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    _upload(signed_in("ini"), case_id, office_files.docx(RU_ROUND_1), "a.docx", engine=engine)
    other = signed_in("other")
    for path in (
        f"/agreements/{case_id}/documents/ru/2",
        f"/agreements/{case_id}/documents/ru/2/file",
        f"/agreements/{case_id}/documents/ru/2/file?inline=1",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        assert "Статья" not in response.get_data(as_text=True)


def test_the_clerks_whole_path_runs_on_word_files_and_a_signed_scan(
    engine, web_world, signed_in, clock
):
    """Draft in Word, remarks, a second Word round, approval, the signed copies, registration."""
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    ini = signed_in("ini")
    _upload(ini, case_id, office_files.docx(RU_ROUND_1), "Соглашение, ред. 1.docx", engine=engine)
    for trigger, who in (("send_for_clearance", "ini"), ("clear", "legal"), ("clear", "head")):
        engine.fire(case_id, trigger, web_world.actor(who))
    engine.fire(case_id, "start_review", web_world.actor("mfa"))
    engine.fire(case_id, "approve", web_world.actor("mfa"))
    engine.fire(
        case_id, "return_for_revision", web_world.actor("minec"), comment="Уточните статью 2."
    )
    _upload(ini, case_id, office_files.docx(RU_ROUND_2), "Соглашение, ред. 2.docx", engine=engine)
    engine.fire(case_id, "resubmit", web_world.actor("ini"))
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", web_world.actor(reviewer))
    engine.fire(
        case_id,
        "schedule_signing",
        web_world.actor("ini"),
        data={"planned_signing_date": scenario.PLANNED, "planned_signing_place": "Казань"},
    )
    clock.set(dt.datetime(2026, 5, 21, 6, 0, tzinfo=dt.UTC))
    approved_ru = engine_text(engine, case_id, "ru", 3)
    signed_pdf = office_files.pdf([*approved_ru.splitlines(), "Подписи сторон"])
    for party, data, name in (
        ("russian", signed_pdf, "подписанный экземпляр.pdf"),
        ("partner", office_files.scanned_pdf(), "scan.pdf"),
    ):
        token = ini.csrf_from(f"/agreements/{case_id}")
        response = ini.client.post(
            f"/agreements/{case_id}/signed-originals",
            data={
                "csrf_token": token,
                "expected_version": _case(engine, case_id).version,
                "party": party,
                "file": (io.BytesIO(data), name),
            },
            content_type="multipart/form-data",
        )
        assert "The signed copy is saved." in _flashes(ini, response)
    page = ini.get(f"/agreements/{case_id}").get_data(as_text=True)
    assert "text matches the approved version: ru" in page
    assert "a scan without text: compare it by eye" in page
    assert "Signed copy recorded: Russian side, copy 1" in page  # in the history
    with engine.uow(write=False) as uow:
        pinned = uow.session.scalar(
            select(DocumentVersion.sha256).where(
                DocumentVersion.case_id == case_id,
                DocumentVersion.language == "ru",
                DocumentVersion.number == 3,
            )
        )
        copies = uow.session.scalars(
            select(SignedOriginal.blob_sha256).where(SignedOriginal.case_id == case_id)
        ).all()
    assert pinned in page and all(digest in page for digest in copies)
    download = ini.get(f"/agreements/{case_id}/signed-originals/russian/1/file")
    assert download.data == signed_pdf
    stranger = signed_in("other")
    assert stranger.get(f"/agreements/{case_id}/signed-originals/russian/1/file").status_code == 404

    signing = {"date": scenario.PLANNED, "place": "Казань", "signatory": {"name": "И. Головин"}}
    engine.fire(
        case_id,
        "record_signing",
        web_world.actor("ini"),
        data={"signing_russian": signing, "signing_partner": signing},
    )
    engine.fire(case_id, "submit_for_registration", web_world.actor("ini"))
    engine.fire(
        case_id,
        "register",
        web_world.actor("minjust"),
        data={"registration": {"number": "RU-TST-2026-002", "date": "2026-05-28"}},
    )
    assert _case(engine, case_id).state in {"registered", "in_force"}


def engine_text(engine, case_id, language, number) -> str:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(DocumentVersion.text).where(
                DocumentVersion.case_id == case_id,
                DocumentVersion.language == language,
                DocumentVersion.number == number,
            )
        )
