"""Processes refuse to start on a bad definition, and production refuses an unsafe secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.app import create_app
from workflow.definitions.problems import DefinitionError
from workflow.settings import UnsafeSettings, from_env

INVALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "invalid"


def test_the_web_app_refuses_to_start_on_a_bad_definition(db_url):
    settings = from_env({}, database_url=db_url, definitions_dir=INVALID)
    with pytest.raises(DefinitionError) as refused:
        create_app(settings)
    assert "unknown-state.yaml" in str(refused.value)


def test_production_refuses_the_demo_secret(db_url):
    settings = from_env(
        {"SOGLASIE_ENV": "production", "SOGLASIE_BASE_URL": "https://x.test"}, database_url=db_url
    )
    with pytest.raises(UnsafeSettings, match="SOGLASIE_SECRET_KEY"):
        create_app(settings)


def test_settings_come_from_soglasie_variables():
    settings = from_env({"SOGLASIE_SMTP_PORT": "2525", "SOGLASIE_MAIL_FROM": "a@b.test"})
    assert settings.smtp_port == 2525 and settings.mail_from == "a@b.test"
