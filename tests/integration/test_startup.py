"""Processes refuse to start on a bad definition or a production calendar that differs from the
decrees' figures, and production refuses an unsafe secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from web.app import create_app
from web.cli import main
from workflow.definitions.directory import DEFAULT_DIRECTORY
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


def _definitions_with_a_day_moved(tmp_path: Path) -> Path:
    """The shipped definitions, with 9 March 2026 (a day off) made a working day: what an
    installation resolving a ``holidays`` release older than the 2026 decree computes."""
    for path in DEFAULT_DIRECTORY.rglob("*.yaml"):
        target = tmp_path / path.relative_to(DEFAULT_DIRECTORY)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    ru = tmp_path / "calendars" / "ru.yaml"
    text = ru.read_text(encoding="utf-8").replace("working: {}", "working:\n  2026-03-09: moved")
    ru.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_web_app_refuses_a_calendar_that_differs_from_the_decree(db_url, tmp_path):
    moved = _definitions_with_a_day_moved(tmp_path)
    settings = from_env({}, database_url=db_url, definitions_dir=moved)
    with pytest.raises(DefinitionError) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "March 2026: the engine counts 22 working days" in message
    assert "(No. 1466 of 24.09.2025) 21; installed holidays" in message


@pytest.mark.parametrize("command", [["worker", "--once"], ["serve"]])
def test_the_worker_and_serve_refuse_a_calendar_that_differs_from_the_decree(
    db_url, tmp_path, monkeypatch, command
):
    monkeypatch.setenv("SOGLASIE_ENV", "demo")  # the demo secret is refused otherwise
    monkeypatch.setenv("SOGLASIE_DATABASE_URL", db_url)
    monkeypatch.setenv("SOGLASIE_DEFINITIONS_DIR", str(_definitions_with_a_day_moved(tmp_path)))
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "March 2026: the engine counts 22 working days" in result.output
