"""Fields of the annual coordinating meeting cycle (``coordination_cycle``).

``meeting_date`` is the anchor of the cycle's backward deadlines (agenda, invitations). It is
changed only through the meeting services (``reschedule``), which keep the ``meetings`` row, the
iCal sequence and the re-planned deadlines in step; the definition does not list it as editable.
"""

from __future__ import annotations

from marshmallow import fields, validate

from workflow.fields import dates
from workflow.fields.common import ReportSchema, Strict, text
from workflow.fields.registry import FieldSet, register_field_set


class CoordinationCycleFields(Strict):
    title = text(500)
    title_partner = text(500)  # the title in English, for invitations abroad
    year = fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100))
    meeting_date = dates.Date()
    venue = text(300)
    notes = fields.String(validate=validate.Length(max=20_000))
    monitoring_period_end = dates.Date()
    progress_report = fields.Nested(ReportSchema)
    year_report = fields.Nested(ReportSchema)


register_field_set(
    FieldSet(
        "coordination_cycle",
        CoordinationCycleFields,
        promote={
            "title": lambda f: f.get("title"),
            "title_partner": lambda f: f.get("title_partner"),
            "planned_date": lambda f: f.get("meeting_date"),
        },
    )
)
