"""Failed sign-in attempts, kept so throttling works across processes (gunicorn workers, hosts).

A row is one failed attempt for a username from an address. The web layer counts the rows of
the last few minutes per account and per address and answers 429 when either is over its limit;
old rows are pruned as new ones arrive, so nobody is locked out for good.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))  # as typed, lowercased; may not exist
    address: Mapped[str] = mapped_column(String(64))  # the client's IP address
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
