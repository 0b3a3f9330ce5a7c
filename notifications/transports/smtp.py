"""Sending email over SMTP with smtplib: one connection reused for a whole batch.

Failures are sorted for the delivery loop:

- a 5xx reply to ``RCPT`` or ``DATA`` ("no such user", "message rejected") is permanent: the
  row is dead-lettered at once with the server's words;
- everything else is transient: no connection, a timeout, 4xx replies, a refused sender or
  failed login (configuration, fixed by an administrator), and a connection that drops before
  the server answered ``DATA``. In that last case the server may well have accepted the
  message; the re-send carries the same Message-ID, so the duplicate is recognisable.

After a broken connection the next ``send`` reconnects. The socket timeout (``timeout``) must be
shorter than the delivery lease, so a hung server cannot outlive the lease.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message

from notifications.transports import ConnectionFailure, PermanentFailure, TransientFailure

SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class Envelope:
    from_addr: str
    to_addr: str
    message: Message
    outbox_id: int | None = None


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        if security not in SECURITY:
            raise ValueError(
                f"SMTP security must be one of {', '.join(SECURITY)}, not {security!r}"
            )
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self._ssl_context = ssl_context
        self._conn: smtplib.SMTP | None = None
        self.connections_opened = 0  # for tests and logs: one per batch when all goes well

    @classmethod
    def from_settings(cls, settings) -> SmtpSender:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def open(self) -> None:
        if self._conn is not None:
            return
        try:
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.security == "starttls":
                    conn.starttls(context=self._context())
                if self.username:
                    conn.login(self.username, self.password or "")
            except BaseException:
                conn.close()
                raise
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionFailure(
                f"cannot connect to SMTP server {self.host}:{self.port}: {_describe(exc)}"
            ) from exc
        self._conn = conn
        self.connections_opened += 1

    def send(self, envelope: Envelope) -> None:
        self.open()
        assert self._conn is not None
        try:
            self._conn.send_message(
                envelope.message, from_addr=envelope.from_addr, to_addrs=[envelope.to_addr]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text = f"{envelope.to_addr} refused: {code} {_text(reply)}"
            if 500 <= code < 600:
                raise PermanentFailure(text) from exc
            raise TransientFailure(text) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise TransientFailure(f"sender refused: {_describe(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            elif 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"message rejected: {_describe(exc)}") from exc
            raise TransientFailure(_describe(exc)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            # Disconnected, timed out, reset: the connection is no longer usable.
            self._drop()
            raise TransientFailure(f"connection lost while sending: {_describe(exc)}") from exc

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            self._drop()


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
