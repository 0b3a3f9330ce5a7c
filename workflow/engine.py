"""The engine: the services' shared dependencies, and their public entry points.

    engine = Engine.create(database_url, definitions_dir)
    result = engine.fire(case_id, "approve", actor, comment="…", expected_version=7)

Every public method is one service call: one unit of work, one commit. The web app, the API,
the CLI and the worker all act through these methods, so a transition behaves the same whichever
door it comes through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as SAEngine
from sqlalchemy.orm import Session, sessionmaker

from workflow.audit_key import AuditKey
from workflow.clock import Clock, SystemClock, local_date
from workflow.definitions.catalog import Catalog
from workflow.definitions.directory import DefinitionSet, load_verified
from workflow.documents import Limits
from workflow.email_decisions import EmailDecisionConfig
from workflow.events import Event, HandlerContext
from workflow.outbox import task_notifications
from workflow.persistence.blob_store import BlobStore, DatabaseBlobStore
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork
from workflow.policy import Actor, load_actor
from workflow.reminders import plan_meeting_reminders
from workflow.services import documents, meeting_minutes, meetings, plans
from workflow.services.actions import available_transitions
from workflow.services.cases import create_case, update_fields
from workflow.services.firing import fire
from workflow.services.substitutions import revoke_substitution, set_substitution
from workflow.services.tasks import claim_task, reassign_task, release_task
from workflow.services.webhooks import webhook_deliveries

HandlerFn = Callable[[HandlerContext, Sequence[Event]], None]


class Engine:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        catalog: Catalog,
        clock: Clock,
        handlers: Sequence[HandlerFn] = (
            task_notifications,
            webhook_deliveries,
            plan_meeting_reminders,
        ),
    ):
        self.session_factory = session_factory
        self.catalog = catalog
        self.clock = clock
        self.handlers: list[HandlerFn] = list(handlers)
        # What an uploaded file may be (size, pages, zip members); the app sets it from settings.
        self.document_limits = Limits()
        self.blobs: BlobStore = DatabaseBlobStore()
        # Decision links in review emails (off until the app or worker configures them).
        self.email_decisions = EmailDecisionConfig()
        # The key that seals new audit events (the demo key until a process configures it).
        self.audit_key = AuditKey()
        # Handlers reach the production calendars through ``session.info`` (reminder planning),
        # and the catalog and the email-decision settings (``workflow.email_decisions``).
        info = session_factory.kw.setdefault("info", {})
        info["calendars"] = catalog.calendars
        info["catalog"] = catalog
        info["email_decisions"] = self.email_decisions
        info["audit_key"] = self.audit_key

    @classmethod
    def create(
        cls,
        database_url: str,
        definitions: DefinitionSet | Path | str | None = None,
        clock: Clock | None = None,
        handlers: Sequence[HandlerFn] | None = None,
        sync: bool = True,
    ) -> Engine:
        """Build an engine; refuses (``DefinitionError``) if the definitions have errors.

        ``sync`` stores new definition versions; it needs the schema to exist.
        """
        if not isinstance(definitions, DefinitionSet):
            definitions = load_verified(definitions)
        sa_engine = make_engine(database_url)
        engine = cls(
            make_session_factory(sa_engine),
            Catalog(definitions),
            clock or SystemClock(),
            handlers
            if handlers is not None
            else (task_notifications, webhook_deliveries, plan_meeting_reminders),
        )
        if sync:
            engine.sync_definitions()
        return engine

    @property
    def bind(self) -> SAEngine:
        return self.session_factory.kw["bind"]

    def uow(self, write: bool = True, *, durable: bool = True) -> UnitOfWork:
        return UnitOfWork(self.session_factory, write=write, durable=durable)

    def today(self) -> dt.date:
        return local_date(self.clock.now())

    def sync_definitions(self) -> dict[str, int]:
        with self.uow() as uow:
            ids = self.catalog.sync(uow.session, self.clock)
            uow.commit()
        return ids

    def actor(self, user_id: int) -> Actor:
        with self.uow(write=False) as uow:
            return load_actor(uow.session, user_id, self.today())

    def add_handler(self, handler: HandlerFn) -> None:
        if handler not in self.handlers:
            self.handlers.append(handler)

    def dispose(self) -> None:
        self.bind.dispose()

    # --- services (each is one transaction) -------------------------------------------------

    def create_case(
        self,
        actor: Actor,
        kind: str,
        owner_org_id: int | None = None,
        fields: dict[str, Any] | None = None,
        parent_case_id: int | None = None,
    ):

        return create_case(self, actor, kind, owner_org_id, fields or {}, parent_case_id)

    def update_fields(
        self,
        case_id: int,
        actor: Actor,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ):

        return update_fields(self, case_id, actor, changes, expected_version)

    def add_document(
        self,
        case_id: int,
        actor: Actor,
        language: str,
        text: str,
        filename: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """A version typed in; returns its number (1, 2, …) within the language."""
        added = documents.add_text_version(
            self, case_id, actor, language, text, filename, note, expected_version
        )
        return added.number

    def add_document_file(
        self,
        case_id: int,
        actor: Actor,
        language: str,
        data: bytes,
        filename: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> documents.AddedVersion:
        """A version uploaded as a file; refused with ``DocumentRefused`` (nothing stored)."""
        return documents.add_file_version(
            self, case_id, actor, language, data, filename, note, expected_version
        )

    def add_signed_original(
        self,
        case_id: int,
        actor: Actor,
        party: str,
        data: bytes,
        filename: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> documents.AddedVersion:
        """The copy ``party`` ('russian' or 'partner') signed, usually a scanned PDF."""
        return documents.add_signed_original(
            self, case_id, actor, party, data, filename, note, expected_version
        )

    def fire(
        self,
        case_id: int,
        trigger: str,
        actor: Actor | None,
        comment: str | None = None,
        expected_version: int | None = None,
        data: dict[str, Any] | None = None,
    ):

        return fire(self, case_id, trigger, actor, comment, expected_version, data or {})

    def claim_task(self, task_id: int, actor: Actor):

        return claim_task(self, task_id, actor)

    def release_task(self, task_id: int, actor: Actor):

        return release_task(self, task_id, actor)

    def reassign_task(self, task_id: int, actor: Actor, assignee_id: int):

        return reassign_task(self, task_id, actor, assignee_id)

    def set_substitution(
        self,
        actor: Actor,
        substitute_id: int,
        starts_on: dt.date,
        ends_on: dt.date,
        user_id: int | None = None,
    ):

        return set_substitution(self, actor, substitute_id, starts_on, ends_on, user_id)

    def revoke_substitution(self, actor: Actor, substitution_id: int):

        return revoke_substitution(self, actor, substitution_id)

    def available_transitions(self, case_id: int, actor: Actor):

        return available_transitions(self, case_id, actor)

    # --- meetings and plans of activities (each is one transaction) -------------------------

    def schedule_meeting(self, actor: Actor, **details: Any):
        """See ``workflow.services.meetings.schedule_meeting``."""
        return meetings.schedule_meeting(self, actor, **details)

    def reschedule_meeting(self, meeting_id: int, actor: Actor, **when: Any):
        return meetings.reschedule_meeting(self, meeting_id, actor, **when)

    def cancel_meeting(self, meeting_id: int, actor: Actor, reason: str):
        return meetings.cancel_meeting(self, meeting_id, actor, reason)

    def record_meeting_held(self, meeting_id: int, actor: Actor, comment: str | None = None):
        return meetings.record_meeting_held(self, meeting_id, actor, comment)

    def change_meeting_participants(self, meeting_id: int, actor: Actor, add=(), remove=()):
        return meetings.change_participants(self, meeting_id, actor, add=add, remove=remove)

    def submit_to_meeting(self, meeting_id: int, actor: Actor, kind: str, title: str, text: str):
        """A participant's ``proposal`` or ``report``."""
        return meeting_minutes.submit(self, meeting_id, actor, kind, title, text)

    def record_minutes(self, meeting_id: int, actor: Actor, text: str, decisions=()):
        return meeting_minutes.record_minutes(self, meeting_id, actor, text, decisions)

    def complete_decision(self, decision_id: int, actor: Actor, note: str | None = None):
        return meeting_minutes.complete_decision(self, decision_id, actor, note)

    def add_plan_item(self, plan_case_id: int, actor: Actor, **details: Any):
        return plans.add_item(self, plan_case_id, actor, **details)

    def update_plan_item(self, item_id: int, actor: Actor, expected_version: int, **changes: Any):
        return plans.update_item(self, item_id, actor, expected_version, **changes)
