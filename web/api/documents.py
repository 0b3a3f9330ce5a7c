"""``/api/v1/agreements/{id}/documents``: versions of the agreement's texts, per language.

Versions are never overwritten: adding one is ``Engine.add_document`` (a new number, an audit
event, the case's version +1). The diff is a unified diff of two versions of one language.
"""

from __future__ import annotations

import difflib

from flask_smorest import abort
from marshmallow import fields, validate

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
from workflow.queries import case_detail

blp = api_blueprint("documents", "/agreements", "Document versions of an agreement's texts.")
CATEGORY = "agreement"
LANG = "string(minlength=2, maxlength=8)"
MAX_TEXT = 2_000_000


class DocumentOut(BaseSchema):
    id = fields.Integer(required=True)
    language = fields.String(required=True)
    number = fields.Integer(required=True)
    filename = fields.String(allow_none=True, required=True)
    sha256 = fields.String(required=True)
    note = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(allow_none=True, required=True)


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


@blp.route(f"/<{ID}:case_id>/documents", methods=["POST"])
@blp.arguments(DocumentIn)
@blp.response(201, AddedOut, headers=ETAG_HEADER)
@blp.doc(**IF_MATCH_DOC)
def add_document(body, case_id: int):
    """Add a new version of the text in ``language``."""
    load_case(case_id, CATEGORY)
    version = expected_version(case_id, body.get("expected_version"))
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
