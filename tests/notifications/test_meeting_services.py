"""End to end with the shipped definitions: the meeting services dispatch the events, the
reminder planner reacts in the same transaction, the worker mails invitations and updates."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from notifications.worker import Worker, WorkerConfig
from tests.domain.world import build_domain_world
from tests.notifications.helpers import calendar_of, reminders
from workflow.calendar.terms import add_working_days
from workflow.clock import MOSCOW
from workflow.definitions.directory import load_verified
from workflow.engine import Engine

NOV_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=MOSCOW)
DEC_4 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=MOSCOW)


@pytest.fixture
def shipped(db_url, clock):
    engine = Engine.create(db_url, load_verified(), clock=clock)
    yield engine, build_domain_world(engine)
    engine.dispose()


def _days(engine, org_id):
    rows = reminders(engine, kind="meeting", status="pending", org_id=org_id)
    return {r.data["before"]: r.due_at.astimezone(MOSCOW).date() for r in rows}


def test_the_meeting_services_plan_reminders_and_the_worker_mails_the_ical_updates(
    shipped, clock, mail_server, settings, policy
):
    engine, world = shipped
    coord = world.actor("coord")
    ta, spe = world.org_id("RU-TA"), world.org_id("RU-SPE")
    scheduled = engine.schedule_meeting(
        coord,
        year=2026,
        title_ru="Координационное совещание 2026",
        title_en="Coordinating meeting 2026",
        starts_at=NOV_20,
        ends_at=NOV_20 + dt.timedelta(hours=6),
        venue="Москва",
        participant_org_ids=[ta, spe],
    )
    # Tatarstan's Constitution Day (Friday 6 November) is a working day elsewhere: counted in
    # each region's own calendar, Tatarstan's early reminders come a working day sooner.
    tatarstan, petersburg = _days(engine, ta), _days(engine, spe)
    assert tatarstan["1 working_days"] == petersburg["1 working_days"] == dt.date(2026, 11, 19)
    assert tatarstan["14 working_days"] < petersburg["14 working_days"]
    ta_calendar = engine.catalog.calendars.for_region("RU-TA")
    assert tatarstan["14 working_days"] == add_working_days(ta_calendar, NOV_20.date(), -14)
    assert reminders(engine, kind="deadline", org_id=ta)  # proposals and reports

    worker = Worker(
        engine, settings, config=WorkerConfig(policy=policy), worker_id="w", rng=random.Random(1)
    )
    worker.run_once()
    invitations = mail_server.by_template("meeting_invitation")
    assert sorted(m["To"] for m in invitations) == ["spe_ini@example.test", "ta_ini@example.test"]

    assert (
        engine.reschedule_meeting(
            scheduled.meeting_id, coord, starts_at=DEC_4, ends_at=DEC_4 + dt.timedelta(hours=6)
        )
        == 1
    )
    old = [r for r in reminders(engine, kind="meeting") if r.deadline_on == NOV_20.date()]
    assert {r.status for r in old} == {"cancelled"}
    assert _days(engine, ta)["1 working_days"] == dt.date(2026, 12, 3)
    worker.run_once()
    (update,) = [m for m in mail_server.by_template("meeting_update") if "ta_ini" in m["To"]]
    event = calendar_of(update).walk("VEVENT")[0]
    assert (str(event["UID"]), event["SEQUENCE"]) == (scheduled.ical_uid, 1)

    engine.cancel_meeting(scheduled.meeting_id, coord, "Перенесено на следующий год")
    worker.run_once()
    (cancel,) = [m for m in mail_server.by_template("meeting_cancelled") if "ta_ini" in m["To"]]
    assert calendar_of(cancel)["METHOD"] == "CANCEL"
    assert calendar_of(cancel).walk("VEVENT")[0]["SEQUENCE"] == 2
    assert {r.status for r in reminders(engine, kind="meeting")} == {"cancelled"}
