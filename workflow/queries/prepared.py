"""Running statements that are built once, at import or per shape of viewer, with bound
parameters for every value.

The pages people open all day (inbox, agreement, region) run a handful of column SELECTs each.
Building such a SELECT with joins and aliases costs SQLAlchemy about as much as running it
(0.1–1 ms), and the ORM session's execute adds its own layer on top of the connection's for
rows that are plain columns anyway. So those queries keep their statements in module constants
(or an ``lru_cache`` keyed by shape) and run them here, on the session's connection, inside the
unit of work's transaction like any other statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Row
from sqlalchemy.orm import Session


def rows(session: Session, statement: Executable, **params: Any) -> list[Row]:
    return session.connection().execute(statement, params).all()


def one_or_none(session: Session, statement: Executable, **params: Any) -> Row | None:
    return session.connection().execute(statement, params).one_or_none()


def one(session: Session, statement: Executable, **params: Any) -> Row:
    return session.connection().execute(statement, params).one()
