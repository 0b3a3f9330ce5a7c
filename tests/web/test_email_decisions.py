"""Decisions by email: a review task's email carries "no objections" and "return with remarks"
links; each opens a confirmation page that works without signing in, and decides once, as that
reviewer, on that task, while the task is open. Mail goes through a real SMTP server."""

from __future__ import annotations

import random
import re
import threading

import pytest
from sqlalchemy import select

from notifications.worker import Worker, WorkerConfig
from tests.notifications.helpers import set_user, text_of
from tests.notifications.smtp_server import MailServer
from tests.web import scenario
from tests.web.conftest import _CSRF
from workflow.errors import WorkflowError
from workflow.persistence.email_decisions import EmailDecisionToken
from workflow.persistence.models import AuditEvent, Case, OutboxMessage, Task
from workflow.services.email_decisions import LinkRefused, decide_by_link, set_email_decisions

BASE_URL = "https://soglasie.example"
LINK = re.compile(re.escape(BASE_URL) + r"/decide/([0-9a-f]{32}\.[0-9a-f]{64})")


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def deliver(engine, app, mail_server):
    """``deliver(**settings)``: one worker tick with the web app's secret key, mailing to the
    test's SMTP server; returns what arrived so far."""

    def run(**overrides):
        settings = app.extensions["soglasie.settings"].with_overrides(
            base_url=BASE_URL,
            smtp_host="127.0.0.1",
            smtp_port=mail_server.port,
            smtp_timeout=5.0,
            **overrides,
        )
        Worker(engine, settings, config=WorkerConfig(), rng=random.Random(5)).deliver_outbox()
        return mail_server.messages

    return run


@pytest.fixture
def review(engine, web_world):
    """A regional agreement in federal review (MFA, MinEc and the sectoral ministry)."""
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    return case_id


def _links(messages, to: str) -> dict[str, str]:
    """``{"approve": token, "return": token}`` from the federal-review email to ``to``."""
    (message,) = [
        m
        for m in messages
        if m["To"] == to and m["X-Soglasie-Template"] == "task_opened" and "/decide/" in text_of(m)
    ]
    text = text_of(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    tokens = LINK.findall(text)
    assert len(tokens) == 2 and set(LINK.findall(html)) == set(tokens)
    approve_line = next(line for line in text.splitlines() if tokens[0] in line)
    assert approve_line.startswith(("Замечаний нет", "No objections"))
    return {"approve": tokens[0], "return": tokens[1]}


def _case(engine, case_id: int):
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def _task(engine, case_id: int, username_role: str):
    with engine.uow(write=False) as uow:
        return uow.session.scalars(
            select(Task).where(Task.case_id == case_id, Task.role == username_role)
        ).all()[-1]


def _tokens(engine):
    with engine.uow(write=False) as uow:
        return uow.session.scalars(select(EmailDecisionToken)).all()


def _decide(client, token: str, comment: str = ""):
    """Open the page and press its button; where the page has no form (a refused link), post
    again with the CSRF token of the browser's earlier page, as a resubmitted form would."""
    page = client.get(f"/decide/{token}")
    found = _CSRF.search(page.get_data(as_text=True))
    if found:
        client.csrf = found.group(1)
    elif not getattr(client, "csrf", None):
        client.csrf = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post(
        f"/decide/{token}", data={"comment": comment, "csrf_token": getattr(client, "csrf", "")}
    )


def test_the_review_email_carries_both_links_and_opening_one_changes_nothing(
    engine, app, review, deliver
):
    links = _links(deliver(), "mfa@example.test")
    version = _case(engine, review).version
    client = app.test_client()
    for kind, token in links.items():
        page = client.get(f"/decide/{token}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "Соглашение о сотрудничестве с Хэйлунцзяном" in body
        assert ("Замечаний нет" if kind == "approve" else "Вернуть с замечаниями") in body
        assert "Мария Фёдорова" in body and 'class="site-header"' not in body
        assert page.headers["Cache-Control"] == "no-store"
    assert _case(engine, review).version == version
    assert all(t.used_at is None for t in _tokens(engine))
    assert all(
        len(t.secret_hash) == 64 and t.secret_hash not in str(links) for t in _tokens(engine)
    )


def test_approving_from_the_link_decides_once_as_that_reviewer_by_email_link(
    engine, app, web_world, review, deliver
):
    links = _links(deliver(), "mfa@example.test")
    client = app.test_client()
    done = _decide(client, links["approve"], "Возражений нет.")
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Замечаний нет» записано" in done.get_data(as_text=True) or "записано" in (
        done.get_data(as_text=True)
    )
    task = _task(engine, review, "mfa_reviewer")
    assert (task.status, task.outcome, task.closed_by) == (
        "done",
        "approve",
        web_world.user_id("mfa"),
    )
    with engine.uow(write=False) as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == review).order_by(AuditEvent.seq.desc())
        ).first()
    assert (event.kind, event.trigger, event.actor_id) == (
        "vote",
        "approve",
        web_world.user_id("mfa"),
    )
    assert event.data["via"] == "email_link" and event.comment == "Возражений нет."

    again = _decide(client, links["approve"])
    assert again.status_code == 409
    assert "уже использована" in again.get_data(as_text=True)
    other = _decide(client, links["return"], "Поздно.")
    assert other.status_code == 409 and _case(engine, review).state == "federal_review"


