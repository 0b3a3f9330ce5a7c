"""``/api/v1/agreements/{id}/documents``: versions of the agreement's texts, per language, and
the signed originals of each party.

A version is added as JSON (``text``) or as ``multipart/form-data`` with a ``file`` (DOCX, ODT,
PDF, RTF or TXT: the kind is decided by the content, never by the name or the Content-Type).
Versions are never overwritten: each is a new number, an audit event, the case's version +1.
The diff is a unified diff of two versions' texts, whatever their formats.
"""

from __future__ import annotations

import difflib

from flask import request
from flask_smorest import abort
from marshmallow import ValidationError, fields, validate

from web.api.auth import actor
from web.api.cases import (
    ETAG_HEADER,
    IF_MATCH_DOC,
    VERSION,
    etag,
    expected_version,
    load_case,
)
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.current import engine
from web.downloads import send_stored
from web.uploads import accepts_uploads, read_upload
from workflow.queries import case_detail
from workflow.queries import documents as docq

blp = api_blueprint("documents", "/agreements", "Document versions of an agreement's texts.")
CATEGORY = "agreement"
LANG = "string(minlength=2, maxlength=8)"
MAX_TEXT = 2_000_000


class DocumentOut(BaseSchema):
    id = fields.Integer(required=True)
    language = fields.String(required=True)
    number = fields.Integer(required=True)
    filename = fields.String(allow_none=True, required=True)
    sha256 = fields.String(
        required=True, metadata={"description": "SHA-256 of the stored file (of the text if typed)"}
    )
    note = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(allow_none=True, required=True)
    media_type = fields.String(required=True, metadata={"description": "As found in the content"})
    byte_size = fields.Integer(allow_none=True, required=True)
    pages = fields.Integer(allow_none=True, required=True)
    has_text = fields.Boolean(
        required=True, metadata={"description": "False for a scan without a text layer"}
    )
    has_file = fields.Boolean(required=True)


class DocumentTextOut(DocumentOut):
    text = fields.String(required=True)


class DocumentIn(BaseSchema):
    language = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z]{2,8}$"),
        metadata={"description": "ISO 639 code in lower case, e.g. ru, en, zh"},
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    filename = fields.String(validate=validate.Length(max=300), allow_none=True)
    note = fields.String(validate=validate.Length(max=500), allow_none=True)
    expected_version = VERSION


class DocumentUpload(BaseSchema):
    """The multipart form: the file, and the same fields as the JSON form but ``text``."""

    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "DOCX, ODT, PDF, RTF, TXT"},
    )
    language = DocumentIn._declared_fields["language"]
    note = fields.String(validate=validate.Length(max=500), allow_none=True)
    expected_version = VERSION


class AddedOut(DocumentOut):
    case_version = fields.Integer(required=True)
    etag = fields.String(required=True)


class DiffArgs(BaseSchema):
    from_ = fields.Integer(
        data_key="from",
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Older version (default: the one before `to`)"},
    )
    to = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Newer version (default: the latest)"},
    )


class DiffOut(BaseSchema):
    language = fields.String(required=True)
    from_ = fields.Integer(data_key="from", attribute="from", required=True)
    to = fields.Integer(required=True)
    diff = fields.String(required=True, metadata={"description": "Unified diff, may be empty"})


def _versions(case_id: int, language: str | None = None) -> list[case_detail.DocumentRow]:
    with engine().uow(write=False) as uow:
        rows = case_detail.documents(uow.session, case_id)
    return [r for r in rows if language is None or r.language == language]


def _text(case_id: int, language: str, number: int) -> str:
    with engine().uow(write=False) as uow:
        texts = case_detail.document_texts(uow.session, case_id, language, [number])
    if number not in texts:
        abort(404, message=f"No version {number} of the '{language}' text.")
    return texts[number][0]


@blp.route(f"/<{ID}:case_id>/documents", methods=["GET"])
@blp.response(200, DocumentOut(many=True))
def list_documents(case_id: int):
    """Every version of every language, newest first within a language."""
    load_case(case_id, CATEGORY)
    return _versions(case_id)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentIn},
            "multipart/form-data": {"schema": DocumentUpload},
        },
    }
}


