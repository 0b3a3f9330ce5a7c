"""The agreements list, the dashboard and the region page count a task's working days on the
calendar of the organization that performs it: the MFA's intake of a Tatarstan draft on the
federal calendar, which does not keep the republic's Constitution Day (6 November)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from tests.web import scenario
from workflow.clock import MOSCOW
from workflow.persistence.models import Organization


def sent_to_the_mfa(engine, world, clock, day: dt.date, calendar: str | None = None) -> int:
    """A regional agreement of RU-TST (on ``calendar``) sent to the federal bodies on ``day``:
    the MFA's intake task is open, due in 5 working days of the federal calendar."""
    if calendar:
        with engine.uow() as uow:
            uow.session.execute(
                update(Organization)
                .where(Organization.code == "RU-TST")
                .values(calendar_code=calendar)
            )
            uow.commit()
    clock.set(dt.datetime.combine(day, dt.time(9), tzinfo=MOSCOW))
    case_id = scenario.create_regional(engine, world, f"Соглашение от {day}")
    scenario.to_drafting(engine, world, case_id)
    engine.fire(case_id, "send_for_clearance", world.actor("ini"))
    engine.fire(case_id, "clear", world.actor("legal"))
    engine.fire(case_id, "clear", world.actor("head"))
    return case_id


def test_the_list_dashboard_and_region_page_count_a_federal_task_on_the_federal_calendar(
    engine, web_world, signed_in, clock
):
    # Sent on Wednesday 28 October 2026: the MFA's 5 working days are 29, 30 October, 2, 3
    # and 5 November (4 November is Unity Day).
    sent_to_the_mfa(engine, web_world, clock, dt.date(2026, 10, 28), calendar="RU-TA")
    # Monday 9 November: overdue by 6 and 9 November federally; in Tatarstan 6 November is a
    # holiday, and the region's calendar would say one day.
    clock.set(dt.datetime(2026, 11, 9, 12, 0, tzinfo=MOSCOW))
    coord = signed_in("coord")
    for page in ("/agreements", "/dashboard", "/regions/RU-TST"):
        html = coord.get(page).get_data(as_text=True)
        assert "overdue by 2 working days" in html, page
        assert "overdue by 1 working day<" not in html, page