def test_return_with_remarks_needs_the_remarks(engine, app, web_world, review, deliver):
    links = _links(deliver(), "minec@example.test")
    client = app.test_client()
    empty = _decide(client, links["return"], "")
    assert empty.status_code == 400 and _case(engine, review).state == "federal_review"
    assert all(t.used_at is None for t in _tokens(engine))
    done = _decide(client, links["return"], "Уточнить статью 3.")
    assert done.status_code == 200
    case = _case(engine, review)
    assert case.state == "conciliation"
    with engine.uow(write=False) as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == review).order_by(AuditEvent.seq.desc())
        ).first()
    assert (event.trigger, event.actor_id, event.data["via"]) == (
        "return_for_revision",
        web_world.user_id("minec"),
        "email_link",
    )


def test_an_expired_link_is_refused(engine, app, clock, review, deliver):
    links = _links(deliver(), "mfa@example.test")
    clock.advance(days=7, seconds=1)
    client = app.test_client()
    page = client.get(f"/decide/{links['approve']}")
    assert page.status_code == 200 and "Срок действия ссылки истёк" in page.get_data(as_text=True)
    assert _decide(client, links["approve"]).status_code == 409
    assert _task(engine, review, "mfa_reviewer").status == "open"


def test_another_reviewers_vote_keeps_the_link_but_a_return_voids_it(
    engine, app, web_world, review, deliver
):
    messages = deliver()
    mfa, sector = _links(messages, "mfa@example.test"), _links(messages, "sector@example.test")
    engine.fire(review, "approve", web_world.actor("minec"))  # the version moves on
    client = app.test_client()
    assert _decide(client, sector["approve"]).status_code == 200
    engine.fire(review, "return_for_revision", web_world.actor("mfa"), "Замечания.")
    page = client.get(f"/decide/{mfa['approve']}")
    assert "больше не открыта" in page.get_data(as_text=True)
    assert _decide(client, mfa["approve"]).status_code == 409
    assert _case(engine, review).state == "conciliation"


def test_a_reviewers_link_acts_only_on_her_own_task_and_a_forged_one_on_nothing(
    engine, app, web_world, review, deliver
):
    messages = deliver()
    minec = _links(messages, "minec@example.test")
    client = app.test_client()
    assert _decide(client, minec["approve"]).status_code == 200
    assert _task(engine, review, "mfa_reviewer").status == "open"
    assert _task(engine, review, "minec_reviewer").closed_by == web_world.user_id("minec")
    mfa = _links(messages, "mfa@example.test")
    forged = mfa["approve"][:33] + "0" * 64
    assert client.get(f"/decide/{forged}").status_code == 200
    assert _decide(client, forged).status_code == 404
    assert _decide(client, "not-a-token").status_code == 404
    assert _task(engine, review, "mfa_reviewer").status == "open"


