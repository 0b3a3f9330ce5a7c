"""``/api/v1/tasks``: the inbox (``scope=mine|claimable|done``, the pages' three tabs), claiming,
releasing and reassigning. Deciding a task is firing its case's trigger
(``POST /agreements/{id}/transitions``), exactly as the pages do.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.paging import PageArgs, decode_cursor, encode_cursor, page_schema
from web.current import engine
from web.defs import task_calendar
from workflow.queries import inbox

blp = api_blueprint("tasks", "/tasks", "The caller's task inbox.")


class TaskArgs(PageArgs):
    scope = fields.String(load_default="mine", validate=validate.OneOf(inbox.TABS))


class TaskOut(BaseSchema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_title = fields.String(required=True)
    case_kind = fields.String(required=True)
    case_state = fields.String(required=True)
    case_version = fields.Integer(required=True)
    task_state = fields.String(required=True)
    role = fields.String(required=True)
    org_id = fields.Integer(allow_none=True, required=True)
    assignee_id = fields.Integer(allow_none=True, required=True)
    assignee_name = fields.String(allow_none=True, required=True)
    owner_name = fields.String(required=True)
    due_on = fields.Date(
        allow_none=True,
        required=True,
        metadata={"description": "Inclusive: the task is due no later than this day"},
    )
    provisional = fields.Boolean(
        required=True,
        metadata={
            "description": "The due date lies in a year whose production calendar (of the "
            "organization performing the task) is not known yet: it may move, and is recounted "
            "when the calendar learns the year"
        },
    )
    paused = fields.Boolean(required=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    acting_for_name = fields.String(allow_none=True, required=True)
    overdue_reason = fields.Dict(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Set when the task opened already past its due date, because its "
            "term counts from a date of the case that lay too close (e.g. one month before the "
            "planned signing): anchor, anchor_on, direction, within, term, due_on, opened_on"
        },
    )


TaskPageOut = page_schema("TaskPage", TaskOut)


class ReassignIn(BaseSchema):
    assignee_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class TaskRef(BaseSchema):
    id = fields.Integer(required=True)
    assignee_id = fields.Integer(allow_none=True, required=True)


@blp.route("", methods=["GET"])
@blp.arguments(TaskArgs, location="query")
@blp.response(200, TaskPageOut)
def list_tasks(args):
    """My tasks, the queues of my roles (claimable), or what I have done."""
    # The inbox orders open tasks by due date (undated last), which has no simple keyset; the
    # cursor carries the offset instead. Fine for inbox sizes.
    offset = 0
    if (key := decode_cursor(args.get("cursor"), 1)) is not None:
        if not isinstance(key[0], int) or not 0 <= key[0] <= 10**6:
            abort(422, errors={"cursor": "Not a cursor this API gave out."})
        offset = key[0]
    limit = args["limit"]
    with engine().uow(write=False) as uow:
        rows = inbox.tasks(uow.session, actor(), args["scope"], limit=limit + 1, offset=offset)
    more = len(rows) > limit
    return {
        "items": [_with_provisional(row) for row in rows[:limit]],
        "next_cursor": encode_cursor(offset + limit) if more else None,
    }


def _with_provisional(row: inbox.InboxTask) -> dict:
    """The row and whether its due date is provisional, on the performer's calendar (a
    federal body's task on the federal one), as the inbox page shows it."""
    code = task_calendar(row.definition_id, row.task_state, row.region_calendar)
    calendar = engine().catalog.calendars.for_region(code)
    return {**vars(row), "provisional": calendar.is_provisional(row.due_on)}


def _task_ref(task_id: int, assignee_id: int | None) -> dict:
    return {"id": task_id, "assignee_id": assignee_id}


@blp.route(f"/<{ID}:task_id>/claim", methods=["POST"])
@blp.response(200, TaskRef)
def claim(task_id: int):
    """Take a queue task; exactly one of several simultaneous claims wins (the others: 409)."""
    who = actor()
    engine().claim_task(task_id, who)
    return _task_ref(task_id, who.user_id)


@blp.route(f"/<{ID}:task_id>/release", methods=["POST"])
@blp.response(200, TaskRef)
def release(task_id: int):
    """Put a task I hold back into its queue."""
    engine().release_task(task_id, actor())
    return _task_ref(task_id, None)


@blp.route(f"/<{ID}:task_id>/reassign", methods=["POST"])
@blp.arguments(ReassignIn)
@blp.response(200, TaskRef)
def reassign(body, task_id: int):
    """Hand a task to a named holder of its role (coordinators, supervisors, admins)."""
    engine().reassign_task(task_id, actor(), body["assignee_id"])
    return _task_ref(task_id, body["assignee_id"])
