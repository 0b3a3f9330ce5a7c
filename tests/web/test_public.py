"""The public pages: only what a definition marks public, no people, no drafts; the iCal feed."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from tests.web import scenario
from tests.web.conftest import USERS


def _meeting(engine, world, **changes):
    details = dict(
        year=2026,
        title_ru="Координационное совещание 2026",
        starts_at=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
        venue="Москва, Воздвиженка, 18",
        participant_org_ids=[world.org_id("RU-TST")],
    )
    details.update(changes)
    return engine.schedule_meeting(world.actor("coord"), **details)


def test_the_public_page_never_shows_a_case_before_it_is_signed(engine, web_world, browser, clock):
    case_id = scenario.create_regional(engine, web_world, "Будущее соглашение")
    page = lambda: browser.get("/public/regions/RU-TST").get_data(as_text=True)  # noqa: E731
    assert "Будущее соглашение" not in page()
    scenario.to_federal_review(engine, web_world, case_id)
    assert "Будущее соглашение" not in page()
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", web_world.actor(reviewer))
    assert "Будущее соглашение" not in page()


def test_signed_agreements_and_adopted_plans_are_public_without_people_or_remarks(
    engine, web_world, browser, clock
):
    signed = scenario.create_regional(engine, web_world, "Подписанное соглашение")
    scenario.to_registered(engine, web_world, clock, signed)
    plan = scenario.adopted_plan(engine, web_world, signed)
    draft = scenario.create_regional(engine, web_world, "Черновик соглашения")
    response = browser.get("/public/regions/RU-TST")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Подписанное соглашение" in html and "Провинция Хэйлунцзян" in html
    assert "План мероприятий на 2026–2027 годы" in html and "Летняя школа для студентов" in html
    assert "Черновик соглашения" not in html
    for _username, _org, _roles, full_name in USERS:
        assert full_name not in html  # no officials' names
    assert "Уточните статью 2" not in html  # no reviewers' remarks
    assert "Ван Лэй" not in html and "Головин" not in html  # no signatories
    assert f"/agreements/{signed}" not in html and f"/agreements/{plan}" not in html
    assert f"/agreements/{draft}" not in html


def test_an_unknown_region_is_404(browser):
    assert browser.get("/public/regions/XX-NONE").status_code == 404
    assert browser.get("/public/regions/MFA").status_code == 404  # not a region


def test_the_public_index_lists_the_regions(browser):
    html = browser.get("/public").get_data(as_text=True)
    assert "/public/regions/RU-TST" in html and "/public/regions/RU-OTH" in html
    assert "/public/regions/MFA" not in html


def test_the_ical_feed_has_meetings_with_stable_uids_and_public_deadlines(
    engine, web_world, browser, clock
):
    signed = scenario.create_regional(engine, web_world)
    scenario.to_registered(engine, web_world, clock, signed)
    scenario.adopted_plan(engine, web_world, signed)
    meeting = _meeting(engine, web_world)
    _meeting(  # another region's meeting stays out of this feed
        engine,
        web_world,
        title_ru="Совещание другого региона",
        participant_org_ids=[web_world.org_id("RU-OTH")],
    )
    response = browser.get("/public/regions/RU-TST/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert meeting.ical_uid in events
    event = events[meeting.ical_uid]
    assert str(event["SUMMARY"]) == "Координационное совещание 2026"
    assert event.decoded("DTSTART") == dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC)
    assert int(event["SEQUENCE"]) == 0
    summaries = [str(e["SUMMARY"]) for e in events.values()]
    assert any(s.startswith("Летняя школа для студентов") for s in summaries)
    assert any(s.startswith("Предложения к совещанию") for s in summaries)
    assert not any("другого региона" in s for s in summaries)
    engine.reschedule_meeting(
        meeting.meeting_id,
        web_world.actor("coord"),
        starts_at=dt.datetime(2026, 10, 27, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 27, 12, tzinfo=dt.UTC),
    )
    moved = Calendar.from_ical(browser.get("/public/regions/RU-TST/calendar.ics").data)
    event = next(e for e in moved.walk("VEVENT") if str(e["UID"]) == meeting.ical_uid)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == dt.datetime(2026, 10, 27, 7, tzinfo=dt.UTC)
