"""``/api/v1/plans/{id}/items``: the items of a plan of activities — added while the plan is
drafted, their status and progress notes reported once it is adopted
(``workflow.services.plans``, the pages' service). Each item has its own version.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.cases import load_case
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.current import engine
from workflow.fields.common import SUBJECT_AREAS
from workflow.persistence.plans import ITEM_STATUSES
from workflow.queries import case_detail

blp = api_blueprint("plan_items", "/plans", "Items of a plan of activities.")
CATEGORY = "plan"


class PlanItemOut(BaseSchema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    area = fields.String(required=True)
    responsible_org_id = fields.Integer(required=True)
    responsible_name = fields.String(required=True)
    due_on = fields.Date(allow_none=True, required=True)
    due_quarter = fields.String(allow_none=True, required=True)
    venue = fields.String(allow_none=True, required=True)
    budget_line = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    notes = fields.List(fields.Dict(), required=True)
    version = fields.Integer(required=True)


class _ItemDetails(BaseSchema):
    title = fields.String(validate=validate.Length(min=1, max=500))
    area = fields.String(validate=validate.OneOf(SUBJECT_AREAS))
    responsible_org_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    due_on = fields.Date(allow_none=True)
    due_quarter = fields.String(
        validate=validate.Regexp(r"^\d{4}-Q[1-4]$"),
        allow_none=True,
        metadata={"example": "2027-Q2"},
    )
    venue = fields.String(validate=validate.Length(max=300), allow_none=True)
    budget_line = fields.String(
        validate=validate.Regexp(r"^\d+(\.\d+)*/\d+$"),
        allow_none=True,
        metadata={"example": "3.6/1"},
    )
    description = fields.String(validate=validate.Length(max=10_000), allow_none=True)


class PlanItemIn(_ItemDetails):
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    area = fields.String(required=True, validate=validate.OneOf(SUBJECT_AREAS))
    responsible_org_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class PlanItemPatch(_ItemDetails):
    expected_version = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The item's version your change is based on."},
    )
    status = fields.String(validate=validate.OneOf(ITEM_STATUSES))
    note = fields.String(validate=validate.Length(max=5_000))


def _items(case_id: int) -> list[case_detail.PlanItemRow]:
    with engine().uow(write=False) as uow:
        return case_detail.plan_items(uow.session, case_id)


def _item(case_id: int, item_id: int) -> case_detail.PlanItemRow:
    for item in _items(case_id):
        if item.id == item_id:
            return item
    abort(404, message=f"No item {item_id} in plan {case_id}.")
    raise AssertionError  # unreachable


@blp.route(f"/<{ID}:case_id>/items", methods=["GET"])
@blp.response(200, PlanItemOut(many=True))
def list_items(case_id: int):
    """The plan's items by number."""
    load_case(case_id, CATEGORY)
    return _items(case_id)


@blp.route(f"/<{ID}:case_id>/items", methods=["POST"])
@blp.arguments(PlanItemIn)
@blp.response(201, PlanItemOut)
def add_item(body, case_id: int):
    """Add an item while the plan is drafted (a due date or a quarter is required)."""
    load_case(case_id, CATEGORY)
    ref = engine().add_plan_item(case_id, actor(), **body)
    return _item(case_id, ref.id)


@blp.route(f"/<{ID}:case_id>/items/<{ID}:item_id>", methods=["PATCH"])
@blp.arguments(PlanItemPatch)
@blp.response(200, PlanItemOut)
def update_item(body, case_id: int, item_id: int):
    """Change details (while drafted) or report status and progress (once adopted)."""
    load_case(case_id, CATEGORY)
    _item(case_id, item_id)
    expected = body.pop("expected_version")
    engine().update_plan_item(item_id, actor(), expected, **body)
    return _item(case_id, item_id)
