"""A commit is on disk before the engine reports it (SQLite ``synchronous=FULL``, PostgreSQL's
default ``synchronous_commit``), except in a unit of work that asks otherwise (``durable=False``,
for marks whose loss repeats itself), and such a unit leaves no connection behind relaxed."""

from __future__ import annotations

from sqlalchemy import text

from workflow.persistence.db import SQLITE_SYNCHRONOUS

SQLITE_LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def _commit_setting(uow, backend: str) -> str:
    if backend == "sqlite":
        level = uow.session.execute(text("PRAGMA synchronous")).scalar_one()
        return SQLITE_LEVELS[level]
    return uow.session.execute(text("SHOW synchronous_commit")).scalar_one()


def test_writes_wait_for_the_disk_unless_told_not_to(engine, backend):
    durable, relaxed = ("FULL", "NORMAL") if backend == "sqlite" else ("on", "off")
    assert SQLITE_SYNCHRONOUS == "FULL"
    seen = []
    for options in ({}, {"durable": False}, {}, {"write": False}, {"durable": False}, {}):
        with engine.uow(**options) as uow:
            seen.append(_commit_setting(uow, backend))
            uow.commit()
    assert seen == [durable, relaxed, durable, durable, relaxed, durable]


def test_a_relaxed_unit_that_fails_leaves_the_next_one_durable(engine, backend):
    durable = "FULL" if backend == "sqlite" else "on"
    try:
        with engine.uow(durable=False) as uow:
            _commit_setting(uow, backend)
            raise RuntimeError("the mark could not be written")
    except RuntimeError:
        pass
    for _ in range(3):  # whichever pooled connection comes next
        with engine.uow() as uow:
            assert _commit_setting(uow, backend) == durable
