"""Tables for integrators: personal API tokens and webhook subscriptions.

A token is stored as the SHA-256 of its full text; only its short ``prefix`` (unique) is kept in
clear so a presented token is found with one indexed lookup. The plaintext exists once, in the
response that created it.

A webhook subscription keeps its signing ``secret`` in clear because every delivery is signed
with it (HMAC needs the key itself); it is shown to the subscriber once, at creation or rotation.
Deliveries are not a table of their own: they are outbox rows with channel ``webhook`` whose
idempotency key starts with ``webhook:<subscription id>:`` (see ``workflow.services.webhooks``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, JSONType, UTCDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole token
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI
    expires_on: Mapped[dt.date | None] = mapped_column(Date)  # last valid day (Moscow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    """An organization's URL that receives the event kinds it chose, signed with ``secret``."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_org", "org_id", "is_active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
