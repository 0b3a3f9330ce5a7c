"""Appending a non-transition event to a case's audit chain (a plan item changed, a meeting's
participants or minutes changed), inside the caller's transaction.

The case row must be locked by the caller (``lock_case``); the event's ``seq`` is the case's new
version, as for every other audit event, so the chain stays gap-free and ``verify_chains`` checks
it like the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from workflow.audit import new_event
from workflow.persistence.models import AuditEvent
from workflow.services.casework import CaseRow, bump_version

audit_t = AuditEvent.__table__


def append_case_event(
    session: Session,
    case: CaseRow,
    *,
    kind: str,
    actor_id: int | None,
    now: dt.datetime,
    data: dict[str, Any],
    comment: str | None = None,
    acting_for_id: int | None = None,
) -> int:
    """Append one event of ``kind`` and bump the case's version; returns the new version.

    ``case`` is updated in place (version, audit head), so a service may append twice.
    """
    new_version = case.version + 1
    event = new_event(
        case_id=case.id,
        seq=new_version,
        prev_hash=case.audit_head,
        kind=kind,
        actor_id=actor_id,
        acting_for_id=acting_for_id,
        trigger=None,
        from_state=case.state,
        to_state=case.state,
        comment=comment,
        definition_id=case.definition_id,
        data=data,
        created_at=now,
    )
    session.execute(insert(audit_t), event)
    bump_version(session, case, now, audit_head=event["hash"])
    case.audit_head = event["hash"]
    return new_version
