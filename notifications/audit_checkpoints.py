"""The worker's daily audit checkpoint (``SOGLASIE_AUDIT_CHECKPOINT_FILE``).

Once a day (UTC), once per cluster, the worker verifies every chain and appends a checkpoint of
every head to the file (``workflow.audit_checkpoint``). A day that already has a line in the file
is skipped, so the hourly job and several workers write one line a day. Broken chains are logged
and no checkpoint is written: it would vouch for the damage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from notifications.cluster import once_per_cluster
from workflow import audit_checkpoint
from workflow.audit import verify_chains

if TYPE_CHECKING:
    from workflow.engine import Engine

log = logging.getLogger("soglasie.worker")


def _last_day(path: Path) -> str | None:
    """The UTC date (ISO) of the file's last checkpoint line, if any."""
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        return str(json.loads(lines[-1])["taken_at"])[:10] if lines else None
    except (ValueError, KeyError, TypeError):
        return None  # a damaged last line: verify reports it; a new line is still due


def checkpoint_daily(engine: Engine, path: Path, now: dt.datetime) -> bool:
    """Append today's checkpoint unless the file has one; True if one was written."""
    today = now.astimezone(dt.UTC).date().isoformat()
    with once_per_cluster(engine, "audit-checkpoint") as mine:
        if not mine or _last_day(path) == today:
            return False
        with engine.uow(write=False) as uow:
            report = verify_chains(uow.session)
            if not report.ok:
                for link in report.broken:
                    log.error("audit: %s", link)
                log.error("audit: no checkpoint today: %d chain(s) broken", len(report.broken))
                return False
            key = engine.audit_key
            taken = audit_checkpoint.take(uow.session, key, now)
        audit_checkpoint.append(path, taken)
        log.info("audit checkpoint: %d case(s), root %s", len(taken.heads), taken.root)
        return True
