"""Issuing an approval sheet: the code a printed sheet carries, and the record behind it.

One transaction: read the case and its decisions, compute the data and its hash, and either
reuse the code of a sheet already issued with the very same data on the same audit head (a
second print of an unchanged sheet is the same sheet) or insert a new ``approval_sheets`` row
with a fresh code. The code is 50 random bits in base32 (10 characters, no padding): short
enough to type from paper, too many to guess (verification is public).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from workflow.errors import NotFound
from workflow.persistence.models import AuditEvent, Case, User
from workflow.persistence.papers import ApprovalSheet
from workflow.policy import Actor, can_view
from workflow.queries.approval_sheet import data_hash, sheet_data
from workflow.queries.case_detail import header

if TYPE_CHECKING:
    from workflow.engine import Engine

CODE_LENGTH = 10


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(7)).decode("ascii")[:CODE_LENGTH]


@dataclass(frozen=True)
class IssuedSheet:
    code: str
    data: dict[str, Any]
    data_hash: str
    audit_head: str | None
    issued_at: Any
    issued_by: str  # the issuer's name, printed on the sheet


def issue_approval_sheet(engine: Engine, actor: Actor, case_id: int, language: str) -> IssuedSheet:
    """NotFound for a case the actor may not see (its existence does not leak)."""
    now = engine.clock.now()
    with engine.uow() as uow:
        session = uow.session
        head = header(session, case_id)
        if head is None or not can_view(actor, head):
            raise NotFound(f"Case {case_id} not found.")
        definition = engine.catalog.get(head.definition_id, session).definition
        audit_head = session.scalar(select(Case.audit_head).where(Case.id == case_id))
        seq = session.scalar(
            select(func.coalesce(func.max(AuditEvent.seq), 0)).where(AuditEvent.case_id == case_id)
        )
        data = sheet_data(session, head, definition, language)
        digest = data_hash(data)
        existing = session.scalars(
            select(ApprovalSheet).where(
                ApprovalSheet.case_id == case_id,
                ApprovalSheet.data_hash == digest,
                ApprovalSheet.language == language,
                ApprovalSheet.audit_seq == seq,
            )
        ).first()
        if existing is not None:
            issuer = session.scalar(select(User.full_name).where(User.id == existing.issued_by))
            return IssuedSheet(
                existing.code, data, digest, audit_head, existing.issued_at, issuer or ""
            )
        issuer = session.scalar(select(User.full_name).where(User.id == actor.user_id))
        code = new_code()
        session.add(
            ApprovalSheet(
                code=code,
                case_id=case_id,
                language=language,
                data=data,
                data_hash=digest,
                audit_head=audit_head,
                audit_seq=seq,
                issued_at=now,
                issued_by=actor.user_id,
            )
        )
        uow.commit()
    return IssuedSheet(code, data, digest, audit_head, now, issuer or "")
