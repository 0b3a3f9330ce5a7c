"""The audit key: required in production and a secret there, read from the environment or a
file, the demo key elsewhere; a MAC of one kind never stands for another."""

from __future__ import annotations

import secrets

import pytest

from workflow.audit_key import (
    DEMO_AUDIT_KEY,
    AuditKey,
    AuditKeyProblem,
    event_mac,
    head_mac,
    resolve,
)
from workflow.settings import UnsafeSettings, from_env

PRODUCTION = {
    "SOGLASIE_ENV": "production",
    "SOGLASIE_BASE_URL": "https://soglasie.example",
    "SOGLASIE_SECRET_KEY": secrets.token_urlsafe(32),
}


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({}, "production needs SOGLASIE_AUDIT_KEY"),
        ({"SOGLASIE_AUDIT_KEY": DEMO_AUDIT_KEY}, "production needs SOGLASIE_AUDIT_KEY"),
        ({"SOGLASIE_AUDIT_KEY": "x" * 40}, "repeated"),
        ({"SOGLASIE_AUDIT_KEY": "short-Kx9"}, "at least 32"),
    ],
)
def test_production_refuses_to_start_without_an_audit_key_that_is_a_secret(extra, why):
    with pytest.raises(UnsafeSettings) as refused:
        from_env({**PRODUCTION, **extra}).check_safe()
    assert why in str(refused.value) and "secrets.token_urlsafe(32)" in str(refused.value)


def test_production_takes_the_key_from_a_file(tmp_path):
    key = secrets.token_urlsafe(32)
    path = tmp_path / "audit.key"
    path.write_text(key + "\n")
    settings = from_env({**PRODUCTION, "SOGLASIE_AUDIT_KEY_FILE": str(path)}).check_safe()
    assert resolve(settings.audit_key, settings.audit_key_file, production=True).secret == (
        key.encode()
    )


def test_an_unreadable_key_file_is_named():
    with pytest.raises(AuditKeyProblem, match=r"SOGLASIE_AUDIT_KEY_FILE /nowhere/audit\.key"):
        resolve(None, "/nowhere/audit.key", production=False)


def test_outside_production_the_demo_key_serves():
    assert resolve(None, None, production=False).is_demo
    assert not resolve("any-key-at-all", None, production=False).is_demo


def test_an_event_mac_is_not_a_head_mac_for_the_same_hash():
    key = AuditKey(b"k" * 32)
    digest = "ab" * 32
    assert event_mac(key, digest) != head_mac(key, 1, digest)
    assert head_mac(key, 1, digest) != head_mac(key, 2, digest)
