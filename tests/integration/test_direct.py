"""``workflow.persistence.direct`` returns and writes exactly what ``Session.execute`` does, on
both backends: typed columns (UTC timestamps, JSON, dates, booleans), expanding IN lists of any
length, INSERT … RETURNING for many rows, and SQLAlchemy's exception classes."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import (
    String,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from workflow.persistence import direct
from workflow.persistence.models import Organization, Reminder

reminders_t = Reminder.__table__
NOW = dt.datetime(2026, 3, 2, 6, 0, 0, 123456, tzinfo=dt.UTC)
COLUMNS = (
    reminders_t.c.id,
    reminders_t.c.key,
    reminders_t.c.due_at,
    reminders_t.c.deadline_on,
    reminders_t.c.data,
    reminders_t.c.status,
)
INSERT = direct.Direct(insert(reminders_t).returning(reminders_t.c.id))
SELECT = direct.Direct(select(*COLUMNS).where(reminders_t.c.key == bindparam("key")))
CANCEL = direct.Direct(
    update(reminders_t)
    .where(
        reminders_t.c.id.in_(bindparam("ids", expanding=True)), reminders_t.c.status == "pending"
    )
    .values(status="cancelled", fired_at=bindparam("now"))
)


def _row(key: str, **extra) -> dict:
    return {
        "key": key,
        "case_id": None,
        "task_id": None,
        "kind": "reminder",
        "due_at": NOW + dt.timedelta(days=1),
        "deadline_on": dt.date(2026, 3, 6),
        "role": None,
        "org_id": None,
        "user_id": None,
        "rule": "a rule",
        "data": {"before": "3 working_days", "ключ": ["значение", 1]},
        "status": "pending",
        "created_at": NOW,
        **extra,
    }


def test_direct_statements_read_and_write_what_the_session_does(engine):
    with engine.uow() as uow:
        session = uow.session
        ids = direct.run_many(session, INSERT, [_row("a"), _row("b"), _row("c")]).scalars()
        assert len(ids) == 3 and ids == sorted(ids)
        mine = direct.run(session, SELECT, {"key": "a"}).first()
        theirs = session.execute(select(*COLUMNS).where(reminders_t.c.key == "a")).one()
        assert tuple(mine) == tuple(theirs)
        assert mine.due_at == NOW + dt.timedelta(days=1) and mine.due_at.tzinfo is not None
        assert mine.data == {"before": "3 working_days", "ключ": ["значение", 1]}
        assert mine.deadline_on == dt.date(2026, 3, 6)

        assert direct.run(session, CANCEL, {"ids": ids[:2], "now": NOW}).rowcount == 2
        assert direct.run(session, CANCEL, {"ids": ids, "now": NOW}).rowcount == 1
        assert direct.run(session, CANCEL, {"ids": [], "now": NOW}).rowcount == 0
        statuses = dict(session.execute(select(reminders_t.c.key, reminders_t.c.status)).all())
        assert statuses == {"a": "cancelled", "b": "cancelled", "c": "cancelled"}
        fired = session.scalar(select(reminders_t.c.fired_at).where(reminders_t.c.key == "c"))
        assert fired == NOW
        uow.commit()


def test_a_direct_statement_rolls_back_with_its_transaction(engine):
    with engine.uow() as uow:
        direct.run_many(uow.session, INSERT, [_row("gone")])
    with engine.uow(write=False) as uow:
        assert direct.run(uow.session, SELECT, {"key": "gone"}).rows == []


def test_driver_errors_surface_as_sqlalchemy_errors(engine):
    with engine.uow() as uow:
        direct.run_many(uow.session, INSERT, [_row("twice")])
        with pytest.raises(IntegrityError):
            direct.run_many(uow.session, INSERT, [_row("twice")])


def test_an_insert_without_a_defaulted_column_is_refused():
    statement = direct.Direct(insert(Organization.__table__))
    with pytest.raises(ValueError, match="timezone"):
        statement.form(_dialect("sqlite"), {"code": "X", "kind": "region", "name_ru": "X"})


def _dialect(name: str):
    from sqlalchemy.dialects import sqlite

    assert name == "sqlite"
    return sqlite.pysqlite.dialect()


def test_a_deferred_write_is_seen_by_every_later_statement_of_its_transaction(engine):
    with engine.uow() as uow:
        session = uow.session
        direct.defer_many(session, INSERT_PLAIN, [_row("later")])
        assert direct.run(session, SELECT, {"key": "later"}).first().status == "pending"
        direct.defer(session, CANCEL, {"ids": [_id(session, "later")], "now": NOW})
        # A statement through the session (not direct) sees it too.
        assert _status(session, "later") == "cancelled"
        direct.defer(session, CANCEL_BY_KEY, {"key": "later", "now": NOW})
        uow.commit()  # the deferred write travels with the commit
    with engine.uow(write=False) as uow:
        row = direct.run(uow.session, SELECT, {"key": "later"}).first()
        assert row.status == "fired"


def test_deferred_writes_of_a_rolled_back_transaction_never_run(engine):
    with engine.uow() as uow:
        direct.defer_many(uow.session, INSERT_PLAIN, [_row("never")])
    with engine.uow() as uow:
        direct.defer_many(uow.session, INSERT_PLAIN, [_row("next")])
        uow.commit()
    with engine.uow(write=False) as uow:
        keys = set(uow.session.scalars(select(reminders_t.c.key)))
    assert keys == {"next"}


def test_a_failing_deferred_write_fails_the_commit_and_nothing_is_kept(engine):
    with engine.uow() as uow:
        direct.defer_many(uow.session, INSERT_PLAIN, [_row("dup")])
        uow.commit()
    with pytest.raises(IntegrityError), engine.uow() as uow:
        direct.defer_many(uow.session, INSERT_PLAIN, [_row("fresh")])
        direct.defer_many(uow.session, INSERT_PLAIN, [_row("dup")])
        uow.commit()
    with engine.uow(write=False) as uow:
        keys = set(uow.session.scalars(select(reminders_t.c.key)))
    assert keys == {"dup"}


def test_a_pooled_connection_the_server_closed_is_replaced(engine, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL connections only")
    with engine.uow() as uow:
        pid = uow.session.scalar(text("SELECT pg_backend_pid()"))
    admin = create_engine(engine.bind.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)  # let the server's goodbye reach the pooled connection's socket
    with engine.uow() as uow:
        assert uow.session.scalar(text("SELECT pg_backend_pid()")) != pid


INSERT_PLAIN = direct.Direct(insert(reminders_t))
CANCEL_BY_KEY = direct.Direct(
    update(reminders_t)
    .where(reminders_t.c.key == bindparam("key"))
    .values(status="fired", fired_at=bindparam("now"))
)


def _id(session, key: str) -> int:
    return session.scalar(select(reminders_t.c.id).where(reminders_t.c.key == key))


def _status(session, key: str) -> str:
    return session.scalar(select(reminders_t.c.status).where(reminders_t.c.key == key))


def test_every_statement_of_a_unit_runs_in_one_server_transaction(engine, backend):
    # On PostgreSQL the driver is in autocommit and the BEGIN rides with the first statement
    # (``direct.install``): the statements after it must still share its transaction.
    if backend != "postgres":
        pytest.skip("PostgreSQL transactions only")
    seen: list[str] = []

    def log(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine.bind, "before_cursor_execute", log)
    try:
        with engine.uow() as uow:
            uow.commit()  # nothing ran: nothing is sent, not even BEGIN / COMMIT
        assert seen == []
        with engine.uow() as uow:
            session = uow.session
            first = direct.run(session, XACT).first()[0]
            direct.defer_many(session, INSERT_PLAIN, [_row("in-tx")])
            assert session.scalar(text("SELECT pg_current_xact_id()")) == first
            assert direct.run(session, XACT).first()[0] == first
        assert seen[0] == "BEGIN"
        with engine.uow(write=False) as uow:
            assert direct.run(uow.session, SELECT, {"key": "in-tx"}).rows == []
    finally:
        event.remove(engine.bind, "before_cursor_execute", log)


XACT = direct.Direct(select(func.pg_current_xact_id().cast(String)))


def test_a_prefetched_read_runs_in_its_place_among_the_held_back_writes(engine):
    with engine.uow() as uow:
        session = uow.session
        direct.defer_many(session, INSERT_PLAIN, [_row("before")])
        early = direct.prefetch(session, SELECT, {"key": "before"})
        direct.defer(session, CANCEL_BY_KEY, {"key": "before", "now": NOW})
        row = early.rows[0]
        assert row.status == "pending" and row.data["ключ"] == ["значение", 1]
        assert row.due_at == NOW + dt.timedelta(days=1)
        assert _status(session, "before") == "fired"
        uow.commit()
