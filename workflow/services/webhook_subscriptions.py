"""Managing an organization's webhook subscriptions, and reading their delivery log.

Who may: an administrator (for any organization), or a member of the organization who holds at
least one role there (an account without roles is a read-only placeholder and manages nothing).
Other organizations' subscriptions are invisible (``NotFound``), as cases of other regions are.

The signing secret is returned by ``create_subscription`` and ``rotate_secret`` only; reads never
show it. A rotated secret signs every delivery attempted after the rotation, including retries
of older rows, because the worker reads the secret when it sends.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.persistence.integrations import WebhookSubscription
from workflow.persistence.models import Organization
from workflow.policy import Actor
from workflow.services.webhooks import EVENT_KINDS

if TYPE_CHECKING:
    from workflow.engine import Engine

subs_t = WebhookSubscription.__table__
MAX_PER_ORG = 20


@dataclass(frozen=True)
class SubscriptionInfo:
    id: int
    org_id: int
    url: str
    events: list[str]
    description: str
    is_active: bool
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _info(row) -> SubscriptionInfo:
    return SubscriptionInfo(
        row.id,
        row.org_id,
        row.url,
        list(row.events or []),
        row.description,
        row.is_active,
        row.created_by,
        row.created_at,
        row.updated_at,
    )


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise InvalidInput(
            "The URL must be an http:// or https:// address of at most 500 characters.",
            {"url": "Not an http(s) URL."},
        )
    if parts.username or parts.password:
        raise InvalidInput("Put no credentials in the URL.", {"url": "Contains credentials."})
    return url


def check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_KINDS))
    if unknown or not events:
        raise InvalidInput(
            "Choose one or more of: " + ", ".join(EVENT_KINDS) + ".",
            {"events": f"Unknown: {', '.join(unknown)}." if unknown else "Choose at least one."},
        )
    return sorted(set(events))


def may_manage(actor: Actor, org_id: int) -> bool:
    return actor.is_admin or (actor.me.org_id == org_id and bool(actor.me.roles))


def _load(session, actor: Actor, subscription_id: int):
    row = session.execute(select(subs_t).where(subs_t.c.id == subscription_id)).one_or_none()
    if row is None or not (actor.is_admin or row.org_id == actor.me.org_id):
        raise NotFound(f"Webhook subscription {subscription_id} not found.")
    if not may_manage(actor, row.org_id):
        raise PermissionDenied("You may not manage your organization's webhooks.")
    return row


def create_subscription(
    engine: Engine,
    actor: Actor,
    url: str,
    events: list[str],
    description: str = "",
    org_id: int | None = None,
) -> tuple[SubscriptionInfo, str]:
    """Subscribe ``org_id`` (default: the actor's organization); returns it and its secret."""
    org_id = org_id or actor.me.org_id
    url, events = check_url(url), check_events(events)
    if not may_manage(actor, org_id):
        raise PermissionDenied("You may not manage this organization's webhooks.")
    now = engine.clock.now()
    secret = new_secret()
    with engine.uow() as uow:
        session = uow.session
        if session.get(Organization, org_id) is None:
            raise NotFound(f"Organization {org_id} not found.")
        existing = session.scalars(select(subs_t.c.id).where(subs_t.c.org_id == org_id)).all()
        if len(existing) >= MAX_PER_ORG:
            raise InvalidInput(f"An organization may have at most {MAX_PER_ORG} subscriptions.")
        row = session.execute(
            insert(subs_t)
            .returning(*subs_t.c)
            .values(
                org_id=org_id,
                url=url,
                events=events,
                secret=secret,
                description=(description or "").strip()[:300],
                is_active=True,
                created_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
        ).one()
        uow.commit()
    return _info(row), secret


def list_subscriptions(engine: Engine, actor: Actor) -> list[SubscriptionInfo]:
    """The actor's organization's subscriptions (an admin sees every organization's)."""
    query = select(subs_t).order_by(subs_t.c.id)
    if not actor.is_admin:
        query = query.where(subs_t.c.org_id == actor.me.org_id)
    with engine.uow(write=False) as uow:
        return [_info(r) for r in uow.session.execute(query)]


def get_subscription(engine: Engine, actor: Actor, subscription_id: int) -> SubscriptionInfo:
    with engine.uow(write=False) as uow:
        return _info(_load(uow.session, actor, subscription_id))


def update_subscription(
    engine: Engine, actor: Actor, subscription_id: int, changes: dict[str, Any]
) -> SubscriptionInfo:
    """Change ``url``, ``events``, ``description`` or ``is_active``."""
    values: dict[str, Any] = {}
    if "url" in changes:
        values["url"] = check_url(changes["url"])
    if "events" in changes:
        values["events"] = check_events(changes["events"])
    if "description" in changes:
        values["description"] = (changes["description"] or "").strip()[:300]
    if "is_active" in changes:
        values["is_active"] = bool(changes["is_active"])
    if not values:
        raise InvalidInput("Nothing to change.")
    with engine.uow() as uow:
        _load(uow.session, actor, subscription_id)
        row = uow.session.execute(
            update(subs_t)
            .where(subs_t.c.id == subscription_id)
            .values(updated_at=engine.clock.now(), **values)
            .returning(*subs_t.c)
        ).one()
        uow.commit()
    return _info(row)


def rotate_secret(engine: Engine, actor: Actor, subscription_id: int) -> str:
    secret = new_secret()
    with engine.uow() as uow:
        _load(uow.session, actor, subscription_id)
        uow.session.execute(
            update(subs_t)
            .where(subs_t.c.id == subscription_id)
            .values(secret=secret, updated_at=engine.clock.now())
        )
        uow.commit()
    return secret


def delete_subscription(engine: Engine, actor: Actor, subscription_id: int) -> None:
    """Remove the subscription; its queued deliveries stay in the outbox (and the log) but the
    worker drops them, since nobody holds the secret to sign them any more."""
    with engine.uow() as uow:
        _load(uow.session, actor, subscription_id)
        uow.session.execute(subs_t.delete().where(subs_t.c.id == subscription_id))
        uow.commit()
