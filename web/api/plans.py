"""``/api/v1/plans``: plans of activities (cases of category 'plan', usually attached to an
agreement), with the same transitions, history and diagram routes as agreements.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.agreements import AgreementFilters, AgreementPatch, CasePageOut, list_page
from web.api.auth import actor
from web.api.cases import (
    ETAG_HEADER,
    IF_MATCH_DOC,
    CaseOut,
    case_json,
    category_kinds,
    expected_version,
    load_case,
    with_etag,
)
from web.api.casework import add_case_routes
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.current import engine

blp = api_blueprint("plans", "/plans", "Plans of activities and their workflow.")
CATEGORY = "plan"


class PlanFilters(AgreementFilters):
    parent_case_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Plans of this agreement"},
    )


class PlanIn(BaseSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=64))
    parent_case_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The agreement the plan implements"},
    )
    owner_org_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    fields_ = fields.Dict(attribute="fields", data_key="fields", required=True)


@blp.route("", methods=["GET"])
@blp.arguments(PlanFilters, location="query")
@blp.response(200, CasePageOut)
def list_plans(filters):
    """Plans the caller may see, most recently changed first."""
    return list_page(filters, CATEGORY)


@blp.route("", methods=["POST"])
@blp.arguments(PlanIn)
@blp.response(201, CaseOut, headers=ETAG_HEADER)
def create_plan(body):
    """Start a plan of activities, attached to the agreement ``parent_case_id``."""
    if body["kind"] not in category_kinds(CATEGORY):
        abort(422, errors={"kind": "Not a plan procedure; see /definitions."})
    parent = body.get("parent_case_id")
    if parent is not None:
        load_case(parent, "agreement")
    created = engine().create_case(
        actor(),
        body["kind"],
        owner_org_id=body.get("owner_org_id"),
        fields=body["fields"],
        parent_case_id=parent,
    )
    return with_etag(case_json(load_case(created.id, CATEGORY)), 201)


@blp.route(f"/<{ID}:case_id>", methods=["GET"])
@blp.response(200, CaseOut, headers=ETAG_HEADER)
def get_plan(case_id: int):
    """One plan with its data; the ETag names its version."""
    return with_etag(case_json(load_case(case_id, CATEGORY)))


@blp.route(f"/<{ID}:case_id>", methods=["PATCH"])
@blp.arguments(AgreementPatch)
@blp.response(200, CaseOut, headers=ETAG_HEADER)
@blp.doc(**IF_MATCH_DOC)
def update_plan(body, case_id: int):
    """Change fields the current state allows editing."""
    load_case(case_id, CATEGORY)
    version = expected_version(case_id, body.get("expected_version"))
    engine().update_fields(case_id, actor(), body["fields"], expected_version=version)
    return with_etag(case_json(load_case(case_id, CATEGORY)))


add_case_routes(blp, CATEGORY)
