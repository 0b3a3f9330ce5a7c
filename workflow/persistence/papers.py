"""Issued approval sheets («лист согласования»), so that a printed sheet can be verified.

Each PDF carries a short code (and a QR of ``/verify/<code>``). The row keeps what the sheet
showed (``data``, the plain data the PDF was drawn from), its SHA-256 over a canonical JSON
form, and the case's audit chain head and last ``seq`` when it was issued. Verification compares
``data`` with the data recomputed from the audit trail as it stands: an edited row here, an
edited audit event or a paper with another code fails; later events are reported, not refused.

Rows are written once and never updated. The migration is the lead's (see the report).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, JSONType, UTCDateTime
from workflow.persistence.models import BigId


class ApprovalSheet(Base):
    __tablename__ = "approval_sheets"
    __table_args__ = (
        # "Has this very sheet been issued already?" (the same data and head: reuse its code)
        Index("ix_approval_sheets_case_hash", "case_id", "data_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # 10 chars of base32, random
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType())
    data_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical JSON of data
    audit_head: Mapped[str | None] = mapped_column(String(64))  # cases.audit_head at issue
    audit_seq: Mapped[int] = mapped_column(Integer)  # the last audit event's seq at issue
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