def _load(schema: BaseSchema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        abort(422, errors=exc.messages)


def _posted_document() -> dict:
    """The body as JSON (``text``) or as multipart (``file``), checked by its schema."""
    if request.mimetype == "multipart/form-data":
        form = {k: v for k, v in request.form.items() if v != ""}
        upload = read_upload("file")
        if upload is None:
            abort(422, errors={"file": ["Missing data for required field."]})
        body = _load(DocumentUpload(), {**form, "file": "-"})
        body["data"], body["filename"] = upload
        return body
    if not request.is_json:
        abort(415, message="Send application/json (with text) or multipart/form-data (with file).")
    return _load(DocumentIn(), request.get_json(silent=True))


@blp.route(f"/<{ID}:case_id>/documents", methods=["POST"])
@blp.doc(**UPLOAD_BODY, **IF_MATCH_DOC)
@blp.response(201, AddedOut, headers=ETAG_HEADER)
@accepts_uploads
def add_document(case_id: int):
    """Add a new version of the text in ``language``: typed text (JSON) or a file (multipart)."""
    load_case(case_id, CATEGORY)
    body = _posted_document()
    version = expected_version(case_id, body.get("expected_version"))
    if "data" in body:
        number = (
            engine()
            .add_document_file(
                case_id,
                actor(),
                body["language"],
                body["data"],
                filename=body["filename"],
                note=body.get("note"),
                expected_version=version,
            )
            .number
        )
    else:
        number = engine().add_document(
            case_id,
            actor(),
            body["language"],
            body["text"],
            filename=body.get("filename"),
            note=body.get("note"),
            expected_version=version,
        )
    header = load_case(case_id, CATEGORY)
    (row,) = [r for r in _versions(case_id, body["language"]) if r.number == number]
    tag = etag(case_id, header.version)
    payload = {**vars(row), "case_version": header.version, "etag": tag}
    return payload, 201, {"ETag": tag}


@blp.route(f"/<{ID}:case_id>/documents/<{LANG}:language>/<{ID}:number>", methods=["GET"])
@blp.response(200, DocumentTextOut)
def get_document(case_id: int, language: str, number: int):
    """One version with its text."""
    load_case(case_id, CATEGORY)
    rows = [r for r in _versions(case_id, language) if r.number == number]
    if not rows:
        abort(404, message=f"No version {number} of the '{language}' text.")
    return {**vars(rows[0]), "text": _text(case_id, language, number)}


@blp.route(f"/<{ID}:case_id>/documents/<{LANG}:language>/diff", methods=["GET"])
@blp.arguments(DiffArgs, location="query")
@blp.response(200, DiffOut)
def diff_documents(args, case_id: int, language: str):
    """What changed between two versions of one language."""
    load_case(case_id, CATEGORY)
    numbers = sorted(r.number for r in _versions(case_id, language))
    if not numbers:
        abort(404, message=f"No '{language}' text.")
    newer = args.get("to", numbers[-1])
    older = args.get("from_", max(1, newer - 1))
    if older > newer:
        abort(422, errors={"from": "Must not be after 'to'."})
    old_text, new_text = _text(case_id, language, older), _text(case_id, language, newer)
    diff = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=f"{language} v{older}",
        tofile=f"{language} v{newer}",
    )
    return {"language": language, "from": older, "to": newer, "diff": "".join(diff)}


_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSE = {
    "responses": {
        "200": {
            "description": "The original file, streamed; its name in Content-Disposition.",
            "content": {
                "application/pdf": _BINARY,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _BINARY,
                "application/vnd.oasis.opendocument.text": _BINARY,
                "application/rtf": _BINARY,
                "text/plain": _BINARY,
            },
        }
    }
}


@blp.route(f"/<{ID}:case_id>/documents/<{LANG}:language>/<{ID}:number>/file", methods=["GET"])
@blp.doc(**FILE_RESPONSE)
def document_file(case_id: int, language: str, number: int):
    """The original file of one version (a typed-in version as a UTF-8 .txt file)."""
    header = load_case(case_id, CATEGORY)
    with engine().uow(write=False) as uow:
        found = docq.version(uow.session, case_id, language, number)
    if found is None or found.blob_sha256 is None:
        abort(404, message=f"No file for version {number} of the '{language}' text.")
    return send_stored(found, f"{header.title[:80]} — {language} v{number}")
