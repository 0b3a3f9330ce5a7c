"""Items of a plan of activities, from the plan's page: adding them while the plan is drafted,
and reporting their status once it is adopted (``workflow.services.plans``)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from web.current import engine
from web.pages.cases import bp
from web.pages.common import actor, flash_error, is_coordinator, load_visible, signed_in
from web.pages.form_once import case_url, once_per_form
from workflow.errors import NotFound, WorkflowError
from workflow.persistence.models import Organization
from workflow.persistence.plans import PlanItem
from workflow.services.plans import ADOPTED_STATES

ITEM_FIELDS = ("title", "area", "due_on", "due_quarter", "venue", "budget_line", "description")


def item_form_context(head, definition, me, may_edit: bool) -> dict | None:
    """What the plan page offers: ``add`` (while drafting) and ``progress`` (once adopted)."""
    state = definition.states[head.state]
    drafter = may_edit or is_coordinator(me)
    adding = drafter and "*" in state.editable
    progress = head.state in ADOPTED_STATES
    if not (adding or progress):
        return None
    orgs = []
    if adding:
        with engine().uow(write=False) as uow:
            orgs = uow.session.execute(
                select(Organization.id, Organization.name_ru, Organization.kind)
                .where(
                    Organization.kind.in_(("region", "municipality", "federal_body")),
                    Organization.is_active.is_(True),
                )
                .order_by(Organization.kind, Organization.name_ru)
            ).all()
    return {
        "add": adding,
        "progress": progress,
        "drafter": drafter,
        "my_orgs": {p.org_id for p in me.principals()},
        "orgs": orgs,
        "default_org": head.owner_org_id,
    }


@bp.post("/agreements/<int:case_id>/items")
@signed_in
@once_per_form(back=case_url)
def add_item(case_id: int):
    me = actor()
    load_visible(case_id, me)
    form = request.form
    details = {k: form.get(k, "").strip() for k in ITEM_FIELDS if form.get(k, "").strip()}
    try:
        details["responsible_org_id"] = int(form.get("responsible_org_id", "0"))
    except ValueError:
        details["responsible_org_id"] = 0
    try:
        ref = engine().add_plan_item(case_id, me, **details)
    except WorkflowError as exc:
        flash_error(exc)
    else:
        flash(_("Activity %(n)d is added to the plan.", n=ref.number), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#items", 303)


@bp.post("/plan-items/<int:item_id>")
@signed_in
def update_item(item_id: int):
    me = actor()
    with engine().uow(write=False) as uow:
        plan_case_id = uow.session.scalar(
            select(PlanItem.plan_case_id).where(PlanItem.id == item_id)
        )
    if plan_case_id is None:
        raise NotFound(f"Plan item {item_id} not found.")
    load_visible(plan_case_id, me)
    changes = {}
    if request.form.get("status"):
        changes["status"] = request.form["status"]
    if request.form.get("note", "").strip():
        changes["note"] = request.form["note"].strip()
    try:
        expected = int(request.form.get("expected_version", ""))
        engine().update_plan_item(item_id, me, expected, **changes)
    except ValueError:
        flash(_("The form is incomplete; open the page again."), "error")
    except WorkflowError as exc:
        flash_error(exc)
    else:
        flash(_("The activity is updated."), "success")
    return redirect(url_for("cases.show", case_id=plan_case_id) + "#items", 303)
