"""The busiest pages stay within five SQL statements per request, authentication included.

Statements are counted with an SQLAlchemy ``before_cursor_execute`` listener on the engine;
transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) and SQLite PRAGMAs are not statements
of the page and are not counted.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.web import scenario

BUDGET = 5
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(statement)

    event.listen(engine.bind, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.bind, "before_cursor_execute", before)


@pytest.fixture
def busy_region(engine, web_world, clock):
    """Several agreements in different states, a plan, a meeting, a substitution."""
    w = web_world
    signed = scenario.create_regional(engine, w, "Подписанное")
    scenario.to_registered(engine, w, clock, signed)
    scenario.adopted_plan(engine, w, signed)
    clock.set(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    case_id = scenario.create_regional(engine, w, "Второе")
    scenario.returned_and_resubmitted(engine, w, case_id)
    scenario.create_regional(engine, w, "Черновик")
    engine.schedule_meeting(
        w.actor("coord"),
        year=2026,
        title_ru="Совещание",
        starts_at=dt.datetime(2026, 4, 20, 7, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC),
        participant_org_ids=[w.org_id("RU-TST")],
    )
    engine.set_substitution(w.actor("ini2"), w.user_id("ini"), engine.today(), engine.today())
    return w


PAGES = [
    ("ini", "/inbox"),
    ("ini", "/inbox?tab=claimable"),
    ("ini", "/inbox?tab=done"),
    ("minec", "/inbox?tab=claimable"),
    ("ini", "/agreements"),
    ("ini", "/agreements?q=втор&overdue=1&mine=1&kind=regional_agreement"),
    ("mfa", "/agreements?region=1&country=CN"),
    ("ini", "/regions/RU-TST"),
    ("mfa", "/regions/RU-TST"),
]


def test_inbox_list_and_region_pages_stay_within_five_statements(engine, busy_region, signed_in):
    browsers = {}
    over = []
    for username, path in PAGES:
        browser = browsers.get(username) or browsers.setdefault(username, signed_in(username))
        with counting(engine) as statements:
            response = browser.get(path)
        assert response.status_code == 200, path
        if len(statements) > BUDGET:
            over.append(f"{username} {path}: {len(statements)}\n" + "\n---\n".join(statements))
    assert not over, "\n\n".join(over)


def test_the_counter_sees_every_statement_of_a_page(engine, busy_region, signed_in):
    """Guards the guard: the inbox really needs authentication and data queries."""
    browser = signed_in("ini")
    with counting(engine) as statements:
        browser.get("/inbox")
    assert len(statements) >= 4  # user + substitutions + counts + tasks (+ names)
