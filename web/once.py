"""Run a request once under a key: the machinery shared by the API's ``Idempotency-Key``
(``web.api.idempotency``) and the pages' one-time form tokens (``web.pages.form_once``).

    outcome = run_once(scope, key, fingerprint, view, keep=...)

- The whole request runs in one enclosing transaction (``workflow.persistence.enclosing``):
  the key is claimed first, the view decides (its services' units of work join the
  transaction), the answer is recorded under the key, and one commit makes the decision and the
  stored answer durable together. A crash or a failed commit loses both: the client retries
  with the same key and the request is decided then, once.
- A key already used: the stored answer comes back (``Replay``) and nothing runs; the caller
  compares fingerprints. Another request still deciding under the key (PostgreSQL, past the
  wait): ``InUse``.
- Answers of 500 and above are never kept (the transaction rolls back, the key with it), so
  the client may retry. ``keep(response, decided)`` says which other answers are kept; an
  answer not kept gives the key back in the same commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from flask import Response, current_app

from web.current import engine
from workflow.persistence import commit_outcome, idempotency
from workflow.persistence.enclosing import enclosing_transaction

# The headers that belong to the answer itself (the rest, cookies and security headers, are the
# app's and are set again on the replay).
KEPT_HEADERS = ("Location", "ETag", "Content-Type")
DEFAULT_WAIT_SECONDS = 10.0


@dataclasses.dataclass(frozen=True)
class Replay:
    stored: idempotency.Stored


@dataclasses.dataclass(frozen=True)
class InUse:
    key: str


@dataclasses.dataclass(frozen=True)
class Fresh:
    response: Response


def lifetime() -> dt.timedelta:
    settings = current_app.extensions["soglasie.settings"]
    return dt.timedelta(hours=settings.idempotency_key_hours)


def run_once(
    scope: str,
    key: str,
    fingerprint: str,
    view: Callable[[], Response],
    *,
    keep: Callable[[Response, bool], bool],
) -> Fresh | Replay | InUse:
    eng = engine()
    wait = float(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    outcome_wait = commit_outcome.configured_seconds(eng.session_factory)
    with enclosing_transaction(eng.bind, outcome_wait) as outer:
        conn = outer.connection
        try:
            stored = idempotency.claim(
                conn, scope, key, fingerprint, eng.clock.now(), lifetime(), int(wait * 1000)
            )
        except idempotency.KeyInUse:
            return InUse(key)
        if stored is not None:
            return Replay(stored)
        response = view()
        if response.status_code >= 500:
            return Fresh(response)  # rolled back on leaving the block, the key with it
        if keep(response, outer.wrote):
            headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
            idempotency.record(conn, scope, key, response.status_code, headers, _body(response))
        else:
            idempotency.release(conn, scope, key)
        outer.commit()
    return Fresh(response)


def _body(response: Response) -> bytes:
    if response.direct_passthrough or response.is_streamed:
        # Buffer a streamed answer once, so it can be both stored and sent.
        response.direct_passthrough = False
        response.make_sequence()
    return response.get_data()
