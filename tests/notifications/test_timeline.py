"""The what-if timeline: every deadline and reminder of a case or a meeting, with its rule, as
planned now and as a change of date would re-plan it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.integration.helpers import drafted_case, submitted_case
from tests.notifications.helpers import create_meeting, reminders, reschedule_meeting
from tests.support.world import build_world
from workflow.definitions.directory import load_directory
from workflow.engine import Engine
from workflow.errors import InvalidInput, NotFound
from workflow.reminders.timeline import case_timeline, meeting_timeline

UTC = dt.UTC
D = dt.date
COUNTDOWN = Path(__file__).parent / "fixtures" / "definitions"


def _brief(entries):
    return [(e.on, e.kind, e.status) for e in entries]


def test_a_drafts_timeline_lists_its_task_reminders_and_the_backward_submission_deadline(
    engine, world
):
    case_id = drafted_case(engine, world, planned="2026-05-20")
    timeline = case_timeline(engine, case_id, actor=world.actor("ini"))
    assert _brief(timeline.entries) == [
        (D(2026, 3, 12), "reminder", "pending"),
        (D(2026, 3, 16), "reminder", "pending"),
        (D(2026, 3, 17), "task_due", "open"),
        (D(2026, 3, 18), "escalation", "pending"),
        (D(2026, 4, 20), "backward_deadline", "upcoming"),
        (D(2026, 5, 20), "planned_date", "upcoming"),
    ]
    (rule,) = timeline.of_kind("backward_deadline")
    assert rule.rule == (
        "'submit' no later than 1 months before planned_signing_date (parameter submission_lead)"
    )
    assert rule.source == "definition review_loop: transition 'submit', guard lead_time"
    first = timeline.of_kind("reminder")[0]
    assert first.rule == "3 working_days before the deadline of 'drafting'"


def test_what_if_signing_moved_earlier_shows_the_submission_deadline_already_missed(engine, world):
    case_id = drafted_case(engine, world, planned="2026-05-20")
    timeline = case_timeline(engine, case_id, what_if={"planned_signing_date": "2026-03-25"})
    (deadline,) = timeline.of_kind("backward_deadline")
    assert (deadline.on, deadline.status, deadline.was_on) == (
        D(2026, 2, 25),
        "missed",
        D(2026, 4, 20),
    )
    assert deadline.hypothetical
    assert timeline.what_if == {"planned_signing_date": "2026-03-25"}
    # Nothing was written: the real plan is untouched.
    assert case_timeline(engine, case_id).of_kind("backward_deadline")[0].on == D(2026, 4, 20)


def test_what_if_matches_what_moving_the_date_really_plans(db_url, clock):
    engine = Engine.create(db_url, load_directory(COUNTDOWN).raise_for_errors(), clock=clock)
    try:
        world = build_world(engine)
        ini = world.actor("ini")
        case = engine.create_case(
            ini,
            "signing_countdown",
            fields={"title": "Соглашение", "planned_signing_date": "2026-04-30"},
        )
        # Due 5 working days before 30 April: Thursday 23 April; reminder 3 before: 20 April.
        now = case_timeline(engine, case.id)
        assert _brief(now.of_kind("task_due", "reminder", "escalation")) == [
            (D(2026, 4, 20), "reminder", "pending"),
            (D(2026, 4, 23), "task_due", "open"),
            (D(2026, 4, 24), "escalation", "pending"),
        ]
        what_if = case_timeline(engine, case.id, what_if={"planned_signing_date": "2026-05-29"})
        assert _brief(what_if.of_kind("task_due", "reminder", "escalation")) == [
            (D(2026, 4, 20), "reminder", "would_cancel"),
            (D(2026, 4, 24), "escalation", "would_cancel"),
            (D(2026, 5, 19), "reminder", "projected"),
            (D(2026, 5, 22), "task_due", "open"),
            (D(2026, 5, 25), "escalation", "projected"),
        ]
        (due,) = what_if.of_kind("task_due")
        assert (due.hypothetical, due.was_on) == (True, D(2026, 4, 23))

        engine.update_fields(case.id, ini, {"planned_signing_date": "2026-05-29"})
        real = case_timeline(engine, case.id)
        projected = [
            (e.on, e.at, e.kind) for e in what_if.entries if e.status in ("projected", "open")
        ]
        planned = [
            (e.on, e.at, e.kind)
            for e in real.of_kind("task_due", "reminder", "escalation")
            if e.status in ("pending", "open")
        ]
        assert planned == projected
    finally:
        engine.dispose()


def test_a_returned_draft_shows_its_paused_review_clock(engine, world, clock):
    case_id = submitted_case(engine, world)
    clock.advance(days=3)
    engine.fire(case_id, "return_for_revision", world.actor("mfa"), comment="Уточнить")
    timeline = case_timeline(engine, case_id)
    (due,) = timeline.of_kind("sla_due")
    (pause,) = timeline.of_kind("sla_pause")
    assert (due.on, due.status) == (D(2026, 4, 1), "paused")
    assert (pause.on, pause.status) == (D(2026, 3, 5), "paused")
    assert pause.rule == "clock of 'review' paused while in 'revision' (still paused)"


def test_someone_who_cannot_see_the_case_cannot_see_its_timeline(engine, world):
    case_id = drafted_case(engine, world)
    with pytest.raises(NotFound):
        case_timeline(engine, case_id, actor=world.actor("other"))
    with pytest.raises(InvalidInput):
        case_timeline(engine, case_id, what_if={"planned_signing_date": "someday"})


def test_a_meetings_what_if_shows_the_reminders_a_reschedule_would_plan(engine, world):
    may_20 = dt.datetime(2026, 5, 20, 7, 0, tzinfo=UTC)
    june_3 = dt.datetime(2026, 6, 3, 7, 0, tzinfo=UTC)
    meeting_id = create_meeting(engine, world, starts_at=may_20, proposals_due_on=D(2026, 4, 15))
    what_if = meeting_timeline(engine, meeting_id, starts_at=june_3)
    (meeting,) = what_if.of_kind("meeting_date")
    assert (meeting.on, meeting.was_on) == (D(2026, 6, 3), D(2026, 5, 20))
    assert meeting.hypothetical
    assert {e.status for e in what_if.of_kind("meeting")} == {"would_cancel", "projected"}
    assert {e.status for e in what_if.of_kind("deadline")} == {"pending"}  # proposals stay
    projected = sorted(e.at for e in what_if.of_kind("meeting") if e.status == "projected")

    reschedule_meeting(engine, meeting_id, june_3)
    planned = sorted(r.due_at for r in reminders(engine, kind="meeting", status="pending"))
    assert planned == projected
    after = meeting_timeline(engine, meeting_id)
    assert {e.status for e in after.of_kind("meeting") if e.on < D(2026, 5, 20)} >= {"cancelled"}
