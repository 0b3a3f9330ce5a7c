"""axe-core over every HTML page: 0 critical and 0 serious violations of its default rules.

axe-core is the engine behind Lighthouse's and Deque's accessibility checks. Its `axe.min.js`
comes from a kept PyPI package (``axe-playwright-python``, which ships the npm build unchanged) so
that the README's test command needs no npm. It is evaluated through the DevTools protocol, which
the page's CSP (no inline script) does not apply to.

A second test walks the URL map: a new HTML page that is neither checked here nor excluded with a
reason fails, so a page cannot be added without being looked at by axe.
"""

from __future__ import annotations

from importlib import resources

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in
from tests.web import scenario
from tests.web.test_admin_and_meetings import _meeting as scheduled_meeting
from workflow.email_decisions import link_token
from workflow.persistence.email_decisions import EmailDecisionToken

pytestmark = pytest.mark.browser

BLOCKING = ("critical", "serious")

# Routes that answer something other than an HTML page, or that only redirect.
NOT_HTML = {
    "cases.export": "CSV",
    "papers.register": "XLSX",
    "papers.annual_report": "DOCX",
    "papers.approval_sheet": "PDF",
    "papers.minutes_docx": "DOCX",
    "papers.minutes_pdf": "PDF",
    "regions.annual_report": "DOCX",
    "admin.clock": "demo mode only (404 in the test app); its form is the users page's kind",
    "cases.document_file": "the stored file",
    "cases.signed_original_file": "the stored file",
    "public.calendar": "iCalendar",
    "health.healthz": "JSON probe",
    "health.livez": "JSON probe",
    "health.readyz": "JSON probe",
    "regions.mine": "redirects to the user's region",
    "home.home": "redirects to the inbox or the public page",
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def _meeting(live):
    return scheduled_meeting(live.engine, live.world).meeting_id


def _decision_link(live, username: str) -> str:
    with live.engine.uow(write=False) as uow:
        public_id = uow.session.scalar(
            select(EmailDecisionToken.public_id).where(
                EmailDecisionToken.user_id == live.world.user_id(username),
                EmailDecisionToken.kind == "approve",
            )
        )
    return f"/decide/{link_token(live.engine.email_decisions.key, public_id)}"


def _pages(live, new_page) -> dict[str, tuple[str | None, str]]:
    """endpoint -> (who looks, path), over a world with a case at every stage."""
    engine, world = live.engine, live.world
    signed = scenario.create_regional(engine, world, "Соглашение о торговом сотрудничестве")
    scenario.to_registered(engine, world, live.clock, signed)
    scenario.adopted_plan(engine, world, signed)
    in_review = scenario.create_regional(engine, world, "Соглашение об образовании")
    scenario.returned_and_resubmitted(engine, world, in_review)
    scenario.to_federal_review(engine, world, scenario.create_regional(engine, world))
    meeting = _meeting(live)

    # The approval sheet's short code, as a clerk would get it by downloading the sheet.
    page = new_page()
    sign_in(page, live, "ini")
    response = page.request.get(live.at(f"/agreements/{in_review}/approval-sheet.pdf"))
    sheet_code = response.headers["x-sheet-code"]
    page.context.close()

    from notifications.unsubscribe import make_unsubscribe_token

    unsubscribe = make_unsubscribe_token(live.settings, world.user_id("mfa"))
    return {
        "auth.login": (None, "/login"),
        "inbox.inbox": ("minec", "/inbox"),
        "inbox.reassign": ("coord", f"/tasks/{_open_task(live, in_review)}/reassign"),
        "cases.index": ("ini", "/agreements"),
        "cases.new": ("ini", "/agreements/new"),
        "cases.show": ("ini", f"/agreements/{in_review}"),
        "cases.document": ("ini", f"/agreements/{in_review}/documents/ru/1"),
        "cases.diff": ("ini", f"/agreements/{in_review}/documents/ru/diff?a=1&b=2"),
        "regions.show": ("ini", "/regions/RU-TST"),
        "dashboard.index": ("coord", "/dashboard"),
        "search.results": ("ini", "/search?q=соглашение"),
        "meetings.index": ("coord", "/meetings"),
        "meetings.calendar": ("coord", "/meetings/calendar"),
        "meetings.show": ("coord", f"/meetings/{meeting}"),
        "meetings.reschedule": ("coord", f"/meetings/{meeting}/reschedule"),
        "settings.email_decisions": ("minec", "/settings/email-decisions"),
        "settings.substitutions": ("minec", "/settings/substitutions"),
        "account.sessions": ("minec", "/settings/sessions"),
        "account.password": ("minec", "/settings/password"),
        "admin.definitions": ("admin", "/admin/definitions"),
        "admin.definition": ("admin", "/admin/definitions/regional_agreement"),
        "admin.orgs": ("admin", "/admin/orgs"),
        "admin.import_orgs": ("admin", "/admin/orgs/import"),
        "admin.outbox": ("admin", "/admin/outbox"),
        "admin.mailbox": ("admin", "/admin/mailbox"),
        "admin.mailbox_message": ("admin", f"/admin/mailbox/{_first_message(live)}"),
        "admin.users": ("admin", "/admin/users"),
        "admin.user": ("admin", f"/admin/users/{world.user_id('ini')}"),
        "admin.new_user": ("admin", "/admin/users/new"),
        "public.index": (None, "/public"),
        "public.region": (None, "/public/regions/RU-TST"),
        "papers.verify_form": (None, "/verify"),
        "papers.verify": (None, f"/verify/{sheet_code}"),
        "decide.confirm": (None, _decision_link(live, "minec")),
        "unsubscribe.confirm": (None, f"/unsubscribe/{unsubscribe}"),
    }


def _open_task(live, case_id: int) -> int:
    from workflow.persistence.models import Task

    with live.engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(Task.id).where(Task.case_id == case_id, Task.status == "open").limit(1)
        )


def _first_message(live) -> int:
    """Deliver the outbox into the demo mailbox, as ``soglasie demo``'s worker does."""
    from notifications.delivery import DeliveryPolicy, deliver_batch
    from notifications.transports.email import EmailTransport
    from workflow.persistence.mailbox import MailboxMessage

    deliver_batch(
        live.engine,
        "email",
        lambda _channel: EmailTransport(live.engine, live.settings),
        "a11y",
        DeliveryPolicy(),
    )
    with live.engine.uow(write=False) as uow:
        return uow.session.scalar(select(MailboxMessage.id).order_by(MailboxMessage.id).limit(1))


def _violations(page, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['impact']} {violation['id']}: {violation['help']} at {targets}")
    return found


def test_every_page_has_no_critical_or_serious_axe_violation(live, new_page, axe_source):
    pages = _pages(live, new_page)
    failures = {}
    for endpoint, (user, path) in pages.items():
        page = new_page()
        if user:
            sign_in(page, live, user)
        response = page.goto(live.at(path))
        if response.status >= 400:
            failures[endpoint] = [f"{path} answered {response.status}"]
            page.context.close()
            continue
        found = _violations(page, axe_source)
        if found:
            failures[endpoint] = found
        page.context.close()
    report = "\n".join(f"{where}: {line}" for where, lines in failures.items() for line in lines)
    assert not failures, report


def test_every_html_page_route_is_checked_by_axe_or_excluded_with_a_reason(live, new_page):
    checked = set(_pages(live, new_page))
    routes = {
        rule.endpoint
        for rule in live.app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.rule.startswith(("/api", "/static"))
        and rule.endpoint != "static"
    }
    assert routes - checked - set(NOT_HTML) == set()
    assert checked & set(NOT_HTML) == set()
