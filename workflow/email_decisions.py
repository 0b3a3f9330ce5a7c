"""Decision links in review emails: making them, inside the transaction that opens the task.

A review task's "new task" email carries two links, ``/decide/<public_id>.<secret>``: approve,
and return with remarks. Each link is one row of ``email_decision_tokens`` (one reviewer, one
task, one decision), inserted with the outbox row that mails it, so a rolled-back transition
leaves neither an email nor a live link.

The secret is ``HMAC-SHA256(secret key, public id)`` (256 bits): the worker that renders the
email recomputes it from the public id in the outbox payload, and the database keeps only its
SHA-256. Neither a copy of the database nor the outbox holds a usable link; rotating
``SOGLASIE_SECRET_KEY`` revokes every link sent before (as for unsubscribe links). The key is
handed to the engine by the process that builds it (``configure``); an engine without a key
(a script, a test that did not ask) makes no links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from workflow.events import Event, TaskOpened
from workflow.persistence.email_decisions import EmailDecisionOptOut, EmailDecisionToken
from workflow.persistence.models import Case

KINDS = ("approve", "return")
_SALT = b"soglasie.decide.v1:"


@dataclass
class EmailDecisionConfig:
    """Whether review emails carry decision links, and for how long a link works. Mutable: the
    web app and the worker set it from their settings after building the engine."""

    enabled: bool = False
    days: int = 7
    key: bytes | None = None

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.key)


def configure(config: EmailDecisionConfig, settings) -> None:
    """Copy ``SOGLASIE_EMAIL_DECISIONS`` / ``SOGLASIE_EMAIL_DECISION_DAYS`` and the secret key."""
    config.enabled = settings.email_decisions_enabled
    config.days = settings.email_decision_days
    config.key = settings.secret_key.encode()


def link_secret(key: bytes, public_id: str) -> str:
    return hmac.new(key, _SALT + public_id.encode(), hashlib.sha256).hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_token(key: bytes, public_id: str) -> str:
    """What goes after ``/decide/`` in the email."""
    return f"{public_id}.{link_secret(key, public_id)}"


def split_token(token: str) -> tuple[str, str] | None:
    public_id, dot, secret = token.partition(".")
    if not dot or not (0 < len(public_id) <= 32) or len(secret) != 64:
        return None
    return public_id, secret


def opted_out(session: Session, user_ids) -> set[int]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(EmailDecisionOptOut.user_id).where(
                EmailDecisionOptOut.user_id.in_(list(user_ids))
            )
        )
    )


def attach_links(
    session: Session, now: dt.datetime, events: Sequence[Event], rows: list[dict[str, Any]]
) -> None:
    """Add ``payload["decisions"]`` (``{"approve": public_id, "return": public_id}``) to the
    ``task_opened`` rows of review tasks, and insert their token rows.

    Called by ``workflow.outbox.task_notifications`` just before it queues ``rows``. Nothing
    happens when decisions by email are off, for people who turned them off, or for tasks
    outside a review state.
    """
    config: EmailDecisionConfig | None = session.info.get("email_decisions")
    catalog = session.info.get("catalog")
    if config is None or not config.active or catalog is None:
        return
    opened = {e.task_id: e for e in events if isinstance(e, TaskOpened)}
    wanted = [
        r for r in rows if r["template"] == "task_opened" and r["payload"]["task_id"] in opened
    ]
    if not wanted:
        return
    case_ids = {opened[r["payload"]["task_id"]].case_id for r in wanted}
    definition_of = dict(
        session.execute(select(Case.id, Case.definition_id).where(Case.id.in_(case_ids))).all()
    )
    skip = opted_out(session, {r["recipient_user_id"] for r in wanted})
    expires = now + dt.timedelta(days=config.days)
    tokens: list[dict[str, Any]] = []
    for row in wanted:
        event = opened[row["payload"]["task_id"]]
        if row["recipient_user_id"] in skip:
            continue
        definition = catalog.get(definition_of[event.case_id], session).definition
        state = definition.states.get(event.state)
        if state is None or state.kind != "review" or not state.review:
            continue
        if event.role not in state.review.reviewers:
            continue
        links = {}
        for kind, trigger in (("approve", state.review.approve), ("return", state.review.reject)):
            if not trigger:
                continue
            public_id = secrets.token_hex(16)
            links[kind] = public_id
            tokens.append(
                {
                    "public_id": public_id,
                    "secret_hash": secret_hash(link_secret(config.key, public_id)),
                    "task_id": event.task_id,
                    "case_id": event.case_id,
                    "user_id": row["recipient_user_id"],
                    "trigger": trigger,
                    "kind": kind,
                    "created_at": now,
                    "expires_at": expires,
                    "used_at": None,
                }
            )
        if links:
            row["payload"] = {**row["payload"], "decisions": links}
    if tokens:
        session.execute(insert(EmailDecisionToken), tokens)
