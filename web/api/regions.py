"""``/api/v1/regions/{code}/status``: a region's cases counted by kind and state, its plans of
activities with their items by status, and what is coming up — the region status page as data
(``workflow.queries.regions``). Who may read it is the region page's rule: the region's own
people (and its municipalities'), federal bodies and administrators; others get 403. The
upcoming task deadlines are limited to cases the caller may see.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields

from web.api.auth import actor
from web.api.cases import category_kinds
from web.api.core import CODE, BaseSchema, TextTitle, api_blueprint
from web.current import engine
from workflow.queries import regions
from workflow.queries.visibility import sees_everything

blp = api_blueprint("regions", "/regions", "Status of a region's agreements and plans.")


class RegionOut(BaseSchema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_ru = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    calendar_code = fields.String(allow_none=True, required=True)


class StateCountOut(BaseSchema):
    kind = fields.String(required=True)
    state = fields.String(required=True)
    state_title = fields.Nested(TextTitle, required=True)
    municipal = fields.Boolean(required=True)
    cases = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class PlanSummaryOut(BaseSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    title = fields.String(required=True)
    parent_case_id = fields.Integer(allow_none=True, required=True)
    items_by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    overdue_items = fields.Integer(required=True)


class UpcomingOut(BaseSchema):
    what = fields.String(required=True, metadata={"description": "task | item | meeting"})
    id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    title = fields.String(required=True)
    on = fields.Date(allow_none=True, required=True)
    at = fields.DateTime(allow_none=True, required=True)
    detail = fields.String(allow_none=True, required=True)
    title_en = fields.String(allow_none=True, required=True)


class RegionStatusOut(BaseSchema):
    region = fields.Nested(RegionOut, required=True)
    counts = fields.List(fields.Nested(StateCountOut), required=True)
    plans = fields.List(fields.Nested(PlanSummaryOut), required=True)
    upcoming = fields.List(fields.Nested(UpcomingOut), required=True)


def _state_title(definition_id: int, state: str, session) -> dict[str, str]:
    spec = engine().catalog.get(definition_id, session).definition.states.get(state)
    return {"ru": spec.title.ru, "en": spec.title.en} if spec else {"ru": state, "en": state}


@blp.route(f"/<{CODE}:code>/status", methods=["GET"])
@blp.response(200, RegionStatusOut)
def region_status(code: str):
    """Counts by state, plans and the next deadlines of one region (code such as RU-TA)."""
    eng = engine()
    today, now = eng.today(), eng.clock.now()
    with eng.uow(write=False) as uow:
        summary = regions.summary(uow.session, code, today)
        if summary is None:
            abort(404, message=f"No region with code '{code}'.")
        who = actor()
        if not (
            sees_everything(who) or any(p.region_id == summary.region.id for p in who.principals())
        ):
            abort(
                403, message="This status is for the people of the region and the federal bodies."
            )
        counts = [
            {**vars(c), "state_title": _state_title(c.definition_id, c.state, uow.session)}
            for c in summary.counts
        ]
        plans = regions.plans(uow.session, summary.region.id, category_kinds("plan"), today)
        upcoming = regions.upcoming(uow.session, who, summary.region.id, today, now)
    return {"region": summary.region, "counts": counts, "plans": plans, "upcoming": upcoming}
