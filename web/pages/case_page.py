"""The agreement page and the actions taken from it: fire a transition, edit fields. (Its
texts and files: ``web.pages.documents``.)

Every form carries the case version it was rendered from (``expected_version``). When someone
else acted first the engine refuses (``ConcurrentUpdate``) and the person gets the fresh page
with a notice, never an error page.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from flask import flash, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from web import defs
from web.current import engine
from web.field_groups import group_inputs
from web.fieldforms import FieldInput, inputs_for, label_for, mark_required, read_posted
from web.formatting import coded_value
from web.pages import task_panel as panel
from web.pages.cases import bp
from web.pages.common import (
    actor,
    back_to_case,
    flash_error,
    load_visible,
    posted_version,
    refusal_message,
    signed_in,
)
from web.pages.form_once import case_url, once_per_form
from web.pages.plan_items import item_form_context
from web.svg import diagram
from workflow.definitions.model import Definition
from workflow.errors import InvalidInput, NotFound, Refusal, WorkflowError
from workflow.fields.registry import DOCUMENT_TOKENS
from workflow.policy import Actor, can_reassign, can_start, can_view, role_in_scope
from workflow.queries import case_detail as q
from workflow.queries import documents as docq
from workflow.queries.annual_report import report_year_for
from workflow.reminders.timeline import case_timeline
from workflow.reminders.timeline_entries import anchor_fields

DANGER_HINTS = ("withdraw", "refuse", "return", "terminate", "cancel", "reject", "suspend")
CONFIRM_HINTS = ("withdraw", "terminate", "cancel")


def may_edit(definition: Definition, head, me: Actor) -> bool:
    """Mirrors the engine's rule: the current state's roles (or the starters' roles when the
    state has none) may edit what the state lists as editable."""
    state = definition.states[head.state]
    roles = state.roles or definition.start_roles
    return any(role_in_scope(definition, role, p, head) for p in me.principals() for role in roles)


def partner_of(head) -> dict:
    """The foreign partner as people read it: the directory entry if the case links one, else
    what the fields say (its Russian name and its name in its own language). A meeting cycle
    has no foreign partner (its second title is its English one)."""
    if head.kind in defs.kinds_of("meeting"):
        return {}
    fields_partner = head.fields.get("partner") or {}
    return {
        "name": head.partner_name or fields_partner.get("name_ru") or head.title_partner,
        "native": head.partner_name_native or fields_partner.get("name_partner"),
        "language": fields_partner.get("language"),
    }


SHOWN_KINDS = {
    "planned_date",
    "backward_deadline",
    "state_deadline",
    "task_due",
    "sla_due",
    "reminder",
    "escalation",
    "deadline",
}
HIDDEN_STATUSES = {"done", "cancelled", "fired", "past", "stopped"}


_TRANSITION = re.compile(r"transition '(\w+)'")


def _behind(entry, definition: Definition, current: str, left: set[str]) -> bool:
    """A rule about a step the case has already left (the clearance deadline of a registered
    agreement) is history, not a deadline."""
    if entry.kind == "state_deadline" and entry.state:
        return entry.state in left and entry.state != current
    if entry.kind == "backward_deadline":
        found = _TRANSITION.search(entry.source or "")
        if found:
            sources = {
                s for t in definition.transitions if t.trigger == found.group(1) for s in t.sources
            }
            return bool(sources) and sources <= left and current not in sources
    return False


def deadlines(
    eng, case_id: int, me: Actor, definition: Definition, current: str, left: set[str]
) -> tuple[list, dict, list[str]]:
    """The case's planned deadlines for the page (``workflow.reminders.timeline``), with the
    what-if dates asked in ``?what_if.<field>=YYYY-MM-DD``; one line per date and meaning."""
    asked = {
        key.split(".", 1)[1]: value
        for key, value in request.args.items()
        if key.startswith("what_if.") and value
    }
    try:
        timeline = case_timeline(eng, case_id, actor=me, what_if=asked)
    except InvalidInput as exc:
        flash_error(exc)
        asked = {}
        timeline = case_timeline(eng, case_id, actor=me)
    seen, entries = set(), []
    for entry in timeline.entries:
        if entry.kind not in SHOWN_KINDS or entry.status in HIDDEN_STATUSES:
            continue
        if _behind(entry, definition, current, left):
            continue
        key = (entry.on, entry.kind, entry.state, entry.hypothetical)
        if key in seen:
            continue
        seen.add(key)
        entries.append(entry)
    return entries, asked, sorted(anchor_fields(definition))


def _field_rows(schema: str, fields: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_field_rows(schema, value, f"{path}."))
        else:
            rows.append((label_for(path, schema), coded_value(path, value)))
    return rows


def guard_fields(definition: Definition, state: str, trigger: str) -> list[str]:
    """Fields the trigger's guards read (``field`` / ``fields`` parameters): the form offers
    them, so a person can move a date that a rule refuses instead of being stuck."""
    paths: list[str] = []
    for spec in definition.candidates(state, trigger):
        for ref in spec.guards:
            named = ref.params.get("fields") or [ref.params.get("field")]
            paths.extend(p for p in named if isinstance(p, str))
    return list(dict.fromkeys(paths))


def action_paths(definition: Definition, state: str, trigger: str, requires) -> list[str]:
    """The field paths an action's form asks for: what it requires, then what its guards
    read. Document requirements are not fields (they are uploaded)."""
    paths = [*requires, *guard_fields(definition, state, trigger)]
    return [p for p in dict.fromkeys(paths) if p not in DOCUMENT_TOKENS]


def _submittable(blocked: list[dict], inputs: list[FieldInput]) -> bool:
    """Can the form itself clear what blocks the action? Missing fields it shows, a comment,
    or a rule about a field it shows; not a missing text or a rule about something else."""
    shown = {i.path for i in inputs}
    for b in blocked:
        if b["reason"] == "comment_required":
            continue
        missing = [panel.field_of(m) for m in b.get("missing", [])]
        if b["reason"] == "missing_fields" and all(m in shown for m in missing):
            continue
        if b["reason"] in ("guard", "lead_time") and b.get("field") in shown:
            continue
        return False
    return True


def _action_forms(
    available,
    definition: Definition,
    fields: dict,
    state: str,
    *,
    can_edit: bool = False,
    can_upload: bool = False,
    returned=None,
    unchanged: bool = False,
):
    actions = []
    for item in available:
        trigger = item["trigger"]
        field_paths = action_paths(definition, state, trigger, item["requires"])
        inputs: list[FieldInput] = inputs_for(definition.fields_schema, field_paths, fields)
        panel.suggest_partner_language(inputs, fields)
        mark_required(inputs, item["requires"])
        blocked = item.get("blocked_by", [])
        resubmit = panel.resubmits(item, returned)
        actions.append(
            {
                **item,
                "title_text": item["title"].get(defs.language()) or item["title"]["ru"],
                "inputs": inputs,
                "needs_documents": [p for p in item["requires"] if p in DOCUMENT_TOKENS],
                "danger": any(h in trigger for h in DANGER_HINTS),
                "confirm": any(h in trigger for h in CONFIRM_HINTS),
                "blocked_text": [refusal_message(_as_refusal(b)) for b in blocked],
                "submittable": _submittable(blocked, inputs),
                "fix_links": panel.fix_links(
                    blocked, {i.path for i in inputs}, can_edit, can_upload
                ),
                "resubmits": resubmit,
                "confirm_unchanged": resubmit and unchanged and item["allowed"],
            }
        )
    return actions


def _as_refusal(blocked: dict) -> Refusal:
    details = {k: v for k, v in blocked.items() if k not in ("reason", "message")}
    return Refusal(blocked["reason"], blocked["message"], details)


@bp.get("/agreements/<int:case_id>")
@signed_in
def show(case_id: int):
    me = actor()
    eng = engine()
    with eng.uow(write=False) as uow:
        session = uow.session
        head = q.header(session, case_id)
        if head is None or not can_view(me, head):
            raise NotFound(f"Case {case_id} not found.")
        documents = q.documents(session, case_id)
        approved = docq.approved_texts(session, case_id)
        signed = docq.compare_signed(session, case_id)
        history = q.history(session, case_id)
        tasks = q.open_tasks(session, case_id)
        related = q.related(session, case_id, head.parent_case_id)
        clocks = q.clocks(session, case_id)
        definition = defs.definition(head.definition_id)

        def holds_role(role: str) -> bool:
            return any(role_in_scope(definition, role, p, head) for p in me.principals())

        items = q.plan_items(session, case_id) if definition.category == "plan" else []
        meeting_id = q.meeting_of(session, case_id) if definition.category == "meeting" else None
        returned = panel.returned_round(session, case_id, head.state)
        unchanged = panel.needs_confirmation(session, case_id, returned)
        my_task = panel.my_open_task(tasks, head.state, me.user_id, holds_role)
        review_changes = (
            panel.review_changes(session, case_id, head.state, me.user_id, my_task)
            if definition.states[head.state].kind == "review"
            else None
        )
    available = eng.available_transitions(case_id, me)
    left = {h.from_state for h in history if h.from_state and h.kind == "transition"}
    timeline, what_if, anchors = deadlines(eng, case_id, me, definition, head.state, left)
    state = definition.states[head.state]
    editable = may_edit(definition, head, me)
    edit_inputs = (
        inputs_for(definition.fields_schema, state.editable, head.fields)
        if editable and state.editable
        else []
    )
    # Grouped by stage, what the next steps need first (web/field_groups.py).
    needed = {*state.requires, *(p for a in available for p in a["requires"])}
    edit_groups = group_inputs(definition, head.state, edit_inputs, needed)
    can_upload = editable and ("documents" in state.editable or "*" in state.editable)
    can_upload_signed = editable and "signed_originals" in state.editable
    # The annual report: drafted from the plans of activities, kept as versions of its own slot.
    can_draft_report = editable and "reports" in state.editable
    by_language: OrderedDict[str, list] = OrderedDict()
    for doc in documents:
        by_language.setdefault(doc.language, []).append(doc)
    visited = {h.to_state for h in history if h.to_state} | {
        h.from_state for h in history if h.from_state
    }
    svg = diagram.render(
        definition,
        head.state,
        visited,
        defs.language(),
        title=_("Process diagram"),
        hub_note=_("from several stages"),
    )
    languages = list(
        dict.fromkeys(["ru", *(head.fields.get("languages") or []), *by_language.keys()])
    )
    startable_children = [
        (key, d)
        for key, d in defs.all_current().items()
        if d.category == "plan"
        and definition.category == "agreement"
        and can_start(d, me, me.me.org_id)
        and me.me.org_id == head.owner_org_id
    ]
    return render_template(
        "cases/show.html",
        head=head,
        definition=definition,
        state=state,
        documents=by_language,
        history=history,
        tasks=tasks,
        related=related,
        clocks=clocks,
        items=items,
        meeting_id=meeting_id,
        actions=_action_forms(
            available,
            definition,
            head.fields,
            head.state,
            can_edit=bool(edit_inputs),
            can_upload=can_upload,
            returned=returned,
            unchanged=unchanged,
        ),
        returned=returned,
        review_changes=review_changes,
        my_task=my_task,
        edit_inputs=edit_inputs,
        edit_groups=edit_groups,
        can_upload=can_upload,
        can_upload_signed=can_upload_signed,
        can_draft_report=can_draft_report,
        report_year=report_year_for(head.fields, eng.today()) if can_draft_report else None,
        upload_limit_mb=eng.document_limits.max_bytes // (1024 * 1024),
        approved=approved,
        signed=signed,
        field_rows=_field_rows(definition.fields_schema, head.fields),
        diagram=Markup(svg),
        languages=languages,
        me=me,
        can_reassign=lambda role: can_reassign(definition, me, role, head),
        holds_role=holds_role,
        startable_children=startable_children,
        timeline=timeline,
        what_if=what_if,
        anchors=anchors,
        item_form=item_form_context(head, definition, me, editable)
        if definition.category == "plan"
        else None,
        partner=partner_of(head),
    )


@bp.post("/agreements/<int:case_id>/actions")
@signed_in
@once_per_form(back=case_url)
def fire(case_id: int):
    me = actor()
    head = load_visible(case_id, me)
    definition = defs.definition(head.definition_id)
    trigger = request.form.get("trigger", "")
    expected = posted_version()
    requires = [
        *definition.states[head.state].requires,
        *(p for spec in definition.candidates(head.state, trigger) for p in spec.requires),
    ]
    paths = action_paths(definition, head.state, trigger, requires)
    inputs = inputs_for(definition.fields_schema, paths, head.fields)
    data = read_posted(inputs, request.form, head.fields)
    comment = request.form.get("comment", "")
    if _unconfirmed_resubmission(case_id, head.state, definition, trigger):
        flash(
            _(
                "No text has a new version since the remarks. Upload the revised text, or tick "
                "“Resubmit the same texts” to send them unchanged."
            ),
            "error",
        )
        return back_to_case(case_id)
    try:
        result = engine().fire(case_id, trigger, me, comment, expected, data)
    except WorkflowError as exc:
        # The page opens at its top, where the error is: an anchor would scroll past it.
        flash_error(exc)
        return back_to_case(case_id)
    title = defs.trigger_title(head.definition_id, trigger)
    if result.moved:
        flash(
            _(
                "Done: %(action)s. New stage: %(state)s.",
                action=title,
                state=defs.state_title(head.definition_id, result.to_state),
            ),
            "success",
        )
    else:
        flash(
            _(
                "Your decision is recorded: %(action)s. Waiting for the other reviewers.",
                action=title,
            ),
            "success",
        )
    for warning in result.warnings:
        flash(warning, "warning")
    return back_to_case(case_id)


def _unconfirmed_resubmission(case_id: int, state: str, definition: Definition, trigger: str):
    """Sending back to review the very texts it returned needs the person's explicit "yes"
    (``confirm_unchanged``); the engine's own guard, where a definition names one, refuses it
    whatever is posted."""
    if request.form.get(panel.CONFIRM_FIELD) == "1":
        return False
    with engine().uow(write=False) as uow:
        returned = panel.returned_round(uow.session, case_id, state)
        if returned is None:
            return False
        candidates = definition.candidates(state, trigger)
        goes_back = any(spec.dest == returned.state for spec in candidates)
        guarded = any(ref.name == "new_text_version" for c in candidates for ref in c.guards)
        if not goes_back or guarded:
            return False
        return panel.needs_confirmation(uow.session, case_id, returned)


@bp.post("/agreements/<int:case_id>/fields")
@signed_in
@once_per_form(back=case_url)
def update_fields(case_id: int):
    me = actor()
    head = load_visible(case_id, me)
    definition = defs.definition(head.definition_id)
    state = definition.states[head.state]
    inputs = inputs_for(definition.fields_schema, state.editable, head.fields)
    changes = read_posted(inputs, request.form, head.fields)
    expected = posted_version()
    if not changes:
        flash(_("Nothing was changed."), "info")
        return back_to_case(case_id)
    try:
        engine().update_fields(case_id, me, changes, expected)
    except WorkflowError as exc:
        flash_error(exc)  # shown at the top of the page: no anchor that would scroll past it
        return back_to_case(case_id)
    flash(_("The changes are saved."), "success")
    return back_to_case(case_id)
