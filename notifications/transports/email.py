"""The ``email`` channel: render each outbox row, then hand it to a sender (SMTP, or the demo
mailbox when no SMTP host is configured).

Rendering for a batch happens up front in one read-only transaction (``prepare``), so no
database transaction is open while the SMTP conversation runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr

from notifications.context import MessageBuilder
from notifications.render import RenderedEmail, compose
from notifications.transports import (
    OutboxItem,
    PermanentFailure,
    TransportContext,
)
from notifications.transports.mailbox import MailboxSender
from notifications.transports.smtp import Envelope, SmtpSender


def default_sender(engine, settings):
    """SMTP when ``SOGLASIE_SMTP_HOST`` is set, the demo mailbox table otherwise."""
    if settings.smtp_host:
        return SmtpSender.from_settings(settings)
    return MailboxSender(engine)


class EmailTransport:
    def __init__(self, engine, settings, sender=None):
        self.engine = engine
        self.settings = settings
        self.sender = sender if sender is not None else default_sender(engine, settings)
        self.builder = MessageBuilder(engine, settings)
        self._ready: dict[int, RenderedEmail | PermanentFailure] = {}

    def open(self) -> None:
        self.sender.open()

    def prepare(self, items: Sequence[OutboxItem]) -> None:
        self._ready = {}
        with self.engine.uow(write=False) as uow:
            kept = self.builder.preload(uow.session, items)
            for item in items:
                try:
                    self._ready[item.id] = self.builder.render(uow.session, item)
                except PermanentFailure as exc:
                    self._ready[item.id] = exc
            del kept

    def send(self, item: OutboxItem) -> None:
        rendered = self._ready.get(item.id)
        if rendered is None:
            with self.engine.uow(write=False) as uow:
                rendered = self.builder.render(uow.session, item)
        if isinstance(rendered, PermanentFailure):
            raise rendered
        message = compose(
            rendered,
            mail_from=self.settings.mail_from,
            message_id=item.message_id,
            date=item.created_at,
        )
        self.sender.send(
            Envelope(_address(self.settings.mail_from), rendered.to_addr, message, item.id)
        )

    def close(self) -> None:
        self._ready = {}
        self.sender.close()


def _address(mail_from: str) -> str:
    return parseaddr(mail_from)[1] or mail_from


def email_transport(context: TransportContext) -> EmailTransport:
    return EmailTransport(context.engine, context.settings, context.options.get("email_sender"))
