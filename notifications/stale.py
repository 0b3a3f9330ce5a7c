"""Email about a task that is already closed is not sent.

A "new task" email is queued in the transaction that opens the task, and sent by the worker
seconds later; by then the task may be done (an automatic step closed in the same second, a
colleague took and finished it). At claim time each task email's task is looked up; a closed or
cancelled one makes the row ``skipped`` (not sent, not dead: nothing went wrong) with the reason
in ``last_error``, where the administrators' outbox page and the tests can read it.
"""

from __future__ import annotations

from sqlalchemy import select

from workflow.persistence.models import Task

# Templates whose whole point is an open task: its arrival, assignment, reminder, escalation.
ABOUT_AN_OPEN_TASK = frozenset({"task_opened", "task_assigned", "task_reminder", "task_escalation"})
SKIPPED = "skipped"
REASON = "the task was closed before the email went out"


def closed_task_rows(session, rows) -> dict[int, str]:
    """``{row id: reason}`` for the claimed rows about a task that is no longer open."""
    about = {
        row.id: (row.payload or {}).get("task_id")
        for row in rows
        if row.template in ABOUT_AN_OPEN_TASK
    }
    task_ids = {task_id for task_id in about.values() if task_id is not None}
    if not task_ids:
        return {}
    open_ids = set(
        session.scalars(select(Task.id).where(Task.id.in_(task_ids), Task.status == "open"))
    )
    return {
        row_id: REASON
        for row_id, task_id in about.items()
        if task_id is not None and task_id not in open_ids
    }
