"""Sweeping expired idempotency keys (``workflow.persistence.idempotency``): the worker's job
``sweep-idempotency-keys`` and ``soglasie idempotency sweep``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow.persistence import idempotency

if TYPE_CHECKING:
    from workflow.engine import Engine


def sweep_expired_keys(engine: Engine) -> int:
    """Delete the keys whose lifetime has passed; how many. Idempotent: a second run, or one on
    another worker, finds nothing left."""
    with engine.uow() as uow:
        removed = idempotency.sweep(uow.session.connection(), engine.clock.now())
        uow.commit()
    return removed
