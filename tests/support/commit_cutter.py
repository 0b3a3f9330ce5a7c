"""A TCP relay in front of PostgreSQL that loses a connection at a chosen COMMIT.

The app connects through the relay (``url``); the relay passes bytes both ways. Once ``arm``-ed,
the first connection that sends a write of ``table`` (an ``INSERT INTO audit_events``: the
decision's own transaction, not a token's bookkeeping) has its next COMMIT cut, one of three ways:

- ``"after"``: the COMMIT reaches the server, which commits and answers; the answer is dropped
  and both sides are closed. The client sees a lost connection for a transaction that committed.
- ``"before"``: the COMMIT is dropped and both sides are closed: the server sees the client go
  away mid-transaction and rolls it back.
- ``"hold"``: the COMMIT is dropped and only the client's side is closed: the server keeps the
  transaction open ("in progress") until ``release()``.

Nothing here is a stand-in for PostgreSQL: the server, its transactions and ``pg_xact_status``
are real; only the network between the app and the server misbehaves, once.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from sqlalchemy.engine import make_url

_COMMIT = b"COMMIT\x00"


class CommitCutter:
    def __init__(self, database_url: str, table: str = "audit_events"):
        parsed = make_url(database_url)
        self._target = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._marker = f"INSERT INTO {table}".encode()
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.url = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._mode: str | None = None
        self._held: list[socket.socket] = []
        self.cut = threading.Event()  # set once the armed COMMIT has been cut
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str) -> None:
        assert mode in ("after", "before", "hold")
        with self._lock:
            self._mode = mode
            self.cut.clear()

    def release(self) -> None:
        """Close the server sides kept open by ``"hold"`` (the server then rolls back)."""
        with self._lock:
            held, self._held = self._held, []
        for sock in held:
            _close(sock)

    def close(self) -> None:
        self._closing = True
        self.release()
        _close(self._listener)

    # --- relaying -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            link = _Link(client, server)
            threading.Thread(target=self._upstream, args=(link,), daemon=True).start()
            threading.Thread(target=self._downstream, args=(link,), daemon=True).start()

    def _take(self, link: _Link, chunk: bytes) -> str | None:
        """The cut to make at this chunk from the client, if it is the armed COMMIT."""
        with self._lock:
            if self._mode is None:
                return None
            if self._marker in chunk:
                link.marked = True
            if link.marked and _COMMIT in chunk and chunk[:1] in (b"Q", b"P"):
                mode, self._mode = self._mode, None
                return mode
        return None

    def _upstream(self, link: _Link) -> None:
        while True:
            chunk = _recv(link.client)
            if not chunk:
                break
            mode = self._take(link, chunk)
            if mode == "after":
                link.swallow = True  # the downstream relay drops the answer and closes
                link.server.sendall(chunk)
                return
            if mode == "before":
                self.cut.set()
                break
            if mode == "hold":
                with self._lock:
                    self._held.append(link.server)
                link.held = True
                _close(link.client)
                self.cut.set()
                return
            try:
                link.server.sendall(chunk)
            except OSError:
                break
        link.close()

    def _downstream(self, link: _Link) -> None:
        while True:
            chunk = _recv(link.server)
            if not chunk:
                break
            if link.swallow:  # the server answered the COMMIT: it committed
                self.cut.set()
                break
            try:
                link.client.sendall(chunk)
            except OSError:
                break
        if not link.held:
            link.close()


class _Link:
    def __init__(self, client: socket.socket, server: socket.socket):
        self.client, self.server = client, server
        self.marked = False
        self.swallow = False
        self.held = False

    def close(self) -> None:
        _close(self.client)
        if not self.held:
            _close(self.server)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
