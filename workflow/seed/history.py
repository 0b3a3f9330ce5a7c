"""Replaying a case's history through the Engine services, each step on its own past day.

The demo's agreements have a past: one was initiated fourteen months ago, signed, registered,
and has a plan of activities. ``History`` runs each step through a copy of the engine whose
clock stands at 09:00 Moscow time on that day, so the audit trail, the task due dates and the
reminders are those the real procedure would have produced, and the audit chains verify.

Past steps run without event handlers: nobody gets an email about something that happened
months ago. Steps of today use the real engine, with its clock and handlers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflow.clock import MOSCOW, FixedClock, local_date
from workflow.engine import Engine
from workflow.policy import Actor


class Chronicle:
    """The engine at any day relative to today; actors by username."""

    def __init__(self, engine: Engine, users: dict[str, int]):
        self.engine = engine
        self.users = users
        self.today = local_date(engine.clock.now())
        self._actors: dict[str, Actor] = {}
        self._ticks = 0

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def at(self, offset: int) -> Engine:
        """The engine as it was on day ``offset`` (0: the real one). Successive calls on one
        day move the clock a minute on, so events keep their order."""
        if offset >= 0:
            return self.engine
        self._ticks += 1
        when = dt.datetime.combine(self.day(offset), dt.time(9), tzinfo=MOSCOW)
        clock = FixedClock(when + dt.timedelta(minutes=self._ticks))
        return Engine(self.engine.session_factory, self.engine.catalog, clock, handlers=())

    def actor(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = self.engine.actor(self.users[username])
        return self._actors[username]


class History:
    """One case's steps, in order of days."""

    def __init__(self, chronicle: Chronicle, case_id: int):
        self.chronicle = chronicle
        self.case_id = case_id

    @classmethod
    def start(
        cls,
        chronicle: Chronicle,
        offset: int,
        username: str,
        kind: str,
        fields: dict[str, Any],
        parent_case_id: int | None = None,
    ) -> History:
        created = chronicle.at(offset).create_case(
            chronicle.actor(username), kind, fields=fields, parent_case_id=parent_case_id
        )
        return cls(chronicle, created.id)

    def fire(
        self,
        offset: int,
        username: str,
        trigger: str,
        data: dict[str, Any] | None = None,
        comment: str | None = None,
    ) -> History:
        self.chronicle.at(offset).fire(
            self.case_id, trigger, self.chronicle.actor(username), comment, None, data or {}
        )
        return self

    def document(self, offset: int, username: str, language: str, text: str) -> History:
        self.chronicle.at(offset).add_document(
            self.case_id, self.chronicle.actor(username), language, text
        )
        return self

    def edit(self, offset: int, username: str, changes: dict[str, Any]) -> History:
        self.chronicle.at(offset).update_fields(
            self.case_id, self.chronicle.actor(username), changes
        )
        return self
