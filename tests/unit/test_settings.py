"""Production cannot be reached by a typo, nor run on a secret that is not one; the long-running
commands refuse the demo secret unless the demo is what was asked for."""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner

from web.cli import main
from workflow.settings import DEMO_SECRET, UnsafeSettings, from_env

PRODUCTION = {
    "SOGLASIE_ENV": "production",
    "SOGLASIE_BASE_URL": "https://soglasie.example",
    "SOGLASIE_AUDIT_KEY": "audit-test-key-Qw7eR4tY1uI9oP3aS6dF2gH8jK5lZ0x",
}


@pytest.mark.parametrize("typo", ["prod", "Production", "production ", "live", "dev"])
def test_an_environment_name_that_is_not_one_of_the_three_refuses_to_start(typo):
    with pytest.raises(UnsafeSettings) as refused:
        from_env({"SOGLASIE_ENV": typo}).check_safe()
    assert repr(typo) in str(refused.value)
    assert "demo, test, production" in str(refused.value)


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("a" * 32, "repeated"),
        ("password" * 4, "'password' repeated"),
        ("correct horse battery staple, the long one", "whitespace"),
        ("0123456789012345678901234567890123", "repeated"),
        ("abcabcabcabcdabcabcabcabcdabcabcabcd", "different characters"),
        ("short-but-random-Kx9", "at least 32"),
        (DEMO_SECRET, "demo secret"),
    ],
)
def test_production_refuses_a_secret_that_is_not_one_and_says_how_to_make_one(secret, why):
    with pytest.raises(UnsafeSettings) as refused:
        from_env({**PRODUCTION, "SOGLASIE_SECRET_KEY": secret}).check_safe()
    assert why in str(refused.value)
    assert "secrets.token_urlsafe(32)" in str(refused.value)


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32)])
def test_production_accepts_secrets_made_by_the_secrets_module(make):
    for _ in range(200):
        from_env({**PRODUCTION, "SOGLASIE_SECRET_KEY": make()}).check_safe()


def test_the_services_take_the_demo_secret_only_when_the_demo_is_named():
    with pytest.raises(UnsafeSettings, match="SOGLASIE_ENV=demo to run the demo"):
        from_env({}).require_service_secret()
    with pytest.raises(UnsafeSettings):
        from_env({"SOGLASIE_ENV": "test"}).require_service_secret()
    from_env({"SOGLASIE_ENV": "demo"}).require_service_secret()
    from_env({"SOGLASIE_SECRET_KEY": secrets.token_urlsafe(32)}).require_service_secret()


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_serve_and_worker_refuse_to_run_on_the_demo_secret_by_default(command):
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "the demo secret serves only a demo" in result.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SOGLASIE_SESSION_HOURS", "0"),
        ("SOGLASIE_REMEMBER_DAYS", "0"),
        ("SOGLASIE_REMEMBER_DAYS", "400"),
    ],
)
def test_session_lifetimes_out_of_range_refuse_to_start(variable, value):
    with pytest.raises(UnsafeSettings, match="SOGLASIE_REMEMBER_DAYS"):
        from_env({variable: value}).check_safe()


def test_session_lifetimes_are_read_from_the_environment():
    settings = from_env({"SOGLASIE_SESSION_HOURS": "8", "SOGLASIE_REMEMBER_DAYS": "30"})
    assert (settings.check_safe().session_hours, settings.remember_days) == (8, 30)
