"""A reviewer decides from her phone: the link from her review email opens a confirmation page
that fits a 390-pixel screen, in her language, and one press of its button records the decision.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.web import scenario
from workflow.email_decisions import link_token
from workflow.persistence.email_decisions import EmailDecisionToken
from workflow.persistence.models import Case


def _link(live, username: str, kind: str) -> str:
    with live.engine.uow(write=False) as uow:
        public_id = uow.session.scalar(
            select(EmailDecisionToken.public_id).where(
                EmailDecisionToken.user_id == live.world.user_id(username),
                EmailDecisionToken.kind == kind,
                EmailDecisionToken.trigger.in_(("approve", "return_for_revision")),
            )
        )
    return live.at(f"/decide/{link_token(live.engine.email_decisions.key, public_id)}")


def test_a_reviewer_returns_the_draft_from_her_phone(live, new_page, tmp_path):
    case_id = scenario.create_regional(live.engine, live.world)
    scenario.to_federal_review(live.engine, live.world, case_id)
    page = new_page(390, 844)
    page.goto(_link(live, "minec", "return"))
    assert page.locator("h1").inner_text() == "Решение по ссылке из письма"
    assert page.locator(".site-header").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "decide-phone.png"), full_page=True)

    page.fill("#comment", "Уточнить статью 3 о финансировании.")
    page.click("button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "возвращён" in page.locator(".alert-success").inner_text()
    page.screenshot(path=str(tmp_path / "decide-phone-done.png"), full_page=True)
    with live.engine.uow(write=False) as uow:
        assert uow.session.scalar(select(Case.state).where(Case.id == case_id)) == "conciliation"
