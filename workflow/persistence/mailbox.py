"""The demo mailbox: rendered emails kept in the database instead of being sent over SMTP.

When no SMTP host is configured the worker's email transport writes each message here; the web
app shows them on a local mailbox page. One row per delivery attempt that reached the "mailbox"
(a re-send after a crash appears twice, with the same Message-ID in ``headers``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, JSONType, UTCDateTime
from workflow.persistence.models import BigId


class MailboxMessage(Base):
    __tablename__ = "mailbox_messages"
    __table_args__ = (
        Index("ix_mailbox_messages_to_created", "to_address", "created_at"),
        Index("ix_mailbox_messages_outbox", "outbox_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    ics: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
