import datetime as dt

from tests.web import scenario


def test_pages_render(engine, web_world, signed_in, clock):
    w = web_world
    signed = scenario.create_regional(engine, w)
    scenario.to_registered(engine, w, clock, signed)
    plan = scenario.adopted_plan(engine, w, signed)
    case_id = scenario.create_regional(engine, w, "Второе")
    scenario.returned_and_resubmitted(engine, w, case_id)
    m = engine.schedule_meeting(
        w.actor("coord"),
        year=2026,
        title_ru="Совещание",
        starts_at=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
        venue="Москва",
        participant_org_ids=[w.org_id("RU-TST")],
    )
    ini = signed_in("ini")
    for path in [
        "/inbox",
        "/inbox?tab=done",
        "/agreements",
        f"/agreements/{case_id}",
        f"/agreements/{plan}",
        "/regions/RU-TST",
        "/public",
        "/public/regions/RU-TST",
        "/public/regions/RU-TST/calendar.ics",
        "/meetings",
        "/meetings/calendar",
        "/settings/substitutions",
        "/agreements/new",
        "/agreements/new?kind=regional_agreement",
        "/agreements.csv",
        f"/meetings/{m.meeting_id}",
        f"/agreements/{case_id}/documents/ru/diff?a=1&b=2",
    ]:
        r = ini.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:3000])
    mfa = signed_in("mfa")
    for path in ["/inbox", "/inbox?tab=claimable", f"/agreements/{case_id}", "/dashboard"]:
        r = mfa.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:3000])
    coord = signed_in("coord")
    for path in [
        f"/meetings/{m.meeting_id}",
        f"/meetings/{m.meeting_id}/reschedule",
        "/dashboard?period=12m",
        "/dashboard?period=year&year=2026",
    ]:
        r = coord.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:3000])
    admin = signed_in("admin")
    for path in [
        "/admin/users",
        "/admin/users/new",
        "/admin/orgs",
        "/admin/orgs/import",
        "/admin/definitions",
        "/admin/definitions/regional_agreement",
        "/admin/outbox",
        "/admin/mailbox",
        "/dashboard",
        f"/admin/users/{w.user_id('ini')}",
    ]:
        r = admin.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:3000])
