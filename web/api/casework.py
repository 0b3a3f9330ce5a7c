"""Routes every workflow case has, added to the agreements and the plans blueprints alike:
what may be done now, doing it, the history with its chain status, the diagram, the timeline.

``POST …/transitions`` is ``Engine.fire`` — the very call behind the pages' buttons — so a
transition behaves the same through either door: same permission, guards, tasks and audit.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.cases import (
    ETAG_HEADER,
    IF_MATCH_DOC,
    VERSION,
    etag,
    expected_version,
    load_case,
)
from web.api.core import ID, BaseSchema, TextTitle
from web.api.timeline import TimelineOut, timeline_json
from web.current import engine
from workflow.audit import verify_case
from workflow.machine import mermaid_diagram
from workflow.queries import api_cases
from workflow.reminders.timeline import case_timeline


class TransitionOut(BaseSchema):
    trigger = fields.String(required=True)
    title = fields.Nested(TextTitle, required=True)
    to_state = fields.String(required=True)
    comment = fields.String(required=True, metadata={"description": "required | optional | none"})
    requires = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Fields (and document languages) the action needs."},
    )
    allowed = fields.Boolean(required=True)
    blocked_by = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "Why it cannot be done yet: {reason, message, …details}."},
    )


class FireIn(BaseSchema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=64))
    comment = fields.String(validate=validate.Length(max=10_000), allow_none=True)
    data = fields.Dict(
        load_default=dict,
        metadata={"description": "Fields recorded with the action (e.g. a signing date)."},
    )
    expected_version = VERSION


class FireOut(BaseSchema):
    case_id = fields.Integer(required=True)
    trigger = fields.String(required=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    moved = fields.Boolean(
        required=True, metadata={"description": "False for a review vote that did not settle"}
    )
    version = fields.Integer(required=True)
    etag = fields.String(required=True)
    warnings = fields.List(fields.String(), required=True)
    opened_task_ids = fields.List(fields.Integer(), required=True)


class ChainOut(BaseSchema):
    ok = fields.Boolean(required=True)
    seq = fields.Integer(allow_none=True, required=True)
    problem = fields.String(allow_none=True, required=True)


class AuditEventOut(BaseSchema):
    seq = fields.Integer(required=True)
    kind = fields.String(required=True)
    trigger = fields.String(allow_none=True, required=True)
    from_state = fields.String(allow_none=True, required=True)
    to_state = fields.String(allow_none=True, required=True)
    comment = fields.String(allow_none=True, required=True)
    data = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    actor_name = fields.String(allow_none=True, required=True)
    acting_for_id = fields.Integer(allow_none=True, required=True)
    acting_for_name = fields.String(allow_none=True, required=True)
    hash = fields.String(required=True)


class HistoryOut(BaseSchema):
    case_id = fields.Integer(required=True)
    chain = fields.Nested(ChainOut, required=True)
    events = fields.List(fields.Nested(AuditEventOut), required=True)


class TimelineArgs(BaseSchema):
    what_if = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z_][a-z0-9_.]{0,63}:\d{4}-\d{2}-\d{2}$")),
        validate=validate.Length(max=10),
        metadata={
            "description": "field:YYYY-MM-DD, repeatable: what if this date field moved? "
            "(e.g. planned_signing_date:2026-06-15)"
        },
    )


class DiagramOut(BaseSchema):
    format = fields.String(required=True, metadata={"description": "Always 'mermaid'."})
    diagram = fields.String(required=True)


def add_case_routes(blp: Blueprint, category: str) -> None:
    """Add the transitions, history, timeline and diagram routes of ``category`` to ``blp``."""

    @blp.route(f"/<{ID}:case_id>/transitions", methods=["GET"])
    @blp.response(200, TransitionOut(many=True))
    def list_transitions(case_id: int):
        """What the caller may do now, and what still blocks each action."""
        load_case(case_id, category)
        return engine().available_transitions(case_id, actor())

    @blp.route(f"/<{ID}:case_id>/transitions", methods=["POST"])
    @blp.arguments(FireIn)
    @blp.response(200, FireOut, headers=ETAG_HEADER)
    @blp.doc(**IF_MATCH_DOC)
    def fire_transition(body, case_id: int):
        """Fire a trigger. A refusal (409) lists its reasons in ``errors.refusals``; a stale
        If-Match is 412, a stale ``expected_version`` 409."""
        load_case(case_id, category)
        version = expected_version(case_id, body.get("expected_version"))
        result = engine().fire(
            case_id,
            body["trigger"],
            actor(),
            comment=body.get("comment"),
            expected_version=version,
            data=body["data"],
        )
        tag = etag(case_id, result.version)
        payload = {
            "case_id": result.case_id,
            "trigger": result.trigger,
            "from_state": result.from_state,
            "to_state": result.to_state,
            "moved": result.moved,
            "version": result.version,
            "etag": tag,
            "warnings": list(result.warnings),
            "opened_task_ids": list(result.opened_task_ids),
        }
        return payload, 200, {"ETag": tag}

    @blp.route(f"/<{ID}:case_id>/history", methods=["GET"])
    @blp.response(200, HistoryOut)
    def history(case_id: int):
        """Every recorded event, oldest first, and whether the hash chain is intact."""
        load_case(case_id, category)
        with engine().uow(write=False) as uow:
            broken = verify_case(uow.session, case_id)
            events = api_cases.history(uow.session, case_id)
        return {
            "case_id": case_id,
            "chain": {
                "ok": broken is None,
                "seq": broken.seq if broken else None,
                "problem": broken.problem if broken else None,
            },
            "events": events,
        }

    @blp.route(f"/<{ID}:case_id>/timeline", methods=["GET"])
    @blp.arguments(TimelineArgs, location="query")
    @blp.response(200, TimelineOut)
    def timeline(args, case_id: int):
        """Planned deadlines and reminders with their rules; ``what_if`` shows what moving a
        date field would re-plan (nothing is changed)."""
        load_case(case_id, category)
        what_if = dict(item.split(":", 1) for item in args.get("what_if", []))
        return timeline_json(case_timeline(engine(), case_id, actor=actor(), what_if=what_if))

    @blp.route(f"/<{ID}:case_id>/diagram", methods=["GET"])
    @blp.response(200, DiagramOut)
    def diagram(case_id: int):
        """The case's procedure as Mermaid text, its current and visited states marked."""
        header = load_case(case_id, category)
        eng = engine()
        with eng.uow(write=False) as uow:
            definition = eng.catalog.get(header.definition_id, uow.session).definition
            visited = {e.to_state for e in api_cases.history(uow.session, case_id) if e.to_state}
        return {"format": "mermaid", "diagram": mermaid_diagram(definition, header.state, visited)}
