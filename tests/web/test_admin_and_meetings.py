"""Administration pages and the meeting pages."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import insert, select

from tests.web.conftest import PASSWORD, Browser
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import Organization, OutboxMessage, User, UserRole


def test_an_admin_creates_a_user_who_can_then_sign_in(engine, web_world, signed_in, app):
    admin = signed_in("admin")
    response = admin.post(
        "/admin/users/new",
        {
            "username": "new.reviewer",
            "full_name": "Новый Рецензент",
            "org_code": "MINEC",
            "roles": ["minec_reviewer"],
            "language": "ru",
            "password": "a-long-enough-password",
        },
        form_page="/admin/users/new",
    )
    assert response.status_code == 303
    assert (
        Browser(app.test_client()).login("new.reviewer", "a-long-enough-password").status_code
        == 303
    )


def test_a_bad_new_user_is_refused_with_the_reason(engine, web_world, signed_in):
    response = signed_in("admin").post(
        "/admin/users/new",
        {"username": "X Y", "org_code": "MINEC", "password": "short"},
        form_page="/admin/users/new",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at least 12 characters" in html


def test_an_admin_changes_roles_and_deactivates_a_user(engine, web_world, signed_in, app):
    admin = signed_in("admin")
    user_id = web_world.user_id("ini2")
    admin.post(
        f"/admin/users/{user_id}",
        {"what": "roles", "roles": ["initiator", "legal_office"]},
        form_page=f"/admin/users/{user_id}",
    )
    with engine.uow(write=False) as uow:
        roles = set(uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    assert roles == {"initiator", "legal_office"}
    session = Browser(app.test_client())
    assert session.login("ini2").status_code == 303
    admin.post(f"/admin/users/{user_id}", {"what": "deactivate"}, form_page="/admin/users")
    assert session.get("/inbox").status_code == 302  # her session ends at once
    assert Browser(app.test_client()).login("ini2", PASSWORD).status_code == 401
    with engine.uow(write=False) as uow:
        assert uow.session.scalar(select(User.is_active).where(User.id == user_id)) is False


def test_an_admin_cannot_lock_herself_out(engine, web_world, signed_in):
    admin = signed_in("admin")
    me = web_world.user_id("admin")
    response = admin.post(f"/admin/users/{me}", {"what": "deactivate"}, form_page="/admin/users")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot deactivate your own account" in page
    assert admin.get("/admin/users").status_code == 200


def test_the_csv_import_reports_bad_lines_and_imports_nothing(engine, web_world, signed_in):
    admin = signed_in("admin")
    token = admin.csrf_from("/admin/orgs/import")
    bad = (
        "code,kind,name_ru,parent_code,country\n"
        "RU-NEW,region,Новая область,,\n"
        "RU-NEW-X,municipality,Город,RU-NOWHERE,\n"
        "DE-BY,foreign_partner,Бавария,,\n"
    )
    response = admin.client.post(
        "/admin/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "orgs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "line 3" in html and "RU-NOWHERE" in html and "line 4" in html
    with engine.uow(write=False) as uow:
        assert (
            uow.session.scalar(select(Organization.id).where(Organization.code == "RU-NEW")) is None
        )
    good = "code,kind,name_ru,country\nDE-BY,foreign_partner,Бавария,DE\n"
    response = admin.post("/admin/orgs/import", {"text": good}, form_page="/admin/orgs/import")
    assert response.status_code == 303
    assert "Бавария" in admin.get("/admin/orgs?kind=foreign_partner").get_data(as_text=True)


def test_a_dead_message_is_listed_and_retried(engine, web_world, signed_in, clock):
    now = clock.now()
    with engine.uow() as uow:
        outbox_id = uow.session.scalar(
            insert(OutboxMessage)
            .returning(OutboxMessage.id)
            .values(
                idempotency_key="dead-1",
                channel="email",
                template="task_opened",
                recipient="nobody@example.test",
                payload={},
                message_id="<dead-1@soglasie.local>",
                status="dead",
                attempts=8,
                next_attempt_at=now,
                created_at=now,
                last_error="550 5.1.1 mailbox unavailable",
            )
        )
        uow.commit()
    admin = signed_in("admin")
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in html and "nobody@example.test" in html
    admin.post(f"/admin/outbox/{outbox_id}/retry", form_page="/admin/outbox")
    with engine.uow(write=False) as uow:
        row = uow.session.get(OutboxMessage, outbox_id)
    assert (row.status, row.attempts) == ("pending", 0)
    assert "Every message has been delivered." in admin.get("/admin/outbox").get_data(as_text=True)


def test_the_unsubscribe_link_turns_email_off_without_signing_in(engine, web_world, app, browser):
    from notifications.unsubscribe import make_unsubscribe_token

    token = make_unsubscribe_token(app.extensions["soglasie.settings"], web_world.user_id("mfa"))
    assert browser.get(f"/unsubscribe/{token}").status_code == 200
    response = browser.client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with engine.uow(write=False) as uow:
        mode = uow.session.scalar(select(User.notify_mode).where(User.username == "mfa"))
    assert mode == "off"
    assert browser.get(f"/unsubscribe/{token[:-2]}xx").status_code == 404


def _meeting(engine, world, when=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC)):
    return engine.schedule_meeting(
        world.actor("coord"),
        year=2026,
        title_ru="Координационное совещание 2026",
        starts_at=when,
        ends_at=when + dt.timedelta(hours=5),
        venue="Москва",
        participant_org_ids=[world.org_id("RU-TST")],
    )


def test_meetings_are_listed_and_shown_in_the_month_calendar(engine, web_world, signed_in):
    meeting = _meeting(engine, web_world)
    ini = signed_in("ini")
    assert "Координационное совещание 2026" in ini.get("/meetings").get_data(as_text=True)
    month = ini.get("/meetings/calendar?month=2026-10").get_data(as_text=True)
    assert f"/meetings/{meeting.meeting_id}" in month
    assert "Proposals due" in ini.get("/meetings/calendar?month=2026-04").get_data(as_text=True)
    assert ini.get("/meetings/calendar?month=garbage").status_code == 200


def test_the_coordinator_reschedules_a_meeting_from_its_page(engine, web_world, signed_in):
    meeting = _meeting(engine, web_world)
    coord = signed_in("coord")
    response = coord.post(
        f"/meetings/{meeting.meeting_id}/reschedule",
        {"day": "2026-10-27", "starts": "10:00", "ends": "15:00", "expected_sequence": 0},
        form_page=f"/meetings/{meeting.meeting_id}/reschedule",
    )
    assert response.status_code == 303
    with engine.uow(write=False) as uow:
        row = uow.session.get(Meeting, meeting.meeting_id)
    assert row.starts_at == dt.datetime(2026, 10, 27, 7, tzinfo=dt.UTC)  # 10:00 Moscow
    assert row.ical_sequence == 1
    stale = coord.post(
        f"/meetings/{meeting.meeting_id}/reschedule",
        {"day": "2026-11-03", "starts": "10:00", "ends": "15:00", "expected_sequence": 0},
        form_page=f"/meetings/{meeting.meeting_id}/reschedule",
    )
    assert "Someone else acted first" in stale.get_data(as_text=True)
    assert signed_in("ini").get(f"/meetings/{meeting.meeting_id}/reschedule").status_code == 403


def test_an_invited_region_submits_a_proposal(engine, web_world, signed_in):
    meeting = _meeting(engine, web_world)
    ini = signed_in("ini")
    page = f"/meetings/{meeting.meeting_id}"
    assert "Submit a proposal or a report" in ini.get(page).get_data(as_text=True)
    ini.post(
        f"{page}/submissions",
        {"kind": "proposal", "title": "О побратимстве", "text": "Предлагаем обсудить."},
        form_page=page,
    )
    html = signed_in("coord").get(page).get_data(as_text=True)
    assert "О побратимстве" in html and "Test Oblast" in html
    assert "Submit a proposal or a report" not in signed_in("other").get(page).get_data(
        as_text=True
    )


def test_an_admin_reads_the_password_policy_in_her_language(engine, web_world, app):
    from tests.web.conftest import Browser

    admin = Browser(app.test_client(), lang="ru")
    assert admin.login("admin").status_code == 303
    user_id = web_world.user_id("ini2")
    page = f"/admin/users/{user_id}"
    refused = admin.post(page, {"what": "password", "password": "password1234"}, form_page=page)
    html = admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert "входит в число самых распространённых" in html
    new = admin.post(
        "/admin/users/new",
        {"username": "new.one", "org_code": "MINEC", "password": "short"},
        form_page="/admin/users/new",
    )
    assert "Пароль должен содержать не менее 12 символов." in new.get_data(as_text=True)
