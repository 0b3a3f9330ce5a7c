"""A meeting's dependent dates move with it, and a day off is never accepted without a word.

The clock stands at Monday 2 March 2026; the meeting is planned for Friday 20 November 2026.
Proposals are due 30 days after the opening (1 April 2026), the regions' reports on the
meeting's year 32 days after its 31 December.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from workflow.clock import MOSCOW
from workflow.errors import TransitionNotAllowed
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import Reminder, Task
from workflow.services.meeting_dates import DayOffNotConfirmed, held_can_be_recorded

NOV_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=MOSCOW)
FEB_23 = dt.datetime(2027, 2, 23, 10, 0, tzinfo=MOSCOW)  # Defender of the Fatherland Day


def _schedule(world, starts=NOV_20):
    return world.engine.schedule_meeting(
        world.actor("coord"),
        year=starts.year,
        title_ru="Координационное совещание",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        venue="Москва",
        participant_org_ids=[world.org_id("RU-TA")],
    )


def _meeting(world, meeting_id) -> Meeting:
    with world.engine.uow(write=False) as uow:
        return uow.session.get(Meeting, meeting_id)


def _move(world, meeting_id, starts, **extra):
    return world.engine.reschedule_meeting(
        meeting_id,
        world.actor("coord"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        **extra,
    )


def test_a_move_to_a_public_holiday_needs_an_explicit_confirmation(domain_world):
    scheduled = _schedule(domain_world)
    with pytest.raises(DayOffNotConfirmed) as refused:
        _move(domain_world, scheduled.meeting_id, FEB_23)
    assert refused.value.day == dt.date(2027, 2, 23)
    assert refused.value.holiday == "Defender of the Fatherland Day"
    assert "2027-02-23" in refused.value.errors["starts_at"]
    assert _meeting(domain_world, scheduled.meeting_id).ical_sequence == 0  # nothing moved
    saturday = dt.datetime(2026, 11, 21, 10, 0, tzinfo=MOSCOW)
    with pytest.raises(DayOffNotConfirmed) as weekend:
        _move(domain_world, scheduled.meeting_id, saturday)
    assert weekend.value.holiday is None
    assert _move(domain_world, scheduled.meeting_id, FEB_23, confirm_day_off=True) == 1


def test_every_date_moves_with_the_meeting(domain_world):
    """Moved from 20 November 2026 to 23 February 2027 (95 days later) while the proposals are
    still being collected: the proposals deadline moves from 1 April to 5 July, a Sunday, so
    to Monday 6 July 2026, its task and reminders with it; the reports on the meeting's year,
    2027, are due after 31 December 2027 (1 February 2028), not on 1 February 2027, three
    weeks before it."""
    scheduled = _schedule(domain_world)
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert (meeting.proposals_due_on, meeting.reports_due_on) == (
        dt.date(2026, 4, 1),
        dt.date(2027, 2, 1),
    )
    _move(domain_world, scheduled.meeting_id, FEB_23, confirm_day_off=True)
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert meeting.proposals_due_on == dt.date(2026, 7, 6)
    assert meeting.reports_due_on == dt.date(2028, 2, 1)
    with domain_world.engine.uow(write=False) as uow:
        (task,) = uow.session.scalars(
            select(Task).where(Task.case_id == scheduled.case_id, Task.status == "open")
        ).all()
        pending = set(
            uow.session.scalars(
                select(Reminder.deadline_on).where(
                    Reminder.task_id == task.id, Reminder.status == "pending"
                )
            )
        )
    assert task.due_on == dt.date(2026, 7, 6)
    assert pending == {dt.date(2026, 7, 6)}


def test_meeting_held_is_offered_only_from_the_meetings_day(domain_world):
    scheduled = _schedule(domain_world)
    meeting = _meeting(domain_world, scheduled.meeting_id)
    assert not held_can_be_recorded(meeting.starts_at, MOSCOW, dt.date(2026, 9, 20))
    assert not held_can_be_recorded(meeting.starts_at, MOSCOW, dt.date(2026, 11, 19))
    assert held_can_be_recorded(meeting.starts_at, MOSCOW, dt.date(2026, 11, 20))
    with pytest.raises(TransitionNotAllowed):  # and the service agrees
        domain_world.engine.record_meeting_held(scheduled.meeting_id, domain_world.actor("coord"))
