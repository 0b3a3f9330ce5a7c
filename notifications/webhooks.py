"""The ``webhook`` transport: POSTs the outbox rows of channel ``webhook`` to subscribers.

Each delivery is the JSON body ``{"id", "event", "occurred_at", "subscription_id", "data"}``
with these headers:

- ``X-Soglasie-Delivery``: the delivery id (the outbox row's ``message_id``), the same on every
  retry, so a receiver can drop a delivery it has already processed;
- ``X-Soglasie-Event``: the event kind;
- ``X-Soglasie-Signature: t=<unix seconds>,v1=<hex>``, where ``hex`` is HMAC-SHA256 with the
  subscription's secret over ``"<t>." + body``. The timestamp is the attempt's (from the injected
  clock), so a receiver can refuse replays older than a few minutes.

The secret is read from the subscription when the row is sent: a rotation applies to retries
too, and a deleted or paused subscription dead-letters its remaining rows (``PermanentFailure``).

Outcomes: a 2xx answer is delivered; 410 Gone is permanent; any other answer, a timeout or a
refused connection is transient and retried by the delivery loop with its backoff, up to its
last attempt (then ``dead``). Redirects are not followed (a signed POST must reach the URL the
organization registered). Once a host refused a connection or timed out, its other rows in the
same batch fail at once instead of waiting for the timeout again.

Outside a demo or test environment, addresses that resolve to loopback, private, link-local or
reserved networks are refused (``SOGLASIE_WEBHOOK_ALLOW_PRIVATE=1`` allows them), so a
subscription cannot make the server probe its own network. The check resolves the name before
connecting; a DNS answer that changes in between is not caught.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from notifications.transports import (
    OutboxItem,
    PermanentFailure,
    TransientFailure,
    TransportContext,
    register_transport,
)
from workflow.persistence.integrations import WebhookSubscription

USER_AGENT = "soglasie-webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Soglasie-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that the timestamp is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def body_of(item: OutboxItem) -> bytes:
    payload = item.payload
    document = {
        "id": item.message_id,
        "event": payload.get("event", item.template),
        "occurred_at": payload.get("occurred_at"),
        "subscription_id": payload.get("subscription_id"),
        "data": payload.get("data", {}),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx code


def _public_only(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise TransientFailure(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise PermanentFailure(f"{host} resolves to a non-public address ({address})")


class WebhookTransport:
    def __init__(self, context: TransportContext, *, timeout: float = 10.0, allow_private: bool):
        self.engine = context.engine
        self.timeout = timeout
        self.allow_private = allow_private
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._subscriptions: dict[int, Any] = {}
        self._down: dict[str, str] = {}

    def open(self) -> None:
        pass

    def prepare(self, items: Sequence[OutboxItem]) -> None:
        ids = {i.payload.get("subscription_id") for i in items} - {None}
        with self.engine.uow(write=False) as uow:
            rows = uow.session.execute(
                select(
                    WebhookSubscription.id,
                    WebhookSubscription.secret,
                    WebhookSubscription.is_active,
                ).where(WebhookSubscription.id.in_(ids))
            ).all()
        self._subscriptions = {r.id: r for r in rows}
        self._down = {}

    def send(self, item: OutboxItem) -> None:
        subscription = self._subscriptions.get(item.payload.get("subscription_id"))
        if subscription is None:
            raise PermanentFailure("the subscription was deleted")
        if not subscription.is_active:
            raise PermanentFailure("the subscription is paused")
        url = item.recipient or ""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise PermanentFailure(f"not a valid URL: {url!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PermanentFailure(f"not an http(s) URL: {url!r}")
        host = parts.netloc
        if host in self._down:
            raise TransientFailure(f"{self._down[host]} (earlier in this batch)")
        if not self.allow_private:
            _public_only(parts.hostname, port)
        body = body_of(item)
        timestamp = int(self.engine.clock.now().timestamp())
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "X-Soglasie-Delivery": item.message_id,
                "X-Soglasie-Event": item.payload.get("event", item.template),
                "X-Soglasie-Attempt": str(item.attempts + 1),
                "X-Soglasie-Signature": signature(subscription.secret, timestamp, body),
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 410:
                raise PermanentFailure(f"{url} answered 410 Gone") from None
            raise TransientFailure(f"{url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            self._down[host] = f"cannot reach {host}: {reason}"
            raise TransientFailure(self._down[host]) from None

    def close(self) -> None:
        self._subscriptions = {}
        self._down = {}


def webhook_transport(context: TransportContext) -> WebhookTransport:
    extra = context.settings.extra
    allow = extra.get("SOGLASIE_WEBHOOK_ALLOW_PRIVATE")
    allow_private = allow == "1" if allow is not None else not context.settings.is_production
    timeout = float(extra.get("SOGLASIE_WEBHOOK_TIMEOUT") or context.options.get("timeout", 10.0))
    return WebhookTransport(context, timeout=timeout, allow_private=allow_private)


register_transport("webhook", webhook_transport)
