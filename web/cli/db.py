"""``soglasie db upgrade``: create or migrate the schema."""

from __future__ import annotations

import click

from web.cli.common import database_option, settings
from workflow.persistence.schema import upgrade as run_upgrade


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@database_option
@click.option("--revision", default="head", show_default=True)
def upgrade(database_url: str | None, revision: str) -> None:
    """Create the tables, or migrate them to the latest revision."""
    s = settings(database_url)
    run_upgrade(s.database_url, revision)
    click.echo(f"database upgraded to {revision}")
