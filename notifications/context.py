"""What a message says, gathered from the database for one outbox row.

``MessageBuilder.render(session, item)`` loads the recipient, the case, the task, the meeting
(from the row's payload and foreign keys) and returns a ``RenderedEmail``. Everything a re-send
must repeat exactly (the reminder's deadline and working days left, the meeting snapshot of an
invitation) comes from the row's payload, frozen when the decision was made; names and titles
are read fresh.

Raises ``PermanentFailure`` when a row can never be rendered (the recipient has no address, the
template does not exist, the case is gone): retrying would not help, an administrator might.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.ical import meeting_ics
from notifications.render import (
    CALENDAR,
    RenderedEmail,
    language_of,
    render_parts,
    render_subject,
)
from notifications.transports import OutboxItem, PermanentFailure
from notifications.unsubscribe import unsubscribe_url
from workflow.clock import local_date
from workflow.email_decisions import link_token, opted_out
from workflow.persistence.email_decisions import EmailDecisionToken
from workflow.persistence.meetings import Meeting
from workflow.persistence.models import Case, Organization, OutboxMessage, Task, User
from workflow.queries.annual_report import report_year_for


class MessageBuilder:
    def __init__(self, engine, settings):
        self.engine = engine
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")

    # --- public ---------------------------------------------------------------------------

    def preload(self, session: Session, items) -> list[Any]:
        """Load a batch's people, cases and tasks in three queries. The caller keeps the returned
        list while it renders: the session's identity map holds objects only weakly, and
        without it every message would fetch its recipient and case again."""
        users = {i.recipient_user_id for i in items if i.recipient_user_id is not None}
        cases = {i.case_id for i in items if i.case_id is not None}
        tasks = {i.payload.get("task_id") for i in items} - {None}
        kept: list[Any] = []
        for model, ids in ((User, users), (Case, cases), (Task, tasks)):
            if ids:
                kept += session.scalars(select(model).where(model.id.in_(ids))).all()
        return kept

    def render(self, session: Session, item: OutboxItem) -> RenderedEmail:
        to_addr, recipient, lang = self._recipient(session, item)
        context = self.context(session, item, recipient, lang)
        try:
            subject, text, html = render_parts(item.template, context)
        except TemplateError as exc:
            raise PermanentFailure(
                f"template {item.template!r} ({lang}) cannot be rendered: {exc}"
            ) from exc
        headers = {"X-Soglasie-Template": item.template}
        # Every message to a person carries List-Unsubscribe (RFC 2369) with RFC 8058's
        # one-click POST: the link's page also offers the daily digest instead of nothing.
        if context.get("unsubscribe_url"):
            headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        ics = method = None
        if item.template in CALENDAR:
            method = item.payload["method"]
            ics = meeting_ics(
                item.payload,
                language=lang,
                organizer=self.settings.mail_from,
                attendee=to_addr,
                description=context["links"]["meeting"],
            )
        return RenderedEmail(
            item.template, lang, to_addr, subject, text, html, ics, method, headers
        )

    def context(
        self, session: Session, item: OutboxItem, recipient: dict[str, Any], lang: str
    ) -> dict[str, Any]:
        payload = item.payload or {}
        context: dict[str, Any] = {
            "lang": lang,
            "recipient": recipient,
            "base_url": self.base_url,
            "links": {"inbox": f"{self.base_url}/inbox"},
            "unsubscribe_url": None,
            "payload": payload,
            "deadline": None,
        }
        if item.recipient_user_id is not None:
            context["unsubscribe_url"] = unsubscribe_url(self.settings, item.recipient_user_id)
        case = session.get(Case, item.case_id) if item.case_id else None
        definition = None
        if case is not None:
            definition = self.engine.catalog.get(case.definition_id, session).definition
            context["case"] = {
                "id": case.id,
                "title": case.title,
                "state_title": _state_title(definition, case.state, lang),
            }
            context["links"]["case"] = f"{self.base_url}/agreements/{case.id}"
        task_id = payload.get("task_id")
        if task_id is not None:
            self._task(session, context, case, definition, task_id, payload, lang)
        context["decisions"] = self._decisions(session, item, payload)
        if item.template == "task_assigned":
            by = session.get(User, payload.get("by_user_id")) if payload.get("by_user_id") else None
            context["assigned_by"] = _name(by) if by else ""
        if item.template == "case_moved":
            context["moved"] = self._moved(session, definition, payload, lang)
        meeting_id = payload.get("meeting_id")
        if meeting_id is not None:
            context["links"]["meeting"] = f"{self.base_url}/meetings/{meeting_id}"
            context["meeting"] = self._meeting(session, item, lang)
            if payload.get("deadline_on"):
                context["deadline"] = self._deadline(payload, None, case)
            context["what"] = payload.get("deadline") or ""
            if context["what"] == "reports":
                self._region_report_link(session, context, item, meeting_id)
        if item.template == "digest":
            context["day"] = dt.date.fromisoformat(payload["day"])
            context["items"] = self._digest_items(
                session, payload.get("items", []), recipient, lang
            )
        return context

    # --- parts ----------------------------------------------------------------------------

    def _recipient(self, session: Session, item: OutboxItem) -> tuple[str, dict[str, Any], str]:
        if item.recipient_user_id is not None:
            user = session.get(User, item.recipient_user_id)
            if user is None or not user.email:
                raise PermanentFailure(f"user {item.recipient_user_id} has no email address")
            lang = language_of(user.language)
            return user.email, {"id": user.id, "name": _name(user), "email": user.email}, lang
        if not item.recipient:
            raise PermanentFailure("the row names no recipient")
        lang = language_of(item.payload.get("language"))
        return item.recipient, {"id": None, "name": "", "email": item.recipient}, lang

    def _task(self, session, context, case, definition, task_id, payload, lang) -> None:
        task = session.get(Task, task_id)
        if task is None:
            raise PermanentFailure(f"task {task_id} no longer exists")
        role = definition.roles.get(task.role) if definition else None
        context["task"] = {
            "id": task.id,
            "state_title": _state_title(definition, task.state, lang),
            "role_title": role.title.get(lang) if role else task.role,
            "assigned": task.assignee_id is not None,
        }
        context["deadline"] = self._deadline(
            payload, task.due_on, case, federal=task.org_id is None
        )
        state = definition.states.get(task.state) if definition else None
        if state is not None and case is not None and "reports" in state.editable:
            # the annual report's task: the reminder links to a fresh draft of the report
            year = report_year_for(case.fields, local_date(self.engine.clock.now()))
            context["links"]["annual_report"] = (
                f"{self.base_url}/agreements/{case.id}/annual-report.docx?year={year}"
            )

    def _region_report_link(self, session, context, item: OutboxItem, meeting_id: int) -> None:
        """The reminder that asks a region for its annual report links to a fresh draft of
        it (``/regions/<code>/annual-report.docx``), for the year the meeting reviews."""
        user = session.get(User, item.recipient_user_id) if item.recipient_user_id else None
        org = session.get(Organization, user.org_id) if user is not None else None
        if org is not None and org.kind != "region" and org.parent_id is not None:
            org = session.get(Organization, org.parent_id)
        meeting = session.get(Meeting, meeting_id)
        if org is None or org.kind != "region" or meeting is None:
            return
        context["links"]["annual_report"] = (
            f"{self.base_url}/regions/{org.code}/annual-report.docx?year={meeting.year}"
        )

    def _decisions(self, session, item: OutboxItem, payload) -> dict[str, Any] | None:
        """The decide-by-email links (``workflow.email_decisions``), unless decisions by email
        were turned off, for everyone or by the recipient, after the row was queued."""
        links = payload.get("decisions")
        if set(links or ()) != {"approve", "return"} or not self.settings.email_decisions_enabled:
            return None
        if opted_out(session, {item.recipient_user_id}):
            return None
        key = self.settings.secret_key.encode()
        decisions: dict[str, Any] = {
            kind: f"{self.base_url}/decide/{link_token(key, public_id)}"
            for kind, public_id in links.items()
        }
        # When the links stop working, in the reader's own time zone (her organization's).
        decisions["until"] = session.scalar(
            select(EmailDecisionToken.expires_at).where(
                EmailDecisionToken.public_id == links["approve"]
            )
        )
        user = session.get(User, item.recipient_user_id) if item.recipient_user_id else None
        org = session.get(Organization, user.org_id) if user is not None else None
        decisions["timezone"] = (org.timezone if org else None) or self.settings.timezone
        return decisions

    def _deadline(
        self, payload, due_on: dt.date | None, case, *, federal: bool = False
    ) -> dict[str, Any] | None:
        """The deadline, the working days left and whether it is provisional (in a year whose
        calendar is not known yet): the days left are frozen in the payload for reminders,
        counted from today (the injected clock) for the other messages. A federal body's task
        (no organization: a global role) counts on the federal calendar."""
        on = payload.get("deadline_on") or payload.get("due_on")
        day = dt.date.fromisoformat(on) if on else due_on
        if day is None:
            return None
        calendars = self.engine.catalog.calendars
        cal = calendars.federal if federal else calendars.for_region(_calendar_code(case))
        left = payload.get("working_days_left")
        if left is None:
            left = cal.working_days_between(local_date(self.engine.clock.now()), day)
        return {"on": day, "left": left, "provisional": cal.is_provisional(day)}

    def _moved(self, session, definition, payload, lang) -> dict[str, Any]:
        actor = session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
        trigger = payload.get("trigger", "")
        spec = next((t for t in definition.transitions if t.trigger == trigger), None)
        return {
            "from_title": _state_title(definition, payload.get("from_state", ""), lang),
            "to_title": _state_title(definition, payload.get("to_state", ""), lang),
            "trigger_title": spec.title.get(lang) if spec else trigger,
            "actor_name": _name(actor) if actor else "",
            "comment": payload.get("comment") or "",
        }

    def _meeting(self, session, item: OutboxItem, lang: str) -> dict[str, Any]:
        payload = item.payload
        if item.template in CALENDAR:  # the snapshot the decision was made on
            source = payload
            title = (payload.get("title_en") if lang == "en" else None) or payload["title_ru"]
            starts_at = dt.datetime.fromisoformat(payload["starts_at"])
        else:
            meeting = session.get(Meeting, payload["meeting_id"])
            if meeting is None:
                raise PermanentFailure(f"meeting {payload['meeting_id']} no longer exists")
            source = {
                "timezone": meeting.timezone,
                "venue": meeting.venue,
                "proposals_due_on": meeting.proposals_due_on,
                "reports_due_on": meeting.reports_due_on,
                "sequence": meeting.ical_sequence,
            }
            title = (meeting.title_en if lang == "en" else None) or meeting.title_ru
            starts_at = meeting.starts_at
        previous = payload.get("previous_starts_at")
        return {
            "title": title,
            "starts_at": starts_at,
            "timezone": source.get("timezone") or "Europe/Moscow",
            "venue": source.get("venue"),
            "proposals_due_on": source.get("proposals_due_on"),
            "reports_due_on": source.get("reports_due_on"),
            "previous_starts_at": dt.datetime.fromisoformat(previous) if previous else None,
            "sequence": source.get("sequence"),
            "cancelled_for_all": payload.get("status") == "CANCELLED"
            and not payload.get("uninvited"),
        }

    def _digest_items(self, session, ids, recipient, lang) -> list[dict[str, str]]:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        ).all()
        items = []
        for row in rows:
            child = as_item(row)
            try:
                context = self.context(session, child, recipient, lang)
                subject = render_subject(child.template, context)
            except (PermanentFailure, TemplateError, KeyError) as exc:
                subject = f"{child.template} ({exc})"
                context = {"links": {"inbox": f"{self.base_url}/inbox"}}
            links = context["links"]
            items.append(
                {
                    "subject": subject,
                    "link": links.get("case") or links.get("meeting") or links["inbox"],
                }
            )
        return items


def as_item(row) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        channel=row.channel,
        template=row.template,
        idempotency_key=row.idempotency_key,
        recipient_user_id=row.recipient_user_id,
        recipient=row.recipient,
        case_id=row.case_id,
        payload=dict(row.payload or {}),
        message_id=row.message_id,
        attempts=row.attempts,
        created_at=row.created_at,
        failing_since=getattr(row, "failing_since", None),
    )


def _name(user: User) -> str:
    return user.full_name or user.username


def _state_title(definition, state: str, lang: str) -> str:
    if definition is None:
        return state
    spec = definition.states.get(state)
    return spec.title.get(lang) if spec else state


def _calendar_code(case) -> str | None:
    if case is None or case.region_id is None:
        return None
    region: Organization | None = case.region
    return region.calendar_code if region else None
