"""The demo's simulated clock: one row, shared by the web app and the worker.

A person trying the demo wants to see a reminder, an escalation and a digest arrive without
waiting a week. In demo mode (``SOGLASIE_ENV=demo`` only) the engine's clock reads this row:
the simulated time is ``simulated_at + (real now − real_at) × speed``. Moving the clock forward
or changing its speed writes a new anchor; every process reads the row again within seconds.
No row means real time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Integer
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime


class DemoClockRow(Base):
    __tablename__ = "demo_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    real_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    simulated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    speed: Mapped[float] = mapped_column(Float, default=1.0)
