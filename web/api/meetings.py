"""``/api/v1/meetings``: the annual coordinating meetings — list, schedule, one meeting with its
participants, proposals, reports and decisions; reschedule, cancel, mark held, invite; the
regions' proposals and reports; the minutes with their decisions; the meeting's timeline.

Every action is the pages' service, through the engine (``workflow.services.meetings`` and
``meeting_minutes``).
Meetings are visible to every signed-in caller, as on the pages; only the coordinating agency
organizes them, only invited organizations submit. The meeting's workflow case is under
``/api/v1/cycles/{case_id}`` (transitions, history, diagram, timeline).
"""

from __future__ import annotations

import datetime as dt

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.timeline import TimelineOut, timeline_json
from web.current import engine
from web.papers import report_responses
from web.papers.docx_common import DOCX
from workflow.queries import api_directory
from workflow.queries import meetings as meetings_q
from workflow.reminders.timeline import meeting_timeline
from workflow.services.meeting_minutes import DecisionInput

blp = api_blueprint("meetings", "/meetings", "Annual coordinating meetings.")

ORG_IDS = fields.List(
    fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), validate=validate.Length(max=500)
)


class MeetingOut(BaseSchema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    title_ru = fields.String(required=True)
    title_en = fields.String(allow_none=True, required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    timezone = fields.String(required=True)
    venue = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "planned | held | cancelled"})
    proposals_due_on = fields.Date(allow_none=True, required=True)
    reports_due_on = fields.Date(allow_none=True, required=True)
    case_state = fields.String(required=True)
    participants = fields.Integer(required=True)
    proposals = fields.Integer(required=True)


class ParticipantOut(BaseSchema):
    org_id = fields.Integer(required=True)
    name_ru = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)


class SubmissionOut(BaseSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True)
    org_id = fields.Integer(required=True)
    org_name = fields.String(required=True)
    submitted_by = fields.String(allow_none=True, required=True)
    submitted_at = fields.DateTime(required=True)


class DecisionOut(BaseSchema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    text = fields.String(required=True)
    responsible_name = fields.String(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)
    task_id = fields.Integer(allow_none=True, required=True)


class MeetingDetailOut(MeetingOut):
    agenda = fields.List(fields.Raw(), required=True)
    minutes = fields.String(allow_none=True, required=True)
    ical_uid = fields.String(required=True)
    ical_sequence = fields.Integer(required=True)
    participant_orgs = fields.List(fields.Nested(ParticipantOut), required=True)
    submissions = fields.List(fields.Nested(SubmissionOut), required=True)
    decisions = fields.List(fields.Nested(DecisionOut), required=True)


class MeetingIn(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    title_ru = fields.String(required=True, validate=validate.Length(min=1, max=300))
    title_en = fields.String(validate=validate.Length(max=300), allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    venue = fields.String(validate=validate.Length(max=300), allow_none=True)
    timezone = fields.String(load_default="Europe/Moscow", validate=validate.Length(max=40))
    participant_org_ids = ORG_IDS


class RescheduleIn(BaseSchema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    venue = fields.String(validate=validate.Length(max=300), allow_none=True)
    confirm_day_off = fields.Boolean(
        load_default=False,
        metadata={
            "description": "A move to a day off (a weekend, a public holiday) is answered 409 "
            "day_off_not_confirmed unless this is true"
        },
    )
    expected_sequence = fields.Integer(
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "The meeting's ical_sequence you saw (409 if it moved since)"},
    )


class CancelIn(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5_000))


class HeldIn(BaseSchema):
    comment = fields.String(validate=validate.Length(max=5_000), allow_none=True)


class ParticipantsIn(BaseSchema):
    add = ORG_IDS
    remove = ORG_IDS


class ParticipantsOut(BaseSchema):
    added_org_ids = fields.List(fields.Integer(), required=True)
    removed_org_ids = fields.List(fields.Integer(), required=True)


class SubmissionIn(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("proposal", "report")))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=validate.Length(min=1, max=100_000))


