"""A loopback SMTP server (aiosmtpd) that accepts everything and remembers each Message-ID, so
the email benchmark can count deliveries and duplicates. Listens on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.message_ids: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if not line:
                break
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode("ascii", "replace")
        with self.lock:
            self.message_ids[message_id] += 1
        return "250 OK"


class SmtpSink:
    def __init__(self):
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> int:
        return sum(self.handler.message_ids.values())

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.handler.message_ids.values() if n > 1)

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.message_ids.clear()
