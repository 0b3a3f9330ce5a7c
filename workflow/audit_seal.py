"""``soglasie audit seal``: MAC the events and heads written before the audit key existed.

The migration that added the MACs (0006) cannot compute them: the key is not in the database.
Until an operator seals them, ``verify`` reports those rows as unsealed. Sealing vouches for
what is there, so it only seals a chain whose hashes, state, version and head are sound and
whose present MACs are valid, and never replaces a MAC (a wrong MAC stays a finding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.orm import Session

from workflow.audit import BrokenLink, chains, check_case
from workflow.audit_key import AuditKey, event_mac, head_mac
from workflow.persistence.models import AuditEvent, Case


@dataclass
class SealReport:
    events: int = 0  # events sealed now
    heads: int = 0  # case heads sealed now
    refused: list[BrokenLink] = field(default_factory=list)  # unsealed chains with a problem


def seal_chains(session: Session, key: AuditKey, case_ids: list[int] | None = None) -> SealReport:
    """Seal every unsealed event and head of sound chains; the caller commits."""
    report = SealReport()
    pending: list[tuple[int, dict[int, str], str | None]] = []
    for case, events in chains(session, case_ids):
        unsealed = {e.id: e.hash for e in events if e.mac is None}
        if not unsealed and case.audit_mac is not None:
            continue
        problem = check_case(case, events, key, unsealed_ok=True)
        if problem is not None:
            report.refused.append(problem)
            continue
        head = head_mac(key, case.id, case.audit_head) if case.audit_mac is None else None
        pending.append((case.id, {i: event_mac(key, h) for i, h in unsealed.items()}, head))
    for case_id, macs, head in pending:
        for event_id, mac in macs.items():
            session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event_id, AuditEvent.mac.is_(None))
                .values(mac=mac)
            )
        report.events += len(macs)
        if head is not None:
            session.execute(
                update(Case)
                .where(Case.id == case_id, Case.audit_mac.is_(None))
                .values(audit_mac=head)
            )
            report.heads += 1
    return report
