"""``/api/v1/agreements``: the list (the pages' filters, cursor pagination), create, read, and
field updates. Transitions, history and the diagram come from ``web.api.casework``; document
versions from ``web.api.documents``.
"""

from __future__ import annotations

import datetime as dt

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.cases import (
    ETAG_HEADER,
    IF_MATCH_DOC,
    VERSION,
    CaseOut,
    case_json,
    category_kinds,
    expected_version,
    load_case,
    state_title,
    with_etag,
)
from web.api.casework import add_case_routes
from web.api.core import ID, MAX_ID, BaseSchema, TextTitle, api_blueprint
from web.api.paging import PageArgs, decode_cursor, page_schema, paged
from web.current import engine
from web.defs import task_calendar
from workflow.queries import api_cases

blp = api_blueprint("agreements", "/agreements", "Cooperation agreements and their workflow.")
CATEGORY = "agreement"


class AgreementFilters(PageArgs):
    kind = fields.String(validate=validate.Length(max=64))
    state = fields.String(validate=validate.Length(max=64))
    region = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Region code, e.g. RU-TA"}
    )
    owner_org_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    partner_country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"))
    overdue = fields.Boolean(
        metadata={"description": "Only cases with (true) or without (false) an overdue task"}
    )
    mine = fields.Boolean(
        load_default=False, metadata={"description": "Only my organization's own cases"}
    )
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Title search"})
    updated_since = fields.AwareDateTime(default_timezone=dt.UTC)


class CaseItemOut(BaseSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    state_title = fields.Nested(TextTitle, required=True)
    is_closed = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    title_partner = fields.String(allow_none=True, required=True)
    owner_org_id = fields.Integer(required=True)
    owner_name = fields.String(required=True)
    region_id = fields.Integer(allow_none=True, required=True)
    region_code = fields.String(allow_none=True, required=True)
    partner_country = fields.String(allow_none=True, required=True)
    planned_date = fields.Date(allow_none=True, required=True)
    parent_case_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    next_due = fields.Date(allow_none=True, required=True)
    next_due_provisional = fields.Boolean(
        required=True,
        metadata={
            "description": "next_due lies in a year whose transfer decree is not yet known "
            "(on the calendar of whoever performs the task); it may move a day or two"
        },
    )
    overdue = fields.Boolean(required=True)


CasePageOut = page_schema("CasePage", CaseItemOut)


class AgreementIn(BaseSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=64))
    owner_org_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The Russian party; default: your organization"},
    )
    fields_ = fields.Dict(
        attribute="fields",
        data_key="fields",
        required=True,
        metadata={
            "description": "Validated by the kind's field schema: its JSON Schema is "
            "`GET /api/v1/definitions/{kind}/fields` (or `#/components/schemas/Fields_<name>`)."
        },
    )


class AgreementPatch(BaseSchema):
    fields_ = fields.Dict(attribute="fields", data_key="fields", required=True)
    expected_version = VERSION


def list_page(filters: dict, category: str) -> dict:
    """Shared by agreements and plans: one page of visible cases of ``category``."""
    kinds = category_kinds(category)
    if filters.get("kind"):
        kinds = tuple(k for k in kinds if k == filters["kind"])
    after = decode_cursor(filters.get("cursor"), 2)
    key = None
    if after is not None:
        try:
            key = (dt.datetime.fromisoformat(after[0]), int(after[1]))
        except (TypeError, ValueError):
            abort(422, errors={"cursor": "Not a cursor this API gave out."})
        if key[0].tzinfo is None:
            abort(422, errors={"cursor": "Not a cursor this API gave out."})
    f = api_cases.ListFilters(
        kinds=kinds,
        state=filters.get("state"),
        region_code=filters.get("region"),
        owner_org_id=filters.get("owner_org_id"),
        partner_country=filters.get("partner_country"),
        parent_case_id=filters.get("parent_case_id"),
        overdue=filters.get("overdue"),
        mine=filters.get("mine", False),
        q=filters.get("q"),
        updated_since=filters.get("updated_since"),
    )
    eng = engine()
    limit = filters["limit"]
    with eng.uow(write=False) as uow:
        rows = api_cases.list_cases(uow.session, actor(), f, eng.today(), key, limit + 1)
        for row in rows:
            eng.catalog.get(row.definition_id, uow.session)  # warm the cache for state titles
    items = [
        {**vars(row), "state_title": state_title(row), "next_due_provisional": provisional(row)}
        for row in rows
    ]
    return paged(items, limit, lambda r: (r["updated_at"].isoformat(), r["id"]))


def provisional(row) -> bool:
    """Whether the nearest due date is provisional on its performer's calendar (the state's
    task: a federal body's on the federal calendar, as the list page counts it)."""
    if row.next_due is None:
        return False
    code = task_calendar(row.definition_id, row.state, row.region_calendar)
    return engine().catalog.calendars.for_region(code).is_provisional(row.next_due)


@blp.route("", methods=["GET"])
@blp.arguments(AgreementFilters, location="query")
@blp.response(200, CasePageOut)
def list_agreements(filters):
    """Agreements the caller may see, most recently changed first."""
    return list_page(filters, CATEGORY)


@blp.route("", methods=["POST"])
@blp.arguments(AgreementIn)
@blp.response(201, CaseOut, headers=ETAG_HEADER)
def create_agreement(body):
    """Start an agreement of ``kind`` (a definition of category 'agreement')."""
    if body["kind"] not in category_kinds(CATEGORY):
        abort(422, errors={"kind": "Not an agreement procedure; see /definitions."})
    created = engine().create_case(
        actor(), body["kind"], owner_org_id=body.get("owner_org_id"), fields=body["fields"]
    )
    return with_etag(case_json(load_case(created.id, CATEGORY)), 201)


@blp.route(f"/<{ID}:case_id>", methods=["GET"])
@blp.response(200, CaseOut, headers=ETAG_HEADER)
def get_agreement(case_id: int):
    """One agreement with its data; the ETag names its version."""
    return with_etag(case_json(load_case(case_id, CATEGORY)))


@blp.route(f"/<{ID}:case_id>", methods=["PATCH"])
@blp.arguments(AgreementPatch)
@blp.response(200, CaseOut, headers=ETAG_HEADER)
@blp.doc(**IF_MATCH_DOC)
def update_agreement(body, case_id: int):
    """Change fields the current state allows editing."""
    load_case(case_id, CATEGORY)
    version = expected_version(case_id, body.get("expected_version"))
    engine().update_fields(case_id, actor(), body["fields"], expected_version=version)
    return with_etag(case_json(load_case(case_id, CATEGORY)))


add_case_routes(blp, CATEGORY)
