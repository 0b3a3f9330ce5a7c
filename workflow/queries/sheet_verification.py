"""Is an issued approval sheet still true to the record? The public ``/verify/<code>`` page.

A person holds a paper and follows its QR code. The verdict, strongest first:

* ``broken`` — the case's audit chain fails its own check (an event was edited or deleted):
  nothing recomputed from it can be trusted, and no rows are shown;
* ``forged`` — the issued row's data does not hash to its stored hash, the event the sheet was
  made on is no longer in the chain, or a decision row of the sheet differs from the same
  decision recomputed from the audit trail now (a changed name, decision, time or remark);
* ``changed`` — every row of the sheet is still true, but N events came later (new decisions,
  a registration): a later decision is not a forgery, the page says what changed;
* ``matches`` — the sheet's data is what the record gives today.

What the page shows is the *recomputed* data limited to the decisions the sheet had
(``as_of`` its audit ``seq``): true rows to hold next to the paper, and nothing the sheet did not
show. Sections changed since issue are named, not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.audit import verify_case
from workflow.definitions.model import Definition
from workflow.persistence.models import AuditEvent
from workflow.persistence.papers import ApprovalSheet
from workflow.queries.approval_sheet import data_hash, decision_rows, sheet_data
from workflow.queries.case_detail import header

HEADER_SECTIONS = ("case", "parties", "approved_texts", "signing", "registration")


@dataclass
class Verdict:
    status: str  # matches | changed | forged | broken
    code: str
    issued_at: Any
    data_hash: str
    shown: dict[str, Any] | None  # the true data as of issue (None when the chain is broken)
    later_events: int = 0
    new_decisions: int = 0
    changed_sections: list[str] = field(default_factory=list)
    differing_rows: dict[int, list[str]] = field(default_factory=dict)  # seq -> field names
    missing_rows: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("matches", "changed")


def find_sheet(session: Session, code: str) -> ApprovalSheet | None:
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if not code or len(code) > 16:
        return None
    return session.scalars(select(ApprovalSheet).where(ApprovalSheet.code == code)).first()


def verify_sheet(
    session: Session, code: str, definition_of: Callable[[int], Definition]
) -> Verdict | None:
    """None for an unknown code (or a sheet whose case is gone)."""
    sheet = find_sheet(session, code)
    if sheet is None:
        return None
    head = header(session, sheet.case_id)
    if head is None:
        return None
    verdict = Verdict("matches", sheet.code, sheet.issued_at, sheet.data_hash, None)
    broken = verify_case(session, sheet.case_id)
    if broken is not None:
        verdict.status = "broken"
        verdict.reasons.append("audit_chain")
        return verdict
    stored = sheet.data or {}
    if data_hash(stored) != sheet.data_hash:
        verdict.reasons.append("stored_hash")
    issued_event = session.scalar(
        select(AuditEvent.hash).where(
            AuditEvent.case_id == sheet.case_id, AuditEvent.seq == sheet.audit_seq
        )
    )
    if sheet.audit_seq and issued_event != sheet.audit_head:
        verdict.reasons.append("audit_head")
    last_seq = session.scalar(
        select(func.coalesce(func.max(AuditEvent.seq), 0)).where(
            AuditEvent.case_id == sheet.case_id
        )
    )
    verdict.later_events = max(0, last_seq - sheet.audit_seq)

    definition = definition_of(head.definition_id)
    current = sheet_data(session, head, definition, sheet.language)
    as_issued = sheet_data(session, head, definition, sheet.language, as_of=sheet.audit_seq)
    stored_rows, true_rows = decision_rows(stored), decision_rows(as_issued)
    for seq, row in stored_rows.items():
        true = true_rows.get(seq)
        if true is None:
            verdict.missing_rows.append(seq)
            continue
        differing = sorted(k for k in set(row) | set(true) if row.get(k) != true.get(k))
        if differing:
            verdict.differing_rows[seq] = differing
    extra = sorted(set(true_rows) - set(stored_rows))
    if extra:  # decisions the record had at issue but the stored sheet leaves out
        verdict.missing_rows.extend(extra)
    if verdict.missing_rows or verdict.differing_rows:
        verdict.reasons.append("rows")
    verdict.new_decisions = len(decision_rows(current)) - len(true_rows)
    verdict.changed_sections = [s for s in HEADER_SECTIONS if stored.get(s) != current.get(s)]
    shown = dict(as_issued)
    for section in verdict.changed_sections:
        shown[section] = None  # changed since issue: named on the page, not shown
    verdict.shown = shown

    if verdict.reasons:
        verdict.status = "forged"
    elif current == stored:
        verdict.status = "matches"
    elif verdict.later_events:
        verdict.status = "changed"
    else:  # different data, yet nothing happened since: not what was issued
        verdict.status = "forged"
        verdict.reasons.append("data")
    return verdict