class DecisionIn(BaseSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    responsible_org_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    due_on = fields.Date(allow_none=True)
    role = fields.String(validate=validate.Length(max=64), allow_none=True)


class MinutesIn(BaseSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=200_000))
    decisions = fields.List(
        fields.Nested(DecisionIn), load_default=list, validate=validate.Length(max=200)
    )


class CompleteIn(BaseSchema):
    note = fields.String(validate=validate.Length(max=5_000), allow_none=True)


class MeetingTimelineArgs(BaseSchema):
    starts_at = fields.AwareDateTime(
        metadata={"description": "What if the meeting moved to this instant?"}
    )


def _detail(meeting_id: int) -> dict:
    with engine().uow(write=False) as uow:
        found = meetings_q.detail(uow.session, meeting_id)
    if found is None:
        abort(404, message=f"No meeting {meeting_id}.")
    return {
        **vars(found.meeting),
        "agenda": found.agenda,
        "minutes": found.minutes,
        "ical_uid": found.ical_uid,
        "ical_sequence": found.ical_sequence,
        "participant_orgs": [
            {"org_id": i, "name_ru": ru, "name_en": en} for i, ru, en in found.participants
        ],
        "submissions": found.submissions,
        "decisions": found.decisions,
    }


def _check_span(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        abort(422, errors={"ends_at": "Must be after starts_at."})


@blp.route("", methods=["GET"])
@blp.response(200, MeetingOut(many=True))
def list_meetings():
    """Every meeting, the latest first."""
    with engine().uow(write=False) as uow:
        return meetings_q.list_meetings(uow.session)


@blp.route("", methods=["POST"])
@blp.arguments(MeetingIn)
@blp.response(201, MeetingDetailOut)
def schedule(body):
    """Open a year's cycle with its meeting and invited organizations (coordinating agency)."""
    _check_span(body["starts_at"], body["ends_at"])
    scheduled = engine().schedule_meeting(
        actor(),
        year=body["year"],
        title_ru=body["title_ru"],
        title_en=body.get("title_en"),
        starts_at=body["starts_at"],
        ends_at=body["ends_at"],
        venue=body.get("venue"),
        timezone=body["timezone"],
        participant_org_ids=body.get("participant_org_ids", []),
    )
    return _detail(scheduled.meeting_id)


@blp.route(f"/<{ID}:meeting_id>", methods=["GET"])
@blp.response(200, MeetingDetailOut)
def get_meeting(meeting_id: int):
    """One meeting with participants, proposals, reports, minutes and decisions."""
    return _detail(meeting_id)


@blp.route(f"/<{ID}:meeting_id>/reschedule", methods=["POST"])
@blp.arguments(RescheduleIn)
@blp.response(200, MeetingDetailOut)
def reschedule(body, meeting_id: int):
    """Move the meeting; every reminder counted from its date is re-planned."""
    _detail(meeting_id)
    _check_span(body["starts_at"], body["ends_at"])
    engine().reschedule_meeting(
        meeting_id,
        actor(),
        starts_at=body["starts_at"],
        ends_at=body["ends_at"],
        venue=body.get("venue"),
        expected_sequence=body.get("expected_sequence"),
        confirm_day_off=body["confirm_day_off"],
    )
    return _detail(meeting_id)


@blp.route(f"/<{ID}:meeting_id>/cancel", methods=["POST"])
@blp.arguments(CancelIn)
@blp.response(200, MeetingDetailOut)
def cancel(body, meeting_id: int):
    """Cancel the meeting and its cycle; participants get a cancellation."""
    _detail(meeting_id)
    engine().cancel_meeting(meeting_id, actor(), body["reason"])
    return _detail(meeting_id)


@blp.route(f"/<{ID}:meeting_id>/held", methods=["POST"])
@blp.arguments(HeldIn)
@blp.response(200, MeetingDetailOut)
def held(body, meeting_id: int):
    """Record that the meeting took place."""
    _detail(meeting_id)
    engine().record_meeting_held(meeting_id, actor(), body.get("comment"))
    return _detail(meeting_id)


@blp.route(f"/<{ID}:meeting_id>/participants", methods=["POST"])
@blp.arguments(ParticipantsIn)
@blp.response(200, ParticipantsOut)
def participants(body, meeting_id: int):
    """Invite (``add``) and uninvite (``remove``) organizations before the meeting."""
    _detail(meeting_id)
    changed = engine().change_meeting_participants(
        meeting_id, actor(), add=body.get("add", []), remove=body.get("remove", [])
    )
    return {
        "added_org_ids": list(changed.added_org_ids),
        "removed_org_ids": list(changed.removed_org_ids),
    }


@blp.route(f"/<{ID}:meeting_id>/submissions", methods=["GET"])
@blp.response(200, SubmissionOut(many=True))
def list_submissions(meeting_id: int):
    """The proposals for the agenda and the reports on the year."""
    return _detail(meeting_id)["submissions"]


@blp.route(f"/<{ID}:meeting_id>/submissions", methods=["POST"])
@blp.arguments(SubmissionIn)
@blp.response(201, SubmissionOut)
def submit(body, meeting_id: int):
    """An invited organization's proposal (while proposals are collected) or report."""
    _detail(meeting_id)
    new_id = engine().submit_to_meeting(
        meeting_id, actor(), body["kind"], body["title"], body["text"]
    )
    return next(s for s in _detail(meeting_id)["submissions"] if s.id == new_id)


@blp.route(f"/<{ID}:meeting_id>/minutes", methods=["PUT"])
@blp.arguments(MinutesIn)
@blp.response(200, MeetingDetailOut)
def minutes(body, meeting_id: int):
    """Write (or re-write) the minutes; each decision becomes a task of its organization."""
    _detail(meeting_id)
    decisions = [DecisionInput(**d) for d in body["decisions"]]
    engine().record_minutes(meeting_id, actor(), body["text"], decisions)
    return _detail(meeting_id)


@blp.route(f"/decisions/<{ID}:decision_id>/complete", methods=["POST"])
@blp.arguments(CompleteIn)
@blp.response(200, DecisionOut)
def complete_decision(body, decision_id: int):
    """The responsible organization (or the agency) reports a decision done."""
    engine().complete_decision(decision_id, actor(), body.get("note"))
    with engine().uow(write=False) as uow:
        meeting_id = api_directory.decision_meeting(uow.session, decision_id)
    return next(d for d in _detail(meeting_id)["decisions"] if d.id == decision_id)


@blp.route(f"/<{ID}:meeting_id>/timeline", methods=["GET"])
@blp.arguments(MeetingTimelineArgs, location="query")
@blp.response(200, TimelineOut)
def timeline(args, meeting_id: int):
    """The meeting's planned dates and reminders; with ``starts_at``, what a move would do."""
    _detail(meeting_id)
    return timeline_json(meeting_timeline(engine(), meeting_id, starts_at=args.get("starts_at")))


class MinutesArgs(BaseSchema):
    lang = fields.String(
        validate=validate.OneOf(("ru", "en")), metadata={"description": "ru or en"}
    )


def _paper(media_type: str, description: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@blp.route(f"/<{ID}:meeting_id>/minutes.docx", methods=["GET"])
@blp.arguments(MinutesArgs, location="query")
@blp.doc(**_paper(DOCX, "The minutes (DOCX): meeting, participants, agenda, text, decisions."))
def minutes_docx(args, meeting_id: int):
    """The meeting's minutes with every decision as a Word document (``lang``: ru or en,
    default: the caller's language)."""
    return report_responses.minutes_docx(meeting_id, args.get("lang") or actor().language)


@blp.route(f"/<{ID}:meeting_id>/minutes.pdf", methods=["GET"])
@blp.arguments(MinutesArgs, location="query")
@blp.doc(**_paper("application/pdf", "The minutes (A4 PDF), page numbers at the foot."))
def minutes_pdf(args, meeting_id: int):
    """The meeting's minutes with every decision as an A4 PDF (``lang``: ru or en)."""
    return report_responses.minutes_pdf(meeting_id, args.get("lang") or actor().language)
