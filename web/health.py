"""Probes for orchestrators: liveness and readiness. No sign-in, no cookies.

- ``/livez``: the process answers; 200 ``{"status": "alive"}`` without touching the database,
  so a database outage does not get the web processes restarted.
- ``/readyz``: 200 ``{"status": "ready"}`` when the database answers ``SELECT 1`` and its schema
  is at the Alembic head; otherwise 503 with ``Retry-After`` and a body naming the failed check
  (``"failed": ["database"]`` or ``["schema"]``), so traffic goes elsewhere meanwhile.
- ``/healthz``: the same as ``/readyz`` (kept for existing probes and scripts).
"""

from __future__ import annotations

import functools
import logging

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, jsonify
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from web import outage
from web.current import engine
from workflow.persistence.schema import head_revision

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@functools.cache
def _head() -> str | None:
    # The URL only fills the Alembic config; the head comes from the migration scripts.
    return head_revision("sqlite://")


@bp.get("/livez")
def livez():
    return jsonify({"status": "alive"})


@bp.get("/readyz")
def readyz():
    checks = {"database": "ok", "schema": "not_checked"}
    body: dict = {"checks": checks}
    try:
        with engine().bind.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = MigrationContext.configure(conn).get_current_revision()
    except sa_exc.SQLAlchemyError as error:
        log.warning("readiness: the database is not reachable: %s", error)
        checks["database"] = "unreachable"
        body["message"] = "The database is not reachable."
    else:
        head = _head()
        if revision == head:
            checks["schema"] = "ok"
            return jsonify({"status": "ready", **body})
        checks["schema"] = "not_at_head"
        body.update(
            message=f"The schema is not at the Alembic head (at {revision}, head {head}): "
            "run 'soglasie db upgrade'.",
            revision=revision,
            head=head,
        )
    failed = [name for name, state in checks.items() if state not in ("ok", "not_checked")]
    response = jsonify({"status": "not_ready", "failed": failed, **body})
    response.status_code = 503
    response.headers["Retry-After"] = str(outage.retry_after())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """An alias of ``/readyz``."""
    return readyz()
