"""Imports every module that defines tables, so ``Base.metadata`` is complete.

Alembic, ``create_all`` in tests and the migration check all go through ``metadata()``. A new
table module must be imported here.
"""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from workflow.persistence import login_attempts, meetings, models, plans  # noqa: F401
    from workflow.persistence import integrations  # noqa: F401
    from workflow.persistence import mailbox  # noqa: F401
    from workflow.persistence.base import Base

    return Base.metadata
