"""Webhook deliveries: the engine handler that turns domain events into outbox rows.

Runs inside the transaction of the cause (see ``workflow.events``): each event an organization
subscribed to becomes one outbox row with channel ``webhook`` per subscription, so a rolled-back
approval never calls anyone and a committed one is delivered at least once by the worker
(``notifications.webhooks``), with the retries and dead-letter state of every outbox row.

An organization hears about a case it may see (the pages' rule, ``workflow.policy.can_view``,
applied to organizations): the case's owner, the owner's region, and federal bodies; for meeting
events also the invited organizations.

Row identity: ``idempotency_key = webhook:<subscription>:<event identity>`` (so the delivery log
of one subscription is a prefix scan), ``message_id`` is the delivery id sent in
``X-Soglasie-Delivery``, ``template`` is the event kind, ``recipient`` the URL at the time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select

from workflow.events import (
    CaseMoved,
    DeadlineBreached,
    Event,
    HandlerContext,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    ParticipantsChanged,
    TaskOpened,
)
from workflow.outbox import enqueue
from workflow.persistence import direct
from workflow.persistence.integrations import WebhookSubscription
from workflow.persistence.meetings import Meeting, MeetingParticipant
from workflow.persistence.models import Case, DefinitionVersion, Organization
from workflow.policy import GLOBAL_VIEW_KINDS

AGREEMENT_STATE_CHANGED = "agreement.state_changed"
PLAN_STATE_CHANGED = "plan.state_changed"
TASK_CREATED = "task.created"
DEADLINE_BREACHED = "deadline.breached"
MEETING_CHANGED = "meeting.changed"
EVENT_KINDS = (
    AGREEMENT_STATE_CHANGED,
    PLAN_STATE_CHANGED,
    TASK_CREATED,
    DEADLINE_BREACHED,
    MEETING_CHANGED,
)
STATE_CHANGED_BY_CATEGORY = {
    "agreement": AGREEMENT_STATE_CHANGED,
    "plan": PLAN_STATE_CHANGED,
    "meeting": MEETING_CHANGED,
}

# content hash of a definition version -> its category. Content-addressed, so it is safe across
# databases and processes; a definition's category never changes for a given content.
_CATEGORIES: dict[str, str] = {}


@dataclass(frozen=True)
class _Notice:
    """One thing that happened, before it is fanned out to subscriptions."""

    kind: str
    identity: str  # unique per occurrence, used in the idempotency key
    case_id: int | None
    viewers: frozenset[int]  # organizations that may hear about it (besides federal bodies)
    data: dict[str, Any]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Cases:
    """Case facts the notices need, loaded once per transaction."""

    def __init__(self, session):
        self.session = session
        self._rows: dict[int, Any] = {}

    def get(self, case_id: int):
        if case_id not in self._rows:
            self._rows[case_id] = self.session.execute(
                select(
                    Case.id,
                    Case.kind,
                    Case.title,
                    Case.state,
                    Case.owner_org_id,
                    Case.region_id,
                    DefinitionVersion.content_hash,
                    DefinitionVersion.id.label("definition_id"),
                )
                .join(DefinitionVersion, DefinitionVersion.id == Case.definition_id)
                .where(Case.id == case_id)
            ).one()
        return self._rows[case_id]

    def category(self, case_id: int) -> str:
        row = self.get(case_id)
        if row.content_hash not in _CATEGORIES:
            source = self.session.scalar(
                select(DefinitionVersion.source).where(DefinitionVersion.id == row.definition_id)
            )
            _CATEGORIES[row.content_hash] = str((yaml.safe_load(source) or {}).get("category"))
        return _CATEGORIES[row.content_hash]

    def viewers(self, case_id: int) -> frozenset[int]:
        row = self.get(case_id)
        return frozenset(o for o in (row.owner_org_id, row.region_id) if o is not None)


def _meeting_notice(
    cases: _Cases, event, change: str, extra: dict[str, Any], now: dt.datetime
) -> _Notice:
    session = cases.session
    meeting = session.execute(
        select(Meeting.id, Meeting.starts_at, Meeting.ends_at, Meeting.ical_sequence).where(
            Meeting.id == event.meeting_id
        )
    ).one()
    invited = set(
        session.scalars(
            select(MeetingParticipant.org_id).where(MeetingParticipant.meeting_id == meeting.id)
        )
    )
    return _Notice(
        MEETING_CHANGED,
        f"meeting:{meeting.id}:{change}:{meeting.ical_sequence}:{now.timestamp():.6f}",
        event.case_id,
        cases.viewers(event.case_id) | invited | set(getattr(event, "removed_org_ids", ())),
        {
            "meeting_id": meeting.id,
            "case_id": event.case_id,
            "change": change,
            "starts_at": _iso(meeting.starts_at),
            "ends_at": _iso(meeting.ends_at),
            "sequence": meeting.ical_sequence,
            **extra,
        },
    )


def _notices(cases: _Cases, events: Sequence[Event], now: dt.datetime) -> list[_Notice]:
    notices: list[_Notice] = []
    for event in events:
        if isinstance(event, CaseMoved):
            row = cases.get(event.case_id)
            kind = STATE_CHANGED_BY_CATEGORY.get(cases.category(event.case_id))
            if kind is None:
                continue
            notices.append(
                _Notice(
                    kind,
                    f"case:{event.case_id}:seq:{event.audit_seq}",
                    event.case_id,
                    cases.viewers(event.case_id),
                    {
                        "case_id": event.case_id,
                        "kind": event.kind,
                        "title": row.title,
                        "trigger": event.trigger,
                        "from_state": event.from_state,
                        "to_state": event.to_state,
                        "version": event.audit_seq,
                        "actor_id": event.actor_id,
                        "acting_for_id": event.acting_for_id,
                        "comment": event.comment,
                    },
                )
            )
        elif isinstance(event, TaskOpened):
            notices.append(
                _Notice(
                    TASK_CREATED,
                    f"task:{event.task_id}:opened",
                    event.case_id,
                    cases.viewers(event.case_id),
                    {
                        "task_id": event.task_id,
                        "case_id": event.case_id,
                        "state": event.state,
                        "role": event.role,
                        "org_id": event.org_id,
                        "assignee_id": event.assignee_id,
                        "due_on": _iso(event.due_on),
                    },
                )
            )
        elif isinstance(event, DeadlineBreached) and event.case_id is not None:
            notices.append(
                _Notice(
                    DEADLINE_BREACHED,
                    f"deadline:{event.reminder_id}",
                    event.case_id,
                    cases.viewers(event.case_id),
                    {
                        "case_id": event.case_id,
                        "task_id": event.task_id,
                        "state": event.state,
                        "role": event.role,
                        "deadline_on": _iso(event.deadline_on),
                        "escalated_to": event.escalated_to,
                    },
                )
            )
        elif isinstance(event, MeetingScheduled):
            notices.append(_meeting_notice(cases, event, "scheduled", {}, now))
        elif isinstance(event, MeetingRescheduled):
            extra = {"old_starts_at": _iso(event.old_starts_at)}
            notices.append(_meeting_notice(cases, event, "rescheduled", extra, now))
        elif isinstance(event, MeetingCancelled):
            notices.append(_meeting_notice(cases, event, "cancelled", {}, now))
        elif isinstance(event, ParticipantsChanged):
            extra = {
                "added_org_ids": list(event.added_org_ids),
                "removed_org_ids": list(event.removed_org_ids),
            }
            notices.append(_meeting_notice(cases, event, "participants", extra, now))
    return notices


_RELEVANT = (
    CaseMoved,
    DeadlineBreached,
    TaskOpened,
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    ParticipantsChanged,
)


# Built once, run directly on the driver (the transition's held-back writes travel with it):
# it runs inside every transition that produces a relevant event.
_ACTIVE_SUBSCRIPTIONS = direct.Direct(
    select(
        WebhookSubscription.id,
        WebhookSubscription.org_id,
        WebhookSubscription.url,
        WebhookSubscription.events,
        Organization.kind,
    )
    .join(Organization, Organization.id == WebhookSubscription.org_id)
    .where(WebhookSubscription.is_active.is_(True))
    .order_by(WebhookSubscription.id)
)


_PREFETCHED = "webhooks.subscriptions"


def _prefetch_subscriptions(ctx: HandlerContext, events: Sequence[Event]) -> None:
    if any(isinstance(e, _RELEVANT) for e in events):
        ctx.extra[_PREFETCHED] = direct.prefetch(ctx.session, _ACTIVE_SUBSCRIPTIONS)


def webhook_deliveries(ctx: HandlerContext, events: Sequence[Event]) -> None:
    """Queue one webhook delivery per (subscribed organization, event). Never calls out."""
    if not any(isinstance(e, _RELEVANT) for e in events):
        return
    session = ctx.session
    queued = ctx.extra.pop(_PREFETCHED, None)
    if queued is not None:
        subscriptions = queued.rows
    else:
        subscriptions = direct.run(session, _ACTIVE_SUBSCRIPTIONS).rows
    if not subscriptions:
        return
    _queue(ctx, subscriptions, _notices(_Cases(session), events, ctx.now))


def _queue(ctx: HandlerContext, subscriptions, notices: list[_Notice]) -> None:
    occurred_at = ctx.now.isoformat()
    rows = []
    for notice in notices:
        for sub in subscriptions:
            if notice.kind not in (sub.events or ()):
                continue
            if sub.kind not in GLOBAL_VIEW_KINDS and sub.org_id not in notice.viewers:
                continue
            rows.append(
                {
                    "idempotency_key": f"webhook:{sub.id}:{notice.identity}",
                    "channel": "webhook",
                    "template": notice.kind,
                    "recipient": sub.url,
                    "case_id": notice.case_id,
                    "message_id": str(uuid.uuid4()),
                    "payload": {
                        "subscription_id": sub.id,
                        "event": notice.kind,
                        "occurred_at": occurred_at,
                        "data": notice.data,
                    },
                }
            )
    enqueue(ctx.session, ctx.now, rows)


# The subscriptions are read with the other handlers' reads (``workflow.events.dispatch``).
webhook_deliveries.prefetch = _prefetch_subscriptions  # type: ignore[attr-defined]
