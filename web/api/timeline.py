"""The timeline of a case or a meeting as JSON (``workflow.reminders.timeline``): every planned
deadline and reminder with its date, status and the rule behind it; with a what-if, what a moved
date would plan instead.
"""

from __future__ import annotations

from marshmallow import fields

from web.api.core import BaseSchema
from workflow.reminders.timeline import Timeline


class TimelineEntryOut(BaseSchema):
    on = fields.Date(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    rule = fields.String(required=True)
    source = fields.String(required=True)
    at = fields.DateTime(allow_none=True, required=True)
    state = fields.String(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    reminder_id = fields.Integer(allow_none=True, required=True)
    hypothetical = fields.Boolean(required=True)
    was_on = fields.Date(allow_none=True, required=True)
    provisional = fields.Boolean(
        required=True,
        metadata={
            "description": "A counted date (deadline, reminder) in a year whose production "
            "calendar is not known yet: it may move when the year's transfer decree is out"
        },
    )


class TimelineOut(BaseSchema):
    subject = fields.String(required=True)
    today = fields.Date(required=True)
    what_if = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    entries = fields.List(fields.Nested(TimelineEntryOut), required=True)


def timeline_json(timeline: Timeline) -> dict:
    return {
        "subject": timeline.subject,
        "today": timeline.today,
        "what_if": dict(timeline.what_if),
        "entries": list(timeline.entries),
    }
