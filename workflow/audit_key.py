"""The audit key: a secret kept outside the database that seals the audit trail.

The hash chain (``workflow.audit``) shows that rows were changed, unless whoever changed them
also recomputed the hashes, which anyone who can write to the database can do. A keyed hash
(HMAC-SHA256) over each event's hash and over each case's head cannot be recomputed without the
key, so the key lives outside the database: ``SOGLASIE_AUDIT_KEY`` or a file named by
``SOGLASIE_AUDIT_KEY_FILE``. Production refuses to start without one (the same entropy rules as
the session secret, ``workflow.secret_policy``); the demo and the tests use ``DEMO_AUDIT_KEY``.

Each MAC names what it seals (``event:``, ``head:``, ``checkpoint:``), so a MAC of one kind can
never be copied into a place of another: the MAC of a case's previous event is not a valid MAC
for its head. Rotating the key is not supported: a new key makes every existing MAC a finding.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workflow.secret_policy import HOW_TO_MAKE_ONE, weakness

DEMO_AUDIT_KEY = "demo-audit-key-not-for-production"


class AuditKeyProblem(RuntimeError):
    """The audit key is missing, unreadable or not a secret."""


@dataclass
class AuditKey:
    """The key an engine seals new events with; set once when a process starts
    (``configure``). A holder rather than bytes so the engine's sessions see the configured
    key (``session.info["audit_key"]``)."""

    secret: bytes = DEMO_AUDIT_KEY.encode()

    @property
    def is_demo(self) -> bool:
        return self.secret == DEMO_AUDIT_KEY.encode()


def read_key(key: str | None, key_file: str | Path | None) -> str | None:
    """The key from its setting or its file (whitespace at the ends dropped), or None."""
    if key:
        return key
    if key_file:
        try:
            return Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuditKeyProblem(f"SOGLASIE_AUDIT_KEY_FILE {key_file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise AuditKeyProblem(f"SOGLASIE_AUDIT_KEY_FILE {key_file}: not UTF-8 text") from exc
    return None


def resolve(key: str | None, key_file: str | Path | None, *, production: bool) -> AuditKey:
    """The audit key for a process: the configured one, or (outside production) the demo key.

    Production needs a key that is a secret (``workflow.secret_policy.weakness``)."""
    text = read_key(key, key_file)
    if text is None or text == DEMO_AUDIT_KEY:
        if production:
            raise AuditKeyProblem(
                "production needs SOGLASIE_AUDIT_KEY or SOGLASIE_AUDIT_KEY_FILE, a secret kept "
                f"outside the database that seals the audit trail ({HOW_TO_MAKE_ONE})"
            )
        return AuditKey()
    if production and (problem := weakness(text)):
        raise AuditKeyProblem(f"the audit key is not a secret: {problem} ({HOW_TO_MAKE_ONE})")
    return AuditKey(text.encode("utf-8"))


def from_settings(settings) -> AuditKey:
    """The key named by ``Settings`` (``audit_key`` / ``audit_key_file``)."""
    return resolve(settings.audit_key, settings.audit_key_file, production=settings.is_production)


def configure(holder: AuditKey, settings) -> None:
    """Give an engine's holder the key from ``settings`` (``engine.audit_key``)."""
    holder.secret = from_settings(settings).secret


def for_session(session) -> AuditKey:
    """The key of the engine a session belongs to; the demo key for a bare session."""
    info: Mapping = getattr(session, "info", {}) or {}
    holder = info.get("audit_key")
    return holder if isinstance(holder, AuditKey) else AuditKey()


def _mac(key: AuditKey, purpose: str, value: str) -> str:
    return hmac.new(key.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def event_mac(key: AuditKey, event_hash: str) -> str:
    """Seals one event (its hash covers its content and the previous event's hash)."""
    return _mac(key, "event", event_hash)


def head_mac(key: AuditKey, case_id: int, head: str) -> str:
    """Seals a case's head: the hash of its last event is the last one, nothing was cut off."""
    return _mac(key, "head", f"{case_id}:{head}")


def checkpoint_mac(key: AuditKey, body: str) -> str:
    return _mac(key, "checkpoint", body)


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)
