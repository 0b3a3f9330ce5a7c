"""Appending an event to a case's audit chain and bumping its version, in one place.

Every change to an existing case goes through here: transitions, review votes, field edits,
document versions, plan items, meeting participants and minutes. The case row must be locked by
the caller (``lock_case``); the event's ``seq`` is the case's new version, so the chain stays
gap-free and ``verify_chains`` checks it like the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from workflow import audit_key
from workflow.audit import new_event
from workflow.persistence import direct
from workflow.persistence.models import AuditEvent
from workflow.search.index import index_comment
from workflow.services.casework import CaseRow, bump_version

audit_t = AuditEvent.__table__
_INSERT_AUDIT = direct.Direct(insert(audit_t))  # compiled once per dialect


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
    trigger: str | None = None,
    to_state: str | None = None,
    **case_values: Any,
) -> int:
    """Append one event of ``kind`` and bump the case's version; returns the new version.

    ``to_state`` (default: unchanged) and ``case_values`` (other columns such as ``fields``)
    are written to the case row in the same guarded UPDATE. ``case`` is updated in place
    (version, audit head), so a service may append twice. A comment is indexed for search
    (``workflow.search.index.index_comment``) in the same transaction.
    """
    new_version = case.version + 1
    key = audit_key.for_session(session)
    event = new_event(
        case_id=case.id,
        seq=new_version,
        prev_hash=case.audit_head,
        kind=kind,
        actor_id=actor_id,
        acting_for_id=acting_for_id,
        trigger=trigger,
        from_state=case.state,
        to_state=to_state or case.state,
        comment=comment,
        definition_id=case.definition_id,
        data=data,
        created_at=now,
        key=key,
    )
    direct.defer(session, _INSERT_AUDIT, event)  # sent with the UPDATE below
    head_mac = audit_key.head_mac(key, case.id, event["hash"])
    bump_version(session, case, now, audit_head=event["hash"], audit_mac=head_mac, **case_values)
    case.audit_head = event["hash"]
    if comment and comment.strip():
        index_comment(session, case.id, new_version, actor_id, now, comment)
    return new_version
