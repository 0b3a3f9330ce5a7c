"""Server-side sign-in sessions: one row per sign-in, so signing out ends it for good.

The browser holds a random token (in the Flask session, and in the remember-me cookie when the
user asked to be remembered); the row keeps only its SHA-256, found with one indexed lookup on
every request. A row stops working when ``revoked_at`` is set (sign-out, a password change,
deactivation, "sign out everywhere") or ``expires_at`` passes (an absolute limit counted from the
sign-in: 12 hours, or the remember-me period). ``user_agent`` and ``address`` are what the
browser said at sign-in, shown on the "My sessions" page so a user recognises her devices.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime


class UserSession(Base):
    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
