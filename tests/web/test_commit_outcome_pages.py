"""A page's decision whose COMMIT loses its connection (PostgreSQL): the truthful page.

The connection is really cut at the COMMIT (``tests.support.commit_cutter``): after the server
committed, the form goes on as if nothing happened (the redirect, the vote recorded once);
before, the page says the change was not saved and may be repeated, and nothing is recorded.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.commit_cutter import CommitCutter
from tests.web import scenario
from tests.web.conftest import Browser, build_web_world
from web.app import create_app
from workflow.engine import Engine
from workflow.persistence.models import AuditEvent, Case
from workflow.settings import Settings


@pytest.fixture
def cut_app(db_url, clock, shipped_definitions, password_hash, cache_dir):
    if db_url.startswith("sqlite"):
        pytest.skip("a lost COMMIT is a PostgreSQL matter (SQLite commits in-process)")
    cutter = CommitCutter(db_url)
    engine = Engine.create(cutter.url, shipped_definitions, clock=clock)
    world = build_web_world(engine, password_hash)
    settings = Settings(
        env="test",
        database_url=cutter.url,
        secret_key="test-secret-key-for-the-web-tests-0123456789",
        extra={"SOGLASIE_CACHE_DIR": str(cache_dir), "SOGLASIE_COMMIT_OUTCOME_SECONDS": "2"},
    )
    app = create_app(settings, engine=engine, config={"TESTING": True})
    yield cutter, engine, world, app
    engine.dispose()
    cutter.close()


def _approvals(engine, case_id: int) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.trigger == "approve")
        )


def _mfa_in_review(cut_app):
    _cutter, engine, world, app = cut_app
    case_id = scenario.create_regional(engine, world)
    scenario.to_federal_review(engine, world, case_id)
    mfa = Browser(app.test_client())
    assert mfa.login("mfa").status_code == 303
    with engine.uow(write=False) as uow:
        version = uow.session.get(Case, case_id).version
    return case_id, mfa, {"trigger": "approve", "expected_version": version}


def test_a_decision_committed_before_the_connection_was_lost_goes_on_as_usual(cut_app):
    cutter, engine, _world, _app = cut_app
    case_id, mfa, form = _mfa_in_review(cut_app)
    cutter.arm("after")
    response = mfa.post(f"/agreements/{case_id}/actions", form)
    assert cutter.cut.is_set()
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(f"/agreements/{case_id}")  # as on success
    assert _approvals(engine, case_id) == 1


def test_a_decision_not_saved_says_so_and_that_it_may_be_repeated(cut_app):
    cutter, engine, _world, _app = cut_app
    case_id, mfa, form = _mfa_in_review(cut_app)
    cutter.arm("before")
    response = mfa.post(f"/agreements/{case_id}/actions", form)
    assert cutter.cut.is_set()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The connection to the database was lost while your change was being saved." in html
    assert "The change was not saved. You can safely repeat it in a few seconds." in html
    assert "Traceback" not in html
    assert _approvals(engine, case_id) == 0
