"""Shared helpers for CLI commands: settings, the engine, and friendly failures."""

from __future__ import annotations

import sys

import click

from workflow import audit_key, demo_clock, email_decisions
from workflow.definitions.directory import DefinitionSet, load_verified
from workflow.definitions.problems import DefinitionError
from workflow.engine import Engine
from workflow.persistence import commit_outcome
from workflow.persistence.db import make_engine
from workflow.persistence.schema import is_up_to_date
from workflow.settings import Settings, from_env

database_option = click.option(
    "--database-url",
    envvar="SOGLASIE_DATABASE_URL",
    default=None,
    help="Database URL (default: SOGLASIE_DATABASE_URL, or SQLite under ./instance/).",
)


def settings(database_url: str | None = None) -> Settings:
    overrides = {"database_url": database_url} if database_url else {}
    return from_env(**overrides)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def require_current_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        if not is_up_to_date(engine, database_url):
            fail(
                f"the database at {engine.url.render_as_string()} is not up to date; "
                "run 'soglasie db upgrade' first"
            )
    finally:
        engine.dispose()


def audit_key_for(s: Settings) -> audit_key.AuditKey:
    """The audit key of the settings, or exit saying what is wrong with it."""
    try:
        return audit_key.from_settings(s)
    except audit_key.AuditKeyProblem as exc:
        fail(str(exc))
        raise  # unreachable


def require_sound_definitions(definitions_dir) -> DefinitionSet:
    """The verified definitions, or exit with their errors (the calendar self-check among
    them). Checked before the database, so a wrong ``holidays`` release is named first."""
    try:
        return load_verified(definitions_dir)
    except DefinitionError as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers calm


def open_engine(s: Settings) -> Engine:
    """The engine for a command; exits with the definition errors if there are any (the
    calendar self-check among them: ``soglasie worker`` refuses a wrong ``holidays``)."""
    definitions = require_sound_definitions(s.definitions_dir)
    require_current_schema(s.database_url)
    engine = Engine.create(s.database_url, definitions)
    demo_clock.install(engine, s)  # demo mode only: the clock the demo's web app moves
    email_decisions.configure(engine.email_decisions, s)  # review emails fired from commands
    engine.audit_key.secret = audit_key_for(s).secret  # commands' events are sealed with it
    try:  # how long a command whose COMMIT lost its connection waits to learn the outcome
        wait = commit_outcome.seconds_from(s.extra.get("SOGLASIE_COMMIT_OUTCOME_SECONDS"))
    except ValueError as exc:
        fail(str(exc))
        raise
    commit_outcome.configure(engine.session_factory, wait)
    return engine
