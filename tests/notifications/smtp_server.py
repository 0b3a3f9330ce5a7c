"""A real SMTP server on loopback for the tests (aiosmtpd), with switchable failures.

server = MailServer().start()
server.refuse["bob@example.test"] = "550 5.1.1 <bob@example.test>: user unknown"
server.drop_after_data = 1   # accept the next message, then cut the line before replying
server.stop(); server.start()  # down for a while, back on the same port
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Received:
    """One message as it arrived: the headers parsed at once (cheap), the rest on demand."""

    def __init__(self, rcpt_tos: list[str], raw: bytes):
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.headers = BytesHeaderParser(policy=default).parsebytes(raw)
        self._message: EmailMessage | None = None

    @property
    def message(self) -> EmailMessage:
        if self._message is None:
            self._message = email.message_from_bytes(self.raw, policy=default)
        return self._message


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        reply = self.server.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)  # a slow server
        received = Received(list(envelope.rcpt_tos), envelope.content)
        with self.server.lock:
            self.server.received.append(received)
            drop = self.server.drop_after_data > 0
            if drop:
                self.server.drop_after_data -= 1
        if drop:
            smtp.transport.close()  # the message is in, the "250" never reaches the client
        return "250 Message accepted"


class MailServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.drop_after_data = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def by_template(self, template: str) -> list[EmailMessage]:
        with self.lock:
            arrived = list(self.received)
        return [r.message for r in arrived if r.headers["X-Soglasie-Template"] == template]

    def message_ids(self, template: str) -> list[str]:
        """The Message-IDs received for ``template``, from the headers alone (fast)."""
        with self.lock:
            arrived = list(self.received)
        return [
            r.headers["Message-ID"] for r in arrived if r.headers["X-Soglasie-Template"] == template
        ]
