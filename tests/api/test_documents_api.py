"""``/api/v1/agreements/{id}/documents`` with files: a version uploaded as multipart, its
original downloaded as it was sent, every bad file refused with its reason and nothing stored,
and the OpenAPI document describing both forms of the upload."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.api.conftest import bearer
from tests.api.scenario import regional_fields
from tests.support import office_files
from tests.support.uploads import post_multipart
from workflow.persistence.documents import DocumentBlob

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _agreement(engine, world, clock) -> int:
    fields = regional_fields(clock.now().date())
    return engine.create_case(world.actor("ta_ini"), "regional_agreement", fields=fields).id


def _post(client, token, case_id, data: bytes, name: str, **form):
    return post_multipart(
        client,
        f"/api/v1/agreements/{case_id}/documents",
        {"language": "ru", "file": (io.BytesIO(data), name), **form},
        bearer(token),
    )


def _blobs(engine) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(DocumentBlob))


def test_a_word_file_is_uploaded_as_multipart_and_downloaded_unchanged(
    engine, world, clock, client, tokens
):
    case_id = _agreement(engine, world, clock)
    data = office_files.docx(["Соглашение о сотрудничестве с провинцией Хэйлунцзян"])
    response = _post(client, tokens["ta_ini"], case_id, data, "Соглашение.docx", note="Проект")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["language"], body["number"], body["media_type"]) == ("ru", 1, DOCX_TYPE)
    assert body["has_text"] and body["has_file"] and body["byte_size"] == len(data)
    assert body["filename"] == "Соглашение.docx" and response.headers["ETag"] == body["etag"]

    text = client.get(
        f"/api/v1/agreements/{case_id}/documents/ru/1", headers=bearer(tokens["ta_ini"])
    ).json["text"]
    assert text == "Соглашение о сотрудничестве с провинцией Хэйлунцзян"
    original = client.get(
        f"/api/v1/agreements/{case_id}/documents/ru/1/file", headers=bearer(tokens["ta_ini"])
    )
    assert original.status_code == 200 and original.data == data
    assert original.headers["Content-Type"] == DOCX_TYPE
    assert "filename*=UTF-8''%D0%A1%D0%BE%D0%B3" in original.headers["Content-Disposition"]


def test_the_json_form_still_adds_a_typed_text_with_a_file_to_download(
    engine, world, clock, client, tokens
):
    case_id = _agreement(engine, world, clock)
    response = client.post(
        f"/api/v1/agreements/{case_id}/documents",
        json={"language": "zh", "text": "合作协议"},
        headers=bearer(tokens["ta_ini"]),
    )
    assert response.status_code == 201 and response.json["media_type"] == "text/plain"
    original = client.get(
        f"/api/v1/agreements/{case_id}/documents/zh/1/file", headers=bearer(tokens["ta_ini"])
    )
    assert original.data.decode("utf-8") == "合作协议"
    assert original.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    engine, world, clock, client, tokens
):
    case_id = _agreement(engine, world, clock)
    blobs = _blobs(engine)
    executable = b"MZ\x90\x00" + bytes(range(256)) * 64
    for data, name, status, reason in (
        (executable, "agreement.docx", 400, "unsupported_kind"),
        (b"", "empty.docx", 400, "empty"),
        (b"%PDF-1.3\nThis is not a valid PDF file\n%%EOF", "x.pdf", 400, "corrupt"),
        (b"x" * (25 * 1024 * 1024 + 10), "big.txt", 413, "too_large"),
    ):
        response = _post(client, tokens["ta_ini"], case_id, data, name)
        assert response.status_code == status, (name, response.json)
        assert response.json["errors"]["reason"] == reason
        assert response.json["errors"]["file"] == response.json["message"]
    listed = client.get(
        f"/api/v1/agreements/{case_id}/documents", headers=bearer(tokens["ta_ini"])
    ).json
    assert listed == [] and _blobs(engine) == blobs


def test_a_body_over_the_limit_is_refused_before_it_is_read(engine, world, clock, client, tokens):
    case_id = _agreement(engine, world, clock)
    # Only the header says 30 MB: the refusal must come before anything is read.
    response = client.post(
        f"/api/v1/agreements/{case_id}/documents",
        data=b"x",
        headers={**bearer(tokens["ta_ini"]), "Content-Type": "multipart/form-data; boundary=x"},
        environ_overrides={"CONTENT_LENGTH": str(30 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.json["message"] == "The file is larger than 25 MB."


def test_another_region_can_neither_upload_nor_fetch_a_file(engine, world, clock, client, tokens):
    case_id = _agreement(engine, world, clock)
    data = office_files.docx(["Текст"])
    assert _post(client, tokens["spe_ini"], case_id, data, "a.docx").status_code == 404
    assert _post(client, tokens["ta_ini"], case_id, data, "a.docx").status_code == 201
    fetched = client.get(
        f"/api/v1/agreements/{case_id}/documents/ru/1/file", headers=bearer(tokens["spe_ini"])
    )
    assert fetched.status_code == 404 and fetched.data != data


def test_the_openapi_document_describes_the_json_and_the_multipart_upload(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    upload = paths["/api/v1/agreements/{case_id}/documents"]["post"]["requestBody"]["content"]
    assert set(upload) == {"application/json", "multipart/form-data"}
    form = upload["multipart/form-data"]["schema"]
    if "$ref" in form:
        form = spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]
    assert form["properties"]["file"]["format"] == "binary"
    assert {"file", "language"} <= set(form["required"])
    files = paths["/api/v1/agreements/{case_id}/documents/{language}/{number}/file"]["get"]
    assert "application/pdf" in files["responses"]["200"]["content"]
