"""Every page route × every kind of visitor → the expected HTTP status.

The routes come from ``app.url_map``; a route missing from ``EXPECTED`` fails the test, so a new
page cannot ship without someone deciding who may open it. ``/api/`` routes are the API's own
matrix. POSTs carry a valid CSRF token (a missing token is tested elsewhere) and data that
reaches the permission check.

Personas: anonymous; ``same`` is the initiator of the case's region; ``other`` an initiator of
another region; ``federal`` an MFA reviewer; ``admin`` an administrator.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text

from notifications.unsubscribe import make_unsubscribe_token
from tests.support.databases import stamp_head
from tests.web import scenario
from tests.web.conftest import Browser
from workflow.clock import SystemClock
from workflow.persistence.documents import SignedOriginal
from workflow.persistence.mailbox import MailboxMessage
from workflow.persistence.models import Case, OutboxMessage, Task
from workflow.persistence.plans import PlanItem
from workflow.services import user_sessions

PERSONAS = ("anonymous", "same", "other", "federal", "admin")
USERNAMES = {"same": "ini", "other": "other", "federal": "mfa", "admin": "admin"}

ALL = lambda code: (code,) * 5  # noqa: E731
PRIVATE = (302, 200, 200, 200, 200)
CASE_GET = (302, 200, 404, 200, 200)
CASE_POST = (302, 303, 404, 303, 303)
ADMIN_GET = (302, 403, 403, 403, 200)
ADMIN_POST = (302, 403, 403, 403, 303)
SIGNED_POST = (302, 303, 303, 303, 303)

EXPECTED = {
    ("home.home", "GET"): ALL(302),
    ("health.healthz", "GET"): ALL(200),
    ("health.livez", "GET"): ALL(200),
    ("health.readyz", "GET"): ALL(200),
    ("static", "GET"): ALL(200),
    ("auth.login", "GET"): ALL(200),
    ("auth.login", "POST"): ALL(400),
    ("auth.logout", "POST"): ALL(303),
    ("auth.set_language", "POST"): ALL(303),
    ("inbox.inbox", "GET"): PRIVATE,
    ("inbox.claim", "POST"): SIGNED_POST,
    ("inbox.release", "POST"): SIGNED_POST,
    ("inbox.reassign", "GET"): (302, 403, 404, 403, 200),
    ("inbox.reassign", "POST"): (302, 403, 404, 403, 200),
    ("settings.substitutions", "GET"): PRIVATE,
    ("settings.substitutions", "POST"): PRIVATE,
    ("settings.revoke", "POST"): SIGNED_POST,
    ("account.sessions", "GET"): PRIVATE,
    # Another person's session: "already ended" for everyone (a flash), never ended by them.
    ("account.end_session", "POST"): SIGNED_POST,
    ("account.end_everywhere", "POST"): SIGNED_POST,  # signs the persona out; she signs in again
    ("account.password", "GET"): PRIVATE,
    ("account.password", "POST"): (302, 400, 400, 400, 400),  # no passwords posted
    ("cases.index", "GET"): PRIVATE,
    ("search.results", "GET"): PRIVATE,
    ("cases.export", "GET"): PRIVATE,
    ("cases.new", "GET"): PRIVATE,
    ("cases.new", "POST"): (302, 400, 400, 403, 403),
    ("cases.show", "GET"): CASE_GET,
    ("cases.fire", "POST"): CASE_POST,
    ("cases.update_fields", "POST"): CASE_POST,
    ("cases.add_document", "POST"): CASE_POST,
    ("cases.document", "GET"): CASE_GET,
    ("cases.document_file", "GET"): CASE_GET,
    ("cases.add_signed_original", "POST"): CASE_POST,
    ("cases.signed_original_file", "GET"): CASE_GET,
    ("cases.diff", "GET"): CASE_GET,
    ("papers.approval_sheet", "GET"): CASE_GET,
    ("papers.register", "GET"): PRIVATE,
    ("papers.annual_report", "GET"): CASE_GET,
    ("papers.attach_annual_report", "POST"): CASE_POST,  # refused in review: a flash, 303
    ("papers.minutes_docx", "GET"): PRIVATE,
    ("papers.minutes_pdf", "GET"): PRIVATE,
    ("papers.verify", "GET"): ALL(404),  # public; the matrix's code is no sheet's
    ("papers.verify_form", "GET"): ALL(200),
    ("papers.verify_form", "POST"): ALL(400),  # public; no file posted
    ("cases.add_item", "POST"): CASE_POST,
    ("cases.update_item", "POST"): CASE_POST,
    ("regions.show", "GET"): (302, 200, 403, 200, 200),
    ("regions.annual_report", "GET"): (302, 200, 403, 200, 200),
    ("regions.mine", "GET"): (302, 302, 302, 404, 404),
    ("public.index", "GET"): ALL(200),
    ("public.region", "GET"): ALL(200),
    ("public.calendar", "GET"): ALL(200),
    ("meetings.index", "GET"): PRIVATE,
    ("meetings.calendar", "GET"): PRIVATE,
    ("meetings.show", "GET"): PRIVATE,
    ("meetings.reschedule", "GET"): (302, 403, 403, 403, 200),
    ("meetings.reschedule", "POST"): (302, 403, 403, 403, 200),
    ("meetings.submit", "POST"): SIGNED_POST,
    ("meetings.held", "POST"): SIGNED_POST,
    ("meetings.cancel", "POST"): SIGNED_POST,
    ("meetings.minutes", "POST"): SIGNED_POST,
    ("dashboard.index", "GET"): (302, 403, 403, 200, 200),
    ("admin.users", "GET"): ADMIN_GET,
    ("admin.new_user", "GET"): ADMIN_GET,
    ("admin.new_user", "POST"): (302, 403, 403, 403, 400),
    ("admin.user", "GET"): ADMIN_GET,
    ("admin.user", "POST"): ADMIN_POST,
    ("admin.orgs", "GET"): ADMIN_GET,
    ("admin.import_orgs", "GET"): ADMIN_GET,
    ("admin.import_orgs", "POST"): (302, 403, 403, 403, 400),
    ("admin.definitions", "GET"): ADMIN_GET,
    ("admin.definition", "GET"): ADMIN_GET,
    ("admin.outbox", "GET"): ADMIN_GET,
    ("admin.retry", "POST"): ADMIN_POST,
    ("admin.retry_all", "POST"): ADMIN_POST,
    ("admin.mailbox", "GET"): ADMIN_GET,
    # the demo's simulated clock: no such page outside demo mode, not even for administrators
    ("admin.clock", "GET"): (302, 403, 403, 403, 404),
    ("admin.clock_advance", "POST"): (302, 403, 403, 403, 404),
    ("admin.clock_speed", "POST"): (302, 403, 403, 403, 404),
    ("admin.mailbox_message", "GET"): ADMIN_GET,
    ("unsubscribe.confirm", "GET"): ALL(200),
    ("unsubscribe.unsubscribe", "POST"): ALL(200),
    # public; the matrix's token is no decision link's: a clear page on GET, 404 on POST
    ("decide.confirm", "GET"): ALL(200),
    ("decide.decide", "POST"): ALL(404),
    ("settings.email_decisions", "GET"): PRIVATE,
    ("settings.email_decisions", "POST"): SIGNED_POST,
}


def _world_objects(engine, world, clock, app):
    """One of everything a route can point at, in the RU-TST region."""
    signed = scenario.create_regional(engine, world)
    scenario.to_registered(engine, world, clock, signed)
    plan = scenario.adopted_plan(engine, world, signed)
    case_id = scenario.create_regional(engine, world, "На согласовании")
    scenario.returned_and_resubmitted(engine, world, case_id)
    meeting = engine.schedule_meeting(
        world.actor("coord"),
        year=2026,
        title_ru="Совещание",
        starts_at=dt.datetime(2026, 10, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
        participant_org_ids=[world.org_id("RU-TST")],
    )
    _signed_copy(engine, world, signed, clock.now())
    substitution = engine.set_substitution(
        world.actor("ini"), world.user_id("ini2"), engine.today(), engine.today()
    )
    now = clock.now()
    with engine.uow() as uow:
        s = uow.session
        version = s.scalar(select(Case.version).where(Case.id == case_id))
        task_id = s.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.status == "open").limit(1)
        )
        item_id = s.scalar(select(PlanItem.id).where(PlanItem.plan_case_id == plan).limit(1))
        outbox_id = s.scalar(
            insert(OutboxMessage)
            .returning(OutboxMessage.id)
            .values(
                idempotency_key="matrix-dead",
                channel="email",
                template="task_opened",
                recipient="x@example.test",
                payload={},
                message_id="<matrix@soglasie.local>",
                status="dead",
                attempts=5,
                next_attempt_at=now,
                created_at=now,
                last_error="550 no such user",
            )
        )
        mail_id = s.scalar(
            insert(MailboxMessage)
            .returning(MailboxMessage.id)
            .values(
                to_address="x@example.test",
                subject="Тема",
                text="Текст",
                headers={},
                created_at=now,
            )
        )
        uow.commit()
    session_id, _token = user_sessions.start(
        engine, SystemClock(), world.user_id("ini2"), lifetime=dt.timedelta(hours=1)
    )
    token = make_unsubscribe_token(app.extensions["soglasie.settings"], world.user_id("ini2"))
    return {
        "case_id": case_id,
        "signed": signed,
        "version": version,
        "plan": plan,
        "task_id": task_id,
        "item_id": item_id,
        "meeting_id": meeting.meeting_id,
        "substitution_id": substitution,
        "outbox_id": outbox_id,
        "message_id": mail_id,
        "token": token,
        "user_id": world.user_id("ini2"),
        "session_id": session_id,
    }


def _signed_copy(engine, world, case_id: int, now) -> None:
    """A signed copy of the registered agreement (recorded as the engine would at signing)."""
    data = b"%PDF-1.4 signed copy"
    with engine.uow() as uow:
        digest = engine.blobs.put(uow.session, data, now)
        uow.session.execute(
            insert(SignedOriginal).values(
                case_id=case_id,
                party="russian",
                number=1,
                blob_sha256=digest,
                media_type="application/pdf",
                byte_size=len(data),
                has_text=False,
                text="",
                created_by=world.user_id("ini"),
                created_at=now,
            )
        )
        uow.commit()


def _request(rule, method, objects):
    """The concrete URL and form data for one route."""
    values = {
        "case_id": {
            "cases.add_item": objects["plan"],
            "cases.signed_original_file": objects["signed"],
        }.get(rule.endpoint, objects["case_id"]),
        "party": "russian",
        "task_id": objects["task_id"],
        "item_id": objects["item_id"],
        "meeting_id": objects["meeting_id"],
        "substitution_id": objects["substitution_id"],
        "outbox_id": objects["outbox_id"],
        "message_id": objects["message_id"],
        "token": objects["token"],
        "user_id": objects["user_id"],
        "session_id": objects["session_id"],
        "lang": "ru",
        "number": 1,
        "code": "RU-TST",
        "key": "regional_agreement",
        "filename": "app.css",
    }
    path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
    extra = {
        "cases.diff": "?a=1&b=2",
    }.get(rule.endpoint, "")
    data = {
        "expected_version": objects["version"],
        "trigger": "withdraw",
        "language": "ru",
        "text": "",
        "kind": "regional_agreement",
        "lang": "en",
        "what": "roles",
        "roles": "initiator",
        "title": "",
    }
    if rule.endpoint == "cases.update_item":
        data["expected_version"] = 1
    return path + extra, data


@pytest.fixture
def at_head(engine, db_url):
    """Readiness (``/readyz``, ``/healthz``) wants the Alembic head; the test schema is made by
    ``create_all``, so it is stamped here and unstamped after (the PostgreSQL database is
    shared by the worker's tests)."""
    stamp_head(db_url)
    yield
    with engine.bind.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_every_page_route_answers_each_visitor_as_the_matrix_says(
    engine, web_world, clock, app, at_head
):
    objects = _world_objects(engine, web_world, clock, app)
    browsers = {"anonymous": Browser(app.test_client())}
    for persona, username in USERNAMES.items():
        browsers[persona] = Browser(app.test_client())
        assert browsers[persona].login(username).status_code == 303
    rules = [r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")]
    seen = set()
    failures = []
    for rule in sorted(rules, key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            seen.add(key)
            if key not in EXPECTED:
                failures.append(f"{method} {rule.rule} ({rule.endpoint}) is not in the matrix")
                continue
            path, data = _request(rule, method, objects)
            for persona, expected in zip(PERSONAS, EXPECTED[key], strict=True):
                browser = browsers[persona]
                if method == "GET":
                    response = browser.get(path)
                else:
                    form_page = "/inbox" if persona != "anonymous" else "/login"
                    response = browser.post(path, data, form_page=form_page)
                status = response.status_code
                response.close()  # static files are streamed
                if status != expected:
                    failures.append(f"{method} {path} as {persona}: {status}, expected {expected}")
                signs_out = ("auth.logout", "account.end_everywhere")
                if rule.endpoint in signs_out and persona in USERNAMES:
                    browser.login(USERNAMES[persona])
    stale = sorted(set(EXPECTED) - seen)
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("persona", ["same", "federal", "admin"])
def test_the_matrix_cannot_pass_by_accident_a_visible_case_shows_its_title(
    engine, web_world, clock, app, persona
):
    case_id = scenario.create_regional(engine, web_world, "Видимое соглашение")
    browser = Browser(app.test_client())
    browser.login(USERNAMES[persona])
    assert "Видимое соглашение" in browser.get(f"/agreements/{case_id}").get_data(as_text=True)
    outsider = Browser(app.test_client())
    outsider.login("other")
    hidden = outsider.get(f"/agreements/{case_id}")
    assert hidden.status_code == 404 and "Видимое соглашение" not in hidden.get_data(as_text=True)
