"""A decision whose COMMIT loses its connection gets the truthful answer (PostgreSQL).

The connection is really lost at the COMMIT (``tests.support.commit_cutter``: a relay between
the app and the real server) and the server really committed, or really did not:

- committed, answer lost: the client gets the 200 it would have had; the decision is recorded
  once;
- not committed: 503 with ``Retry-After``, ``database_unavailable``, "nothing was changed";
  nothing in the audit trail, and repeating the request works;
- still in progress when the time to ask runs out: 503 ``outcome_unknown`` naming the case to
  read.

The resolver itself is checked against real transaction ids (committed, rolled back, open).

SQLite has no such case: its COMMIT is a call into a local file in this process, which either
returns (committed, synced) or raises (not committed); see ``workflow/persistence/
commit_outcome.py``. There a unit of work asks for no transaction id at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from tests.api.conftest import SECRET
from tests.api.scenario import ApiClient, regional_fields
from tests.domain.world import build_domain_world
from tests.support.commit_cutter import CommitCutter
from web.app import create_app
from workflow.engine import Engine
from workflow.persistence import commit_outcome
from workflow.persistence.commit_outcome import Outcome, find_outcome
from workflow.persistence.models import AuditEvent
from workflow.services.tokens import issue_token
from workflow.settings import Settings


@pytest.fixture
def cutter(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("a lost COMMIT is a PostgreSQL matter (SQLite commits in-process)")
    relay = CommitCutter(db_url)
    yield relay
    relay.close()


@pytest.fixture
def api(cutter, clock, shipped_definitions):
    engine = Engine.create(cutter.url, shipped_definitions, clock=clock)
    world = build_domain_world(engine)
    with engine.uow() as uow:
        _info, token = issue_token(uow.session, clock, world.users["ta_ini"], "tests")
        uow.commit()
    settings = Settings(
        env="test",
        database_url=cutter.url,
        secret_key=SECRET,
        extra={"SOGLASIE_COMMIT_OUTCOME_SECONDS": "2"},
    )
    app = create_app(settings, engine=engine, config={"TESTING": True})
    yield ApiClient(app.test_client(), {"ta_ini": token}).as_("ta_ini"), engine
    engine.dispose()


def _new_case(ini, clock) -> int:
    created = ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(clock.now().date())},
    ).ok(201)
    return created["id"]


def _decisions(engine, case_id: int, trigger: str) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.trigger == trigger)
        )


def _version(ini, case_id: int) -> int:
    return ini.get(f"/agreements/{case_id}").ok()["version"]


def test_a_decision_committed_before_the_connection_was_lost_answers_success(api, cutter, clock):
    ini, engine = api
    case_id = _new_case(ini, clock)
    before = _version(ini, case_id)
    cutter.arm("after")
    reply = ini.post(f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"})
    assert cutter.cut.is_set()  # the COMMIT did reach the server, and its answer was lost
    assert reply.status == 200, reply.json
    assert reply.json["trigger"] == "notify_negotiations"
    assert reply.json["version"] == before + 1
    assert reply.response.headers["ETag"]
    assert _decisions(engine, case_id, "notify_negotiations") == 1
    assert _version(ini, case_id) == before + 1  # the app reads on, on fresh connections


def test_a_decision_not_committed_is_a_503_to_retry_and_nothing_is_recorded(api, cutter, clock):
    ini, engine = api
    case_id = _new_case(ini, clock)
    before = _version(ini, case_id)
    cutter.arm("before")
    reply = ini.post(f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"})
    assert cutter.cut.is_set()
    assert reply.status == 503, reply.json
    assert reply.response.headers["Retry-After"] == "5"
    assert reply.json["code"] == "database_unavailable"
    assert reply.json["errors"] == {"outcome": "not_saved"}
    assert "confirms that it was not saved: nothing was changed" in reply.json["message"]
    assert _decisions(engine, case_id, "notify_negotiations") == 0
    assert _version(ini, case_id) == before
    again = ini.post(f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"})
    assert again.status == 200, again.json
    assert _decisions(engine, case_id, "notify_negotiations") == 1


def test_a_decision_whose_outcome_cannot_be_learned_says_so_and_how_to_check(api, cutter, clock):
    ini, _engine = api
    case_id = _new_case(ini, clock)
    before = _version(ini, case_id)
    cutter.arm("hold")  # the server keeps the transaction open: neither committed nor aborted
    try:
        reply = ini.post(
            f"/agreements/{case_id}/transitions", json={"trigger": "notify_negotiations"}
        )
    finally:
        cutter.release()  # now the server rolls it back
    assert cutter.cut.is_set()
    assert reply.status == 503, reply.json
    assert reply.response.headers["Retry-After"] == "5"
    assert reply.json["code"] == "outcome_unknown"
    assert reply.json["errors"] == {"outcome": "unknown", "check": f"/api/v1/agreements/{case_id}"}
    assert "could not be learned within 2 seconds" in reply.json["message"]
    assert "compare its version" in reply.json["message"]
    assert _version(ini, case_id) == before  # what checking shows here: it was not recorded


def _xid_of(bind, finish: str) -> str:
    with bind.connect() as conn:
        xid = conn.execute(text("SELECT CAST(pg_current_xact_id() AS text)")).scalar_one()
        getattr(conn, finish)()
    return xid


def test_the_resolver_reads_real_transaction_outcomes(cutter, db_url, clock, shipped_definitions):
    engine = Engine.create(db_url, shipped_definitions, clock=clock, sync=False)
    bind = engine.bind
    try:
        assert find_outcome(bind, _xid_of(bind, "commit"), within=1) is Outcome.COMMITTED
        assert find_outcome(bind, _xid_of(bind, "rollback"), within=1) is Outcome.NOT_COMMITTED
        with bind.connect() as open_one:
            xid = open_one.execute(text("SELECT CAST(pg_current_xact_id() AS text)")).scalar_one()
            assert find_outcome(bind, xid, within=0.5) is Outcome.UNKNOWN  # still in progress
            open_one.rollback()
        assert find_outcome(bind, xid, within=1) is Outcome.NOT_COMMITTED
        # A server that cannot be reached: unknown once the time is up, not an exception.
        nowhere = Engine.create(
            db_url.replace(":5432/", ":1/"), shipped_definitions, clock=clock, sync=False
        )
        assert find_outcome(nowhere.bind, xid, within=0.5) is Outcome.UNKNOWN
        nowhere.dispose()
    finally:
        engine.dispose()


def test_a_unit_of_work_knows_its_transaction_id_only_once_it_has_written(engine, backend):
    if backend == "sqlite":
        pytest.skip("PostgreSQL transaction ids")
    with engine.uow() as uow:
        assert commit_outcome.transaction_id(uow.session) is None
        uow.session.execute(text("CREATE TEMPORARY TABLE scratch_write (x int)"))
        xid = commit_outcome.transaction_id(uow.session)
        assert xid is not None and int(xid) > 0
        uow.commit()
    assert find_outcome(engine.bind, xid, within=1) is Outcome.COMMITTED


def test_a_wait_of_zero_turns_the_check_off(engine, backend):
    """``SOGLASIE_COMMIT_OUTCOME_SECONDS=0``: no transaction id asked (the round trip saved)."""
    if backend == "sqlite":
        pytest.skip("PostgreSQL transaction ids")
    commit_outcome.configure(engine.session_factory, 0)
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine.bind, "before_cursor_execute", count)
    with engine.uow() as uow:
        uow.session.execute(text("CREATE TEMPORARY TABLE scratch_write (x int)"))
        uow.commit()
    event.remove(engine.bind, "before_cursor_execute", count)
    assert not [s for s in seen if "pg_current_xact_id" in s]


@pytest.mark.parametrize(("raw", "seconds"), [(None, 5.0), ("", 5.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_wait_is_read_from_the_setting(raw, seconds):
    assert commit_outcome.seconds_from(raw) == seconds


@pytest.mark.parametrize("raw", ["abc", "-1", "61", "nan"])
def test_a_wait_that_is_not_a_number_of_seconds_is_refused_by_name(raw):
    with pytest.raises(ValueError, match="SOGLASIE_COMMIT_OUTCOME_SECONDS"):
        commit_outcome.seconds_from(raw)


def test_a_keyed_decision_committed_before_the_connection_was_lost_answers_success_once(
    api, cutter, clock
):
    """With an Idempotency-Key the whole request is one enclosing transaction: its COMMIT is
    settled the same way, and a repeat with the key replays the answer without deciding again."""
    ini, engine = api
    case_id = _new_case(ini, clock)
    before = _version(ini, case_id)
    keyed = {"Idempotency-Key": "lost-commit-after"}
    cutter.arm("after")
    reply = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "notify_negotiations"},
        headers=keyed,
    )
    assert cutter.cut.is_set()
    assert reply.status == 200, reply.json
    assert reply.json["version"] == before + 1
    again = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "notify_negotiations"},
        headers=keyed,
    )
    assert again.status == 200 and again.response.headers["Idempotent-Replayed"] == "true"
    assert again.json == reply.json
    assert _decisions(engine, case_id, "notify_negotiations") == 1


def test_a_keyed_decision_not_committed_is_a_503_and_the_same_key_then_decides_once(
    api, cutter, clock
):
    ini, engine = api
    case_id = _new_case(ini, clock)
    keyed = {"Idempotency-Key": "lost-commit-before"}
    cutter.arm("before")
    reply = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "notify_negotiations"},
        headers=keyed,
    )
    assert cutter.cut.is_set()
    assert reply.status == 503, reply.json
    assert reply.json["errors"] == {"outcome": "not_saved"}
    assert _decisions(engine, case_id, "notify_negotiations") == 0
    again = ini.post(
        f"/agreements/{case_id}/transitions",
        json={"trigger": "notify_negotiations"},
        headers=keyed,
    )
    assert again.status == 200, again.json
    assert "Idempotent-Replayed" not in again.response.headers
    assert _decisions(engine, case_id, "notify_negotiations") == 1
