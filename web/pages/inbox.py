"""The inbox: *My tasks*, *Claimable* and *Done*, and the task actions claim, release and
reassign.

Statements per inbox page: 2 (authentication) + 1 (counts) + 1 (the tab's tasks) + 1 (names of
the colleagues one substitutes for, only while substituting) ≤ 5.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web import defs
from web.auth.redirects import safe_next
from web.current import engine
from web.pages.common import actor, flash_error, may_start_any, page_number, signed_in
from workflow.errors import NotFound, WorkflowError
from workflow.persistence.models import Organization, Task, User, UserRole
from workflow.policy import can_reassign, can_view
from workflow.queries import case_detail
from workflow.queries import inbox as inbox_q

bp = Blueprint("inbox", __name__)
PER_PAGE = 30


@bp.get("/inbox")
@signed_in
def inbox():
    me = actor()
    eng = engine()
    page = page_number()
    with eng.uow(write=False) as uow:
        counts = inbox_q.counts(uow.session, me)
        tab = request.args.get("tab")
        if tab not in inbox_q.TABS:
            tab = "mine" if counts.mine or not counts.claimable else "claimable"
        tasks = inbox_q.tasks(uow.session, me, tab, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        absent = inbox_q.names(uow.session, [p.user_id for p in me.substituting])
    total = {"mine": counts.mine, "claimable": counts.claimable, "done": counts.done}[tab]
    return render_template(
        "inbox/inbox.html",
        counts=counts,
        tab=tab,
        tasks=tasks,
        absent=absent,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        me=me,
        may_start=may_start_any(me),
    )


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default, 303)


@bp.post("/tasks/<int:task_id>/claim")
@signed_in
def claim(task_id: int):
    try:
        engine().claim_task(task_id, actor())
        flash(_("The task is now in your tasks."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(url_for("inbox.inbox", tab="mine"))


@bp.post("/tasks/<int:task_id>/release")
@signed_in
def release(task_id: int):
    try:
        engine().release_task(task_id, actor())
        flash(_("The task is back in its queue."), "success")
    except WorkflowError as exc:
        flash_error(exc)
    return _back(url_for("inbox.inbox", tab="claimable"))


@bp.route("/tasks/<int:task_id>/reassign", methods=["GET", "POST"])
@signed_in
def reassign(task_id: int):
    """A coordinator (or the role's supervisor) hands a task to a named holder of its role."""
    me = actor()
    eng = engine()
    with eng.uow(write=False) as uow:
        task = uow.session.execute(
            select(
                Task.id, Task.case_id, Task.role, Task.org_id, Task.status, Task.assignee_id
            ).where(Task.id == task_id)
        ).one_or_none()
        head = case_detail.header(uow.session, task.case_id) if task else None
        if task is None or head is None or not can_view(me, head):
            raise NotFound(f"Task {task_id} not found.")
        definition = defs.definition(head.definition_id)
        if not can_reassign(definition, me, task.role, head):
            abort(403, _("You may not reassign this task."))
        query = (
            select(User.id, User.full_name, User.username, Organization.name_ru)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Organization, Organization.id == User.org_id)
            .where(UserRole.role == task.role, User.is_active.is_(True))
            .order_by(User.full_name)
        )
        if task.org_id is not None:
            query = query.where(User.org_id == task.org_id)
        candidates = uow.session.execute(query).all()
    if request.method == "POST":
        try:
            assignee = int(request.form.get("assignee_id", "0"))
            eng.reassign_task(task_id, me, assignee)
            flash(_("The task has been reassigned."), "success")
            return redirect(url_for("cases.show", case_id=head.id), 303)
        except ValueError:
            flash(_("Choose a person."), "error")
        except WorkflowError as exc:
            flash_error(exc)
    return render_template("inbox/reassign.html", task=task, head=head, candidates=candidates)
