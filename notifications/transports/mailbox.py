"""The demo "mail server": rendered messages stored in ``mailbox_messages`` instead of SMTP.

Used when no SMTP host is configured (``soglasie demo``), so a visitor can read what soglasie
would have sent on a local mailbox page. Each send is its own small transaction; a crash
between it and the outbox's "sent" mark shows the message twice, with one Message-ID, exactly
like an SMTP re-send would.
"""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from sqlalchemy import insert

from notifications.transports.smtp import Envelope
from workflow.persistence.mailbox import MailboxMessage

MAILBOX_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Content-Language",
)


class MailboxSender:
    def __init__(self, engine):
        self.engine = engine

    def open(self) -> None:
        pass

    def send(self, envelope: Envelope) -> None:
        # Read back as a mail client would (decoded headers and parts): ``compose`` builds
        # messages with the classic classes, which keep encoded words as they are.
        message = message_from_bytes(envelope.message.as_bytes(), policy=default)
        text = html = ics = None
        for part in message.walk():
            if part.is_multipart():
                continue
            kind = part.get_content_type()
            if kind == "text/plain" and text is None and not part.get_filename():
                text = part.get_content()
            elif kind == "text/html" and html is None:
                html = part.get_content()
            elif kind == "text/calendar":
                ics = part.get_content()
        headers = {name: str(message[name]).strip() for name in MAILBOX_HEADERS if message[name]}
        with self.engine.uow() as uow:
            uow.session.execute(
                insert(MailboxMessage.__table__).values(
                    outbox_id=envelope.outbox_id,
                    to_address=envelope.to_addr,
                    subject=str(message["Subject"] or ""),
                    text=text or "",
                    html=html,
                    headers=headers,
                    ics=ics,
                    created_at=self.engine.clock.now(),
                )
            )
            uow.commit()

    def close(self) -> None:
        pass
