"""A task that opens already overdue says why in the inbox: its legal term, counted from a date
of the case, ended before the task was opened (issue 13: no task is created overdue without a
reason)."""

from __future__ import annotations

import datetime as dt

from tests.web import scenario


def test_a_clearance_sent_after_its_lead_time_says_in_the_inbox_why_it_is_overdue(
    engine, web_world, signed_in, clock
):
    case_id = scenario.create_regional(engine, web_world)  # signing planned for 20 May 2026
    scenario.to_drafting(engine, web_world, case_id)
    clock.set(dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.UTC))  # after the 20 April lead date
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    html = signed_in("legal").get("/inbox?tab=claimable").get_data(as_text=True)
    assert "Overdue from the start" in html
    assert "Planned signing date" in html and "20 May 2026" in html and "4 May 2026" in html


def test_a_task_opened_in_time_gives_no_such_reason(engine, web_world, signed_in, clock):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    html = signed_in("legal").get("/inbox?tab=claimable").get_data(as_text=True)
    assert "Overdue from the start" not in html
