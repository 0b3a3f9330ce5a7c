"""Fields of a plan of activities (``activity_plan``). The plan's items are rows of their own
(``plan_items``, see ``workflow.services.plans``); these are the plan's own data: its period,
its adoption act and its reports."""

from __future__ import annotations

from marshmallow import fields, validate

from workflow.fields import dates
from workflow.fields.common import ActSchema, ReportSchema, Strict, text
from workflow.fields.registry import FieldSet, register_field_set


class ActivityPlanFields(Strict):
    title = text(500)
    title_partner = text(500)
    summary = fields.String(validate=validate.Length(max=20_000))
    notes = fields.String(validate=validate.Length(max=20_000))
    period_start = dates.Date()
    period_end = dates.Date()
    adoption = fields.Nested(ActSchema)  # the act adopting the plan
    monitoring_period_end = dates.Date()  # end of the quarter the next progress report covers
    progress_report = fields.Nested(ReportSchema)  # the latest quarterly report
    year_report = fields.Nested(ReportSchema)


register_field_set(
    FieldSet(
        "activity_plan",
        ActivityPlanFields,
        promote={
            "title": lambda f: f.get("title"),
            "title_partner": lambda f: f.get("title_partner"),
            "planned_date": lambda f: f.get("period_start"),
        },
    )
)
