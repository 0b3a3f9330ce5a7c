"""Units of work inside an enclosing transaction (workflow.persistence.enclosing), on SQLite and
PostgreSQL: nothing is durable before the enclosing commit, a unit's rollback undoes only its
own work, a failing read unit does not end the enclosing transaction, and after-commit
callbacks wait for the enclosing commit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from workflow.persistence.enclosing import enclosing_transaction
from workflow.persistence.login_attempts import LoginAttempt

AT = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def _names(engine) -> list[str]:
    with engine.uow(write=False) as uow:
        return sorted(uow.session.scalars(select(LoginAttempt.username)))


def _add(uow, name: str) -> None:
    uow.session.add(LoginAttempt(username=name, address="127.0.0.1", attempted_at=AT))
    uow.session.flush()


def _run(engine, *, commit: bool, calls: list[str]) -> None:
    with enclosing_transaction(engine.bind) as outer:
        with engine.uow() as uow:
            _add(uow, "kept")
            uow.after_commit(lambda: calls.append("after"))
            uow.commit()
        assert calls == []  # not durable yet: the callback waits
        with engine.uow() as uow:
            _add(uow, "undone")  # leaves without commit: its savepoint rolls back
        with pytest.raises(LookupError), engine.uow(write=False) as uow:
            uow.session.scalar(select(func.count()).select_from(LoginAttempt))
            raise LookupError
        with engine.uow(write=False) as uow:  # the enclosing transaction is alive and sees
            assert uow.session.scalars(select(LoginAttempt.username)).all() == ["kept"]
        assert outer.wrote
        if commit:
            outer.commit()


def test_nothing_is_durable_without_the_enclosing_commit(engine):
    calls: list[str] = []
    _run(engine, commit=False, calls=calls)
    assert _names(engine) == [] and calls == []


def test_the_enclosing_commit_keeps_the_committed_units_only(engine):
    calls: list[str] = []
    _run(engine, commit=True, calls=calls)
    assert _names(engine) == ["kept"] and calls == ["after"]


def test_one_enclosing_transaction_per_thread(engine):
    with (
        enclosing_transaction(engine.bind),
        pytest.raises(RuntimeError),
        enclosing_transaction(engine.bind),
    ):
        pass