def test_a_person_who_turned_decisions_off_gets_no_links_and_old_ones_stop(
    engine, app, web_world, deliver, signed_in
):
    first = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, first)
    old = _links(deliver(), "mfa@example.test")
    mfa = signed_in("mfa")
    assert mfa.get("/settings/email-decisions").status_code == 200
    saved = mfa.post(
        "/settings/email-decisions", {"allowed": "0"}, form_page="/settings/email-decisions"
    )
    assert saved.status_code == 303
    second = scenario.create_regional(engine, web_world, title="Второе соглашение")
    scenario.to_federal_review(engine, web_world, second)
    messages = deliver()
    latest = [m for m in messages if m["To"] == "mfa@example.test" and "Второе" in m["Subject"]]
    assert latest and all("/decide/" not in text_of(m) for m in latest)
    assert _decide(app.test_client(), old["approve"]).status_code == 409
    set_email_decisions(engine, web_world.user_id("mfa"), True)
    assert _decide(app.test_client(), old["approve"]).status_code == 200


def test_the_production_switch_turns_links_off_for_everyone(
    engine, app, web_world, review, deliver
):
    with engine.uow(write=False) as uow:
        pending = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
    assert any("decisions" in (row.payload or {}) for row in pending)
    messages = deliver(email_decisions="off")
    assert messages and all("/decide/" not in text_of(m) for m in messages)
    engine.email_decisions.enabled = False
    second = scenario.create_regional(engine, web_world, title="Второе соглашение")
    scenario.to_federal_review(engine, web_world, second)
    assert {t.case_id for t in _tokens(engine)} == {review}
    (token,) = [
        t for t in _tokens(engine) if t.kind == "approve" and t.user_id == web_world.user_id("mfa")
    ]
    # An old link (made while the switch was on) is refused too.
    from workflow.email_decisions import link_token

    old = link_token(engine.email_decisions.key, token.public_id)
    page = app.test_client().get(f"/decide/{old}")
    assert "отключены" in page.get_data(as_text=True)
    assert _decide(app.test_client(), old).status_code == 409


def test_a_rolled_back_transition_leaves_no_token_and_no_email(engine, app, web_world):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_drafting(engine, web_world, case_id)
    engine.fire(case_id, "send_for_clearance", web_world.actor("ini"))
    engine.fire(case_id, "clear", web_world.actor("legal"))
    engine.fire(case_id, "clear", web_world.actor("head"))

    def fail(ctx, events):
        raise WorkflowError("rolled back on purpose")

    engine.add_handler(fail)
    with pytest.raises(WorkflowError):
        engine.fire(case_id, "start_review", web_world.actor("mfa"))
    engine.handlers.remove(fail)
    assert [t for t in _tokens(engine) if t.case_id == case_id and t.trigger == "approve"] == []
    assert _case(engine, case_id).state == "submitted_for_review"
    engine.fire(case_id, "start_review", web_world.actor("mfa"))
    assert len([t for t in _tokens(engine) if t.case_id == case_id and t.trigger == "approve"]) == 3


def test_two_presses_at_the_same_moment_decide_once(engine, app, web_world, review, deliver):
    token = _links(deliver(), "mfa@example.test")["approve"]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def press():
        barrier.wait()
        try:
            outcomes.append(decide_by_link(engine, token, None)[1].trigger)
        except LinkRefused as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approve", "used"]
    with engine.uow(write=False) as uow:
        votes = uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == review, AuditEvent.actor_id == web_world.user_id("mfa")
            )
        ).all()
    assert [e.data.get("via") for e in votes if e.trigger == "approve"] == ["email_link"]


def test_an_english_speaking_reviewer_gets_the_links_and_the_page_in_english(
    engine, app, web_world, review, deliver
):
    set_user(engine, web_world.user_id("sector"), language="en")
    links = _links(deliver(), "sector@example.test")
    page = app.test_client().get(f"/decide/{links['return']}")
    body = page.get_data(as_text=True)
    assert '<html lang="en">' in body and "Confirm: return with remarks" in body
