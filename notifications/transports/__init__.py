"""Transports deliver outbox rows of one channel: ``email`` (SMTP, or the demo mailbox) and
whatever other channels register here (the API's ``webhook`` transport).

    register_transport("webhook", lambda ctx: WebhookTransport(ctx.engine, ctx.settings))

A transport lives for one delivery batch: ``open()``, then ``prepare(items)`` and ``send(item)``
for each row, then ``close()``. ``send`` raises ``PermanentFailure`` for a row that can never be
delivered (dead-lettered at once), ``TransientFailure`` (or any other exception) for one worth
retrying later. Transports never touch the outbox rows' status: the delivery loop does, and only
while it still holds the row's lease.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from workflow.engine import Engine
    from workflow.settings import Settings


class DeliveryFailure(Exception):
    """A row could not be delivered this time; worth retrying."""


class TransientFailure(DeliveryFailure):
    pass


class ConnectionFailure(TransientFailure):
    """The transport itself is unreachable: the rest of the batch would fail the same way, so
    it is retried later without trying each row."""


class PermanentFailure(DeliveryFailure):
    """The row can never be delivered as it is (e.g. a 5xx "no such user"): dead-letter it."""


@dataclass(frozen=True)
class OutboxItem:
    """An outbox row claimed by this worker, as plain data."""

    id: int
    channel: str
    template: str
    idempotency_key: str
    recipient_user_id: int | None
    recipient: str | None
    case_id: int | None
    payload: dict[str, Any]
    message_id: str
    attempts: int
    created_at: dt.datetime
    failing_since: dt.datetime | None = None  # when its current run of failures began


class Transport(Protocol):
    def open(self) -> None: ...

    def prepare(self, items: Sequence[OutboxItem]) -> None: ...

    def send(self, item: OutboxItem) -> None: ...

    def close(self) -> None: ...


@dataclass
class TransportContext:
    """What a transport factory gets: the engine (database, clock, calendars), the settings,
    and overrides (``email_sender``: an object with ``open/send/close`` replacing SMTP)."""

    engine: Engine
    settings: Settings
    options: dict[str, Any] = field(default_factory=dict)


TransportFactory = Callable[[TransportContext], Transport]
_FACTORIES: dict[str, TransportFactory] = {}

# Modules that register transports of other areas when imported, loaded by ``channels()``.
PLUGIN_MODULES = ("notifications.webhooks",)


def register_transport(channel: str, factory: TransportFactory) -> None:
    """Deliver rows of ``channel`` with transports made by ``factory`` (replaces any earlier)."""
    _FACTORIES[channel] = factory


def make_transport(channel: str, context: TransportContext) -> Transport:
    try:
        factory = _FACTORIES[channel]
    except KeyError:
        raise LookupError(f"no transport is registered for channel {channel!r}") from None
    return factory(context)


def channels() -> list[str]:
    """Every channel with a transport, after loading the plugin modules that exist."""
    import importlib

    for module in PLUGIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _ensure_email()
    return sorted(_FACTORIES)


def _ensure_email() -> None:
    if "email" not in _FACTORIES:
        from notifications.transports.email import email_transport

        register_transport("email", email_transport)
