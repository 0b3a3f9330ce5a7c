"""The reschedule page warns about a day off and asks for a confirmation; the meeting page
offers "held" only from the meeting's day."""

from __future__ import annotations

import datetime as dt

from tests.web.test_admin_and_meetings import _meeting
from workflow.clock import MOSCOW
from workflow.persistence.meetings import Meeting


def test_a_move_to_a_holiday_asks_for_a_confirmation(engine, web_world, signed_in):
    meeting = _meeting(engine, web_world)
    coord = signed_in("coord")
    page = f"/meetings/{meeting.meeting_id}/reschedule"
    form = {"day": "2027-02-23", "starts": "10:00", "ends": "15:00", "expected_sequence": 0}
    warned = coord.post(page, form, form_page=page)
    assert warned.status_code == 200
    text = warned.get_data(as_text=True)
    assert "23 February 2027 is a public holiday (Defender of the Fatherland Day)" in text
    assert 'name="confirm_day_off"' in text
    assert 'value="2027-02-23"' in text  # the form keeps the day typed
    with engine.uow(write=False) as uow:
        assert uow.session.get(Meeting, meeting.meeting_id).ical_sequence == 0
    moved = coord.post(page, {**form, "confirm_day_off": "1"}, form_page=page)
    assert moved.status_code == 303
    with engine.uow(write=False) as uow:
        row = uow.session.get(Meeting, meeting.meeting_id)
    assert row.starts_at.astimezone(MOSCOW).date() == dt.date(2027, 2, 23)


def test_held_is_offered_only_on_or_after_the_meetings_day(engine, web_world, signed_in, clock):
    meeting = _meeting(engine, web_world)
    coord = signed_in("coord")
    page = f"/meetings/{meeting.meeting_id}"
    assert "Record that the meeting was held" not in coord.get(page).get_data(as_text=True)
    clock.set(dt.datetime(2026, 10, 20, 16, tzinfo=MOSCOW))
    assert "Record that the meeting was held" in coord.get(page).get_data(as_text=True)


def test_the_holiday_is_named_in_the_readers_language(engine, web_world, app):
    from tests.web.conftest import Browser

    meeting = _meeting(engine, web_world)
    coord = Browser(app.test_client(), lang="ru")
    assert coord.login("coord").status_code == 303
    page = f"/meetings/{meeting.meeting_id}/reschedule"
    form = {"day": "2027-02-23", "starts": "10:00", "ends": "15:00", "expected_sequence": 0}
    text = coord.post(page, form, form_page=page).get_data(as_text=True)
    assert "День защитника Отечества" in text and "Defender of the Fatherland" not in text
