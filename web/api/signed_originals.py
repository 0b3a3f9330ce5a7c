"""``/api/v1/agreements/{id}/signed-originals``: the copy each party signed (a scanned PDF as a
rule), recorded at signing, and how it compares with the approved texts.

The approved texts are pinned by the last approving review (their SHA-256 never changes); each
signed copy carries its own SHA-256, and where the copy has a text layer the answer says which
approved languages it contains word for word.
"""

from __future__ import annotations

from flask import request
from flask_smorest import abort
from marshmallow import ValidationError, fields, validate

from web.api.auth import actor
from web.api.cases import ETAG_HEADER, IF_MATCH_DOC, VERSION, etag, expected_version, load_case
from web.api.core import ID, BaseSchema, api_blueprint
from web.api.documents import FILE_RESPONSE
from web.current import engine
from web.downloads import send_stored
from web.uploads import accepts_uploads, read_upload
from workflow.persistence.documents import SIGNING_PARTIES
from workflow.queries import documents as docq

blp = api_blueprint(
    "signed_originals", "/agreements", "Signed originals of an agreement, per party."
)
CATEGORY = "agreement"
PARTY = "any(" + ", ".join(SIGNING_PARTIES) + ")"


class ApprovedText(BaseSchema):
    number = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class SignedOut(BaseSchema):
    party = fields.String(required=True, metadata={"description": "russian | partner"})
    number = fields.Integer(required=True)
    filename = fields.String(allow_none=True, required=True)
    sha256 = fields.String(required=True, attribute="blob_sha256")
    media_type = fields.String(required=True)
    byte_size = fields.Integer(required=True)
    pages = fields.Integer(allow_none=True, required=True)
    has_text = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(allow_none=True, required=True)


class SignedListOut(BaseSchema):
    approved = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ApprovedText),
        required=True,
        metadata={"description": "The approved version of each language, with its SHA-256"},
    )
    items = fields.List(fields.Nested(SignedOut), required=True)
    latest = fields.List(
        fields.Nested(
            {
                "party": fields.String(),
                "sha256": fields.String(),
                "matches": fields.List(fields.String()),
                "has_text": fields.Boolean(),
            }
        ),
        required=True,
        metadata={
            "description": "Each party's latest copy: the approved languages found in its text "
            "word for word (empty for a scan without text)"
        },
    )


class SignedUpload(BaseSchema):
    file = fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "PDF scan"}
    )
    party = fields.String(required=True, validate=validate.OneOf(SIGNING_PARTIES))
    note = fields.String(validate=validate.Length(max=500), allow_none=True)
    expected_version = VERSION


class SignedAddedOut(SignedOut):
    case_version = fields.Integer(required=True)
    etag = fields.String(required=True)


def _listing(case_id: int) -> dict:
    with engine().uow(write=False) as uow:
        copies = docq.signed_copies(uow.session, case_id)
        compared = docq.compare_signed(uow.session, case_id)
        approved = docq.approved_texts(uow.session, case_id)
    latest = [
        {
            "party": c.copy.party,
            "sha256": c.copy.blob_sha256,
            "matches": list(c.matches),
            "has_text": c.copy.has_text,
        }
        for c in compared
    ]
    return {"approved": approved, "items": copies, "latest": latest}


@blp.route(f"/<{ID}:case_id>/signed-originals", methods=["GET"])
@blp.response(200, SignedListOut)
def list_signed(case_id: int):
    """The approved texts' hashes and every signed copy, the latest of each party first."""
    load_case(case_id, CATEGORY)
    return _listing(case_id)


@blp.route(f"/<{ID}:case_id>/signed-originals", methods=["POST"])
@blp.doc(
    requestBody={"required": True, "content": {"multipart/form-data": {"schema": SignedUpload}}},
    **IF_MATCH_DOC,
)
@blp.response(201, SignedAddedOut, headers=ETAG_HEADER)
@accepts_uploads
def add_signed(case_id: int):
    """Record the copy one party signed (in the signing states)."""
    load_case(case_id, CATEGORY)
    if request.mimetype != "multipart/form-data":
        abort(415, message="Send multipart/form-data with the file.")
    upload = read_upload("file")
    if upload is None:
        abort(422, errors={"file": ["Missing data for required field."]})
    form = {k: v for k, v in request.form.items() if v != ""}
    try:
        body = SignedUpload().load({**form, "file": "-"})
    except ValidationError as exc:
        abort(422, errors=exc.messages)
    version = expected_version(case_id, body.get("expected_version"))
    data, filename = upload
    added = engine().add_signed_original(
        case_id, actor(), body["party"], data, filename, body.get("note"), version
    )
    header = load_case(case_id, CATEGORY)
    with engine().uow(write=False) as uow:
        copy = docq.signed_copy(uow.session, case_id, body["party"], added.number)
    tag = etag(case_id, header.version)
    return {**vars(copy), "case_version": header.version, "etag": tag}, 201, {"ETag": tag}


@blp.route(f"/<{ID}:case_id>/signed-originals/<{PARTY}:party>/<{ID}:number>/file")
@blp.doc(**FILE_RESPONSE)
def signed_file(case_id: int, party: str, number: int):
    """The signed copy as uploaded."""
    header = load_case(case_id, CATEGORY)
    with engine().uow(write=False) as uow:
        copy = docq.signed_copy(uow.session, case_id, party, number)
    if copy is None:
        abort(404, message=f"No signed copy {number} of the {party} side.")
    return send_stored(copy, f"{header.title[:80]} — {party} signed v{number}")
