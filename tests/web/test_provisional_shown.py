"""A due date in a year whose production calendar is not known yet (2028: no transfer decree
yet) is shown as provisional on the agreement page and in the API's tasks, timeline and list."""

from __future__ import annotations

import datetime as dt

from tests.web.test_performer_calendar import sent_to_the_mfa


def test_a_due_date_in_an_unknown_year_is_provisional_on_the_page_and_in_the_api(
    engine, web_world, signed_in, clock
):
    # Sent on Monday 27 December 2027: the MFA's 5 working days run into January 2028.
    case_id = sent_to_the_mfa(engine, web_world, clock, dt.date(2027, 12, 27))
    mfa = signed_in("mfa")

    (task,) = mfa.client.get("/api/v1/tasks?scope=claimable").get_json()["items"]
    assert task["due_on"].startswith("2028-") and task["provisional"] is True

    timeline = mfa.client.get(f"/api/v1/agreements/{case_id}/timeline").get_json()
    due = [e for e in timeline["entries"] if e["kind"] == "task_due" and e["status"] == "open"]
    assert [e["provisional"] for e in due] == [True]
    assert all(not e["provisional"] for e in timeline["entries"] if e["on"] < "2028-01-01")

    (listed,) = mfa.client.get("/api/v1/agreements").get_json()["items"]
    assert listed["next_due"].startswith("2028-") and listed["next_due_provisional"] is True

    page = mfa.get(f"/agreements/{case_id}").get_data(as_text=True)
    tasks = page[page.index('id="tasks-h"') :]
    deadlines = page[page.index('id="deadlines-h"') : page.index('id="tasks-h"')]
    assert ">provisional<" in tasks and ">provisional<" in deadlines


def test_a_due_date_in_a_known_year_is_not_provisional(engine, web_world, signed_in, clock):
    sent_to_the_mfa(engine, web_world, clock, dt.date(2027, 12, 1))
    mfa = signed_in("mfa")
    (task,) = mfa.client.get("/api/v1/tasks?scope=claimable").get_json()["items"]
    assert task["due_on"].startswith("2027-") and task["provisional"] is False
    (listed,) = mfa.client.get("/api/v1/agreements").get_json()["items"]
    assert listed["next_due_provisional"] is False
