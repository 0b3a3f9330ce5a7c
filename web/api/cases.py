"""What the agreement and plan endpoints share: loading a visible case, its JSON form, its ETag,
and the version precondition (``If-Match`` or ``expected_version``).

ETag of a case: ``"<id>.<version>"`` (strong). The version rises with every change the engine
makes to the case (fields, documents, transitions, votes), so an ``If-Match`` that names an older
version is refused with 412 — atomically, because the version is checked by the engine under the
case's row lock, not here.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, request
from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import MAX_ID, BaseSchema, TextTitle
from web.current import engine
from workflow.policy import can_view
from workflow.queries import case_detail

_ETAG = re.compile(r'^"(\d+)\.(\d+)"$')


def category_kinds(category: str) -> tuple[str, ...]:
    catalog = engine().catalog
    return tuple(
        k for k in catalog.current_keys() if catalog.current(k).definition.category == category
    )


def load_case(case_id: int, category: str) -> case_detail.CaseHeader:
    """The case if the caller may see it and it is of ``category``; 404 otherwise (a case of
    another region is indistinguishable from a missing one)."""
    eng = engine()
    with eng.uow(write=False) as uow:
        header = case_detail.header(uow.session, case_id)
        if header is None or not can_view(actor(), header):
            abort(404, message=f"No {category} {case_id}.")
        definition = eng.catalog.get(header.definition_id, uow.session).definition
    if definition.category != category:
        abort(404, message=f"No {category} {case_id}.")
    return header


def etag(case_id: int, version: int) -> str:
    return f'"{case_id}.{version}"'


def expected_version(case_id: int, from_body: int | None) -> int | None:
    """The version the caller's change is based on: from ``If-Match`` (a stale one then gives
    412) or from the body's ``expected_version`` (409). ``If-Match: *`` means any version."""
    header = request.headers.get("If-Match")
    if header is None:
        return from_body
    g.api_if_match = True
    versions = []
    for tag in (t.strip() for t in header.split(",")):
        if tag == "*":
            return from_body
        match = _ETAG.match(tag)  # weak tags (W/"…") never match: If-Match compares strongly
        if match and int(match.group(1)) == case_id:
            versions.append(int(match.group(2)))
    if not versions:
        abort(412, message="If-Match does not name a version of this case.")
    if from_body is not None and from_body not in versions:
        abort(412, message="If-Match and expected_version disagree.")
    # Several tags: the change is valid against any of them; the engine checks one, so take the
    # newest (an older one could only fail).
    return max(versions)


def state_title(header) -> dict[str, str]:
    definition = engine().catalog.get(header.definition_id).definition
    state = definition.states.get(header.state)
    return {"ru": state.title.ru, "en": state.title.en} if state else {"ru": "", "en": ""}


def case_json(header: case_detail.CaseHeader) -> dict[str, Any]:
    version = engine().catalog.get(header.definition_id)
    return {
        "id": header.id,
        "kind": header.kind,
        "definition": {"id": version.id, "key": version.definition.key, "number": version.number},
        "state": header.state,
        "state_title": state_title(header),
        "is_closed": header.is_closed,
        "version": header.version,
        "etag": etag(header.id, header.version),
        "title": header.title,
        "title_partner": header.title_partner,
        "owner": {"id": header.owner_org_id, "name": header.owner_name, "kind": header.owner_kind},
        "region": (
            {"id": header.region_id, "code": header.region_code, "name": header.region_name}
            if header.region_id
            else None
        ),
        "partner_org_id": header.partner_org_id,
        "partner_country": header.partner_country,
        "planned_date": header.planned_date,
        "parent_case_id": header.parent_case_id,
        "fields": header.fields,
        "created_at": header.created_at,
        "updated_at": header.updated_at,
        "state_entered_at": header.state_entered_at,
    }


def with_etag(payload: dict[str, Any], status: int = 200):
    return payload, status, {"ETag": payload["etag"]}


class OrgRef(BaseSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String()
    code = fields.String(allow_none=True)


class DefinitionRef(BaseSchema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    number = fields.Integer(required=True)


class CaseOut(BaseSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    definition = fields.Nested(DefinitionRef, required=True)
    state = fields.String(required=True)
    state_title = fields.Nested(TextTitle, required=True)
    is_closed = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    etag = fields.String(required=True)
    title = fields.String(required=True)
    title_partner = fields.String(allow_none=True, required=True)
    owner = fields.Nested(OrgRef, required=True)
    region = fields.Nested(OrgRef, allow_none=True, required=True)
    partner_org_id = fields.Integer(allow_none=True, required=True)
    partner_country = fields.String(allow_none=True, required=True)
    planned_date = fields.Date(allow_none=True, required=True)
    parent_case_id = fields.Integer(allow_none=True, required=True)
    fields_ = fields.Dict(
        attribute="fields",
        data_key="fields",
        required=True,
        metadata={"description": "The case's data, as its definition's field schema stores it."},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    state_entered_at = fields.DateTime(required=True)


VERSION = fields.Integer(
    validate=validate.Range(min=1, max=MAX_ID),
    metadata={"description": "The version your change is based on (or send If-Match)."},
)
IF_MATCH_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "The case's ETag; a stale one is refused with 412.",
        }
    ]
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The case's version tag."}}
