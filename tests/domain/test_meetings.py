"""The coordinating meeting services: schedule, move, cancel, hold, invite, collect proposals and
reports, write the minutes whose decisions become follow-up tasks.

The clock stands at Monday 2 March 2026; the meeting is planned for Friday 20 November 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from workflow.audit import verify_case
from workflow.clock import MOSCOW
from workflow.errors import (
    ConcurrentUpdate,
    Conflict,
    InvalidInput,
    PermissionDenied,
    TransitionNotAllowed,
)
from workflow.events import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
)
from workflow.persistence.meetings import Meeting, MeetingDecision
from workflow.persistence.models import Case, Reminder, Task
from workflow.services.meeting_minutes import DecisionInput

NOV_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=MOSCOW)


@pytest.fixture
def events(domain_world):
    """The domain events the engine dispatches during the test."""
    seen: list = []

    def record(ctx, batch):
        seen.extend(batch)

    domain_world.engine.add_handler(record)
    yield seen
    domain_world.engine.handlers.remove(record)


def _schedule(world, starts=NOV_20, participants=("RU-TA", "RU-SPE")):
    return world.engine.schedule_meeting(
        world.actor("coord"),
        year=starts.year,
        title_ru="Координационное совещание",
        title_en="Coordinating meeting",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        venue="Москва",
        participant_org_ids=[world.org_id(code) for code in participants],
    )


def _meeting(world, meeting_id) -> Meeting:
    with world.engine.uow(write=False) as uow:
        meeting = uow.session.get(Meeting, meeting_id)
        meeting.participant_ids = sorted(p.org_id for p in meeting.participants)
        return meeting


def _case(world, case_id) -> Case:
    with world.engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _open_tasks(world, case_id, state=None):
    with world.engine.uow(write=False) as uow:
        query = select(Task).where(Task.case_id == case_id, Task.status == "open")
        if state:
            query = query.where(Task.state == state)
        return list(uow.session.scalars(query.order_by(Task.id)))


def test_scheduling_opens_the_cycle_with_a_fixed_uid_and_sequence_zero(domain_world, events):
    scheduled = _schedule(domain_world)
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert (meeting.ical_uid, meeting.ical_sequence, meeting.status) == (
        scheduled.ical_uid,
        0,
        "planned",
    )
    assert meeting.participant_ids == sorted(domain_world.org_id(c) for c in ("RU-TA", "RU-SPE"))
    # Proposals within 30 days of 2 March (1 April); reports by 1 February of the next year.
    assert meeting.proposals_due_on == dt.date(2026, 4, 1)
    assert meeting.reports_due_on == dt.date(2027, 2, 1)
    case = _case(domain_world, scheduled.case_id)
    assert (case.kind, case.state, case.planned_date) == (
        "coordination_cycle",
        "planning_opened",
        dt.date(2026, 11, 20),
    )
    assert [e for e in events if isinstance(e, MeetingScheduled)] == [
        MeetingScheduled(scheduled.meeting_id, scheduled.case_id)
    ]


def test_only_the_coordinating_agency_schedules(domain_world):
    with pytest.raises(PermissionDenied):
        domain_world.engine.schedule_meeting(
            domain_world.actor("ta_ini"),
            year=2026,
            title_ru="Совещание",
            starts_at=NOV_20,
            ends_at=NOV_20 + dt.timedelta(hours=1),
        )


def test_a_foreign_partner_cannot_be_invited(domain_world):
    with pytest.raises(InvalidInput):
        _schedule(domain_world, participants=("RU-TA", "CN-HLJ"))


def test_moving_the_meeting_bumps_the_sequence_and_replans_the_invitation_deadline(
    domain_world, events
):
    engine, coord = domain_world.engine, domain_world.actor("coord")
    scheduled = _schedule(domain_world)
    engine.fire(scheduled.case_id, "close_proposals", coord)
    engine.fire(scheduled.case_id, "approve_agenda", coord)
    # Invitations 20 working days before Friday 20 November (4 November is a holiday): 22 Oct.
    (task,) = _open_tasks(domain_world, scheduled.case_id)
    assert task.due_on == dt.date(2026, 10, 22)

    new_start = dt.datetime(2026, 12, 4, 10, 0, tzinfo=MOSCOW)
    sequence = engine.reschedule_meeting(
        scheduled.meeting_id,
        coord,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=6),
        expected_sequence=0,
    )
    assert sequence == 1
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert (meeting.ical_uid, meeting.ical_sequence) == (scheduled.ical_uid, 1)
    assert _case(domain_world, scheduled.case_id).fields["meeting_date"] == "2026-12-04"
    (task,) = _open_tasks(domain_world, scheduled.case_id)
    assert task.due_on == dt.date(2026, 11, 6)  # 20 working days before 4 December
    with domain_world.engine.uow(write=False) as uow:
        pending = uow.session.scalars(
            select(Reminder.deadline_on).where(
                Reminder.task_id == task.id, Reminder.status == "pending"
            )
        ).all()
    assert set(pending) == {dt.date(2026, 11, 6)}
    assert [e for e in events if isinstance(e, MeetingRescheduled)] == [
        MeetingRescheduled(scheduled.meeting_id, scheduled.case_id, NOV_20, new_start, 1)
    ]
    with pytest.raises(ConcurrentUpdate):  # someone moved it already
        engine.reschedule_meeting(
            scheduled.meeting_id,
            coord,
            starts_at=NOV_20,
            ends_at=NOV_20 + dt.timedelta(hours=6),
            expected_sequence=0,
        )


def test_the_meeting_date_is_not_an_ordinary_editable_field(domain_world):
    scheduled = _schedule(domain_world)
    with pytest.raises(InvalidInput):
        domain_world.engine.update_fields(
            scheduled.case_id, domain_world.actor("coord"), {"meeting_date": "2026-12-01"}
        )


def test_cancelling_notifies_through_the_services_and_a_bare_trigger_is_refused(
    domain_world, events
):
    engine, coord = domain_world.engine, domain_world.actor("coord")
    scheduled = _schedule(domain_world)
    with pytest.raises(TransitionNotAllowed) as bare:
        engine.fire(scheduled.case_id, "cancel", coord, comment="Отмена")
    assert "meeting" in bare.value.message
    engine.cancel_meeting(scheduled.meeting_id, coord, "Перенос на следующий год")
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert (meeting.status, meeting.ical_sequence) == ("cancelled", 1)
    assert _case(domain_world, scheduled.case_id).state == "cancelled"
    assert MeetingCancelled(scheduled.meeting_id, scheduled.case_id, 1) in events
    with pytest.raises(Conflict):
        engine.reschedule_meeting(
            scheduled.meeting_id, coord, starts_at=NOV_20, ends_at=NOV_20 + dt.timedelta(hours=1)
        )


def test_participants_change_only_when_something_changes(domain_world, events):
    engine, coord = domain_world.engine, domain_world.actor("coord")
    scheduled = _schedule(domain_world, participants=("RU-TA",))
    ta, spe, pri = (domain_world.org_id(c) for c in ("RU-TA", "RU-SPE", "RU-PRI"))
    changed = engine.change_meeting_participants(
        scheduled.meeting_id, coord, add=[ta, spe, pri], remove=[]
    )
    assert (changed.added_org_ids, changed.removed_org_ids) == ((spe, pri), ())
    engine.change_meeting_participants(scheduled.meeting_id, coord, remove=[pri])
    assert _meeting(domain_world, scheduled.meeting_id).participant_ids == sorted([ta, spe])
    nothing = engine.change_meeting_participants(scheduled.meeting_id, coord, add=[ta])
    assert nothing.added_org_ids == () and nothing.removed_org_ids == ()
    assert [e for e in events if isinstance(e, ParticipantsChanged)] == [
        ParticipantsChanged(scheduled.meeting_id, scheduled.case_id, (spe, pri), ()),
        ParticipantsChanged(scheduled.meeting_id, scheduled.case_id, (), (pri,)),
    ]
    with pytest.raises(PermissionDenied):
        engine.change_meeting_participants(
            scheduled.meeting_id, domain_world.actor("ta_ini"), add=[pri]
        )


def test_invited_regions_send_proposals_while_they_are_collected(domain_world):
    engine = domain_world.engine
    scheduled = _schedule(domain_world, participants=("RU-TA",))
    engine.submit_to_meeting(
        scheduled.meeting_id, domain_world.actor("ta_ini"), "proposal", "Дни культуры", "Текст"
    )
    with pytest.raises(PermissionDenied):
        engine.submit_to_meeting(
            scheduled.meeting_id, domain_world.actor("spe_ini"), "proposal", "Форум", "Текст"
        )
    engine.fire(scheduled.case_id, "close_proposals", domain_world.actor("coord"))
    with pytest.raises(Conflict):
        engine.submit_to_meeting(
            scheduled.meeting_id, domain_world.actor("ta_ini"), "proposal", "Поздно", "Текст"
        )
    engine.submit_to_meeting(
        scheduled.meeting_id, domain_world.actor("ta_ini"), "report", "Отчёт за год", "Текст"
    )


def _held(world):
    """A meeting scheduled for today and held."""
    today = world.engine.today()
    starts = dt.datetime.combine(today, dt.time(10), tzinfo=MOSCOW)
    scheduled = _schedule(world, starts=starts)
    engine, coord = world.engine, world.actor("coord")
    for trigger in ("close_proposals", "approve_agenda", "send_invitations"):
        engine.fire(scheduled.case_id, trigger, coord)
    with pytest.raises(TransitionNotAllowed):  # the meeting page does it, updating the row
        engine.fire(scheduled.case_id, "record_meeting_held", coord)
    engine.record_meeting_held(scheduled.meeting_id, coord)
    return scheduled


def test_decisions_of_the_minutes_become_follow_up_tasks_that_outlive_the_cycles_steps(
    domain_world,
):
    engine, coord = domain_world.engine, domain_world.actor("coord")
    scheduled = _held(domain_world)
    with pytest.raises(TransitionNotAllowed):
        engine.fire(scheduled.case_id, "submit_minutes", coord)  # no minutes yet
    ta, minec = domain_world.org_id("RU-TA"), domain_world.org_id("MINEC")
    with pytest.raises(InvalidInput):  # a federal body's decision needs its acting role
        engine.record_minutes(
            scheduled.meeting_id, coord, "Протокол", [DecisionInput("Методика", minec)]
        )
    decision_ids = engine.record_minutes(
        scheduled.meeting_id,
        coord,
        "Протокол совещания",
        [
            DecisionInput("Провести Дни Татарстана в Харбине", ta, dt.date(2026, 9, 30)),
            DecisionInput("Подготовить методику", minec, dt.date(2026, 6, 30), "minec_reviewer"),
        ],
    )
    follow_ups = _open_tasks(domain_world, scheduled.case_id, state="decision")
    assert sorted((t.role, t.org_id) for t in follow_ups) == sorted(
        [("initiator", ta), ("minec_reviewer", minec)]
    )
    engine.fire(scheduled.case_id, "submit_minutes", coord)
    engine.fire(scheduled.case_id, "agree_minutes", domain_world.actor("mfa"))
    engine.fire(scheduled.case_id, "agree_minutes", domain_world.actor("minec"))
    assert _case(domain_world, scheduled.case_id).state == "minutes_agreed"
    assert len(_open_tasks(domain_world, scheduled.case_id, state="decision")) == 2

    with pytest.raises(PermissionDenied):  # not Saint Petersburg's decision
        engine.complete_decision(decision_ids[0], domain_world.actor("spe_ini"))
    engine.complete_decision(decision_ids[0], domain_world.actor("ta_ini"), "Проведены")
    with engine.uow(write=False) as uow:
        s = uow.session
        decision = s.get(MeetingDecision, decision_ids[0])
        task = s.get(Task, decision.task_id)
        pending = s.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.task_id == task.id, Reminder.status == "pending")
        )
        assert (decision.status, task.status, pending) == ("done", "done", 0)
        assert verify_case(s, scheduled.case_id) is None
    with pytest.raises(Conflict):
        engine.complete_decision(decision_ids[0], domain_world.actor("ta_ini"))


def test_rewriting_the_minutes_cancels_the_previous_drafts_decisions(domain_world):
    engine, coord = domain_world.engine, domain_world.actor("coord")
    scheduled = _held(domain_world)
    ta = domain_world.org_id("RU-TA")
    first = engine.record_minutes(
        scheduled.meeting_id, coord, "Проект", [DecisionInput("Первое", ta, dt.date(2026, 9, 1))]
    )
    engine.fire(scheduled.case_id, "submit_minutes", coord)
    engine.fire(scheduled.case_id, "return_minutes", domain_world.actor("mfa"), comment="Правки")
    second = engine.record_minutes(
        scheduled.meeting_id, coord, "Протокол", [DecisionInput("Второе", ta, dt.date(2026, 9, 1))]
    )
    with engine.uow(write=False) as uow:
        statuses = {
            d.id: (d.number, d.status)
            for d in uow.session.scalars(
                select(MeetingDecision).where(MeetingDecision.meeting_id == scheduled.meeting_id)
            )
        }
    assert statuses == {first[0]: (1, "cancelled"), second[0]: (2, "open")}
    assert len(_open_tasks(domain_world, scheduled.case_id, state="decision")) == 1


def test_a_meeting_is_neither_planned_nor_moved_into_the_past(domain_world):
    yesterday = dt.datetime.combine(
        domain_world.engine.today() - dt.timedelta(days=1), dt.time(10), tzinfo=MOSCOW
    )
    with pytest.raises(InvalidInput):
        _schedule(domain_world, starts=yesterday)
    scheduled = _schedule(domain_world)
    with pytest.raises(InvalidInput):
        domain_world.engine.reschedule_meeting(
            scheduled.meeting_id,
            domain_world.actor("coord"),
            starts_at=yesterday,
            ends_at=yesterday + dt.timedelta(hours=2),
        )
    assert _meeting(domain_world, scheduled.meeting_id).ical_sequence == 0
