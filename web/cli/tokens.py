"""``soglasie tokens create|list|revoke``: personal API tokens from the command line.

``create`` prints the token once, on standard output alone (so ``TOKEN=$(soglasie tokens create
ivanova)`` works); the confirmation goes to standard error.
"""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select, update

from web.cli.common import database_option, fail, require_current_schema, settings
from workflow.clock import SystemClock
from workflow.errors import WorkflowError
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.integrations import ApiToken
from workflow.persistence.models import User
from workflow.persistence.uow import UnitOfWork
from workflow.services.tokens import issue_token


@click.group()
def tokens() -> None:
    """Personal API tokens (Authorization: Bearer …)."""


def _session_factory(database_url: str | None):
    s = settings(database_url)
    require_current_schema(s.database_url)
    engine = make_engine(s.database_url)
    return engine, make_session_factory(engine)


def _user_id(session, username: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        fail(f"no user named '{username}'")
    return user_id


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option(
    "--expires-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last valid day (YYYY-MM-DD); default: no expiry.",
)
@database_option
def create(username: str, name: str, expires_on: dt.datetime | None, database_url) -> None:
    """Create a token that acts as USERNAME and print it (shown once)."""
    engine, factory = _session_factory(database_url)
    try:
        with UnitOfWork(factory) as uow:
            info, plaintext = issue_token(
                uow.session,
                SystemClock(),
                _user_id(uow.session, username),
                name,
                expires_on=expires_on.date() if expires_on else None,
            )
            uow.commit()
        click.echo(plaintext)
        click.echo(
            f"created token {info.prefix} ('{info.name}', id {info.id}) for {username}; "
            "store it now, it is not shown again",
            err=True,
        )
    except WorkflowError as exc:
        fail(exc.message)
    finally:
        engine.dispose()


@tokens.command("list")
@click.argument("username")
@database_option
def list_tokens(username: str, database_url) -> None:
    """List USERNAME's tokens (prefix, name, created, last used, revoked)."""
    engine, factory = _session_factory(database_url)
    try:
        with UnitOfWork(factory, write=False) as uow:
            rows = uow.session.execute(
                select(ApiToken)
                .where(ApiToken.user_id == _user_id(uow.session, username))
                .order_by(ApiToken.id)
            ).scalars()
            for t in rows:
                used = f"last used {t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never used"
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                created = f"created {t.created_at:%Y-%m-%d}"
                click.echo("\t".join((str(t.id), t.prefix, t.name, created, used, state)))
    finally:
        engine.dispose()


@tokens.command("revoke")
@click.argument("prefix")
@database_option
def revoke(prefix: str, database_url) -> None:
    """Revoke the token whose prefix is PREFIX (the 10 characters after 'sgl_')."""
    engine, factory = _session_factory(database_url)
    try:
        with UnitOfWork(factory) as uow:
            result = uow.session.execute(
                update(ApiToken)
                .where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
                .values(revoked_at=SystemClock().now())
            )
            if result.rowcount != 1:
                fail(f"no active token with prefix '{prefix}'")
            uow.commit()
        click.echo(f"revoked token {prefix}")
    finally:
        engine.dispose()
