"""Imports every module that defines tables, so ``Base.metadata`` is complete.

Alembic, ``create_all`` in tests and the migration check all go through ``metadata()``. A new
table module must be imported here.
"""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from workflow.persistence import (  # noqa: F401
        demo_clock,
        documents,
        email_decisions,
        idempotency,
        integrations,
        login_attempts,
        mailbox,
        meetings,
        models,
        papers,
        plans,
        search,
        user_sessions,
    )
    from workflow.persistence.base import Base

    return Base.metadata
