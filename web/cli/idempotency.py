"""``soglasie idempotency sweep``: delete expired Idempotency-Keys and form tokens
(``workflow.services.idempotency``). The worker does the same every hour."""

from __future__ import annotations

import click

from web.cli.common import database_option, open_engine, settings
from workflow.services.idempotency import sweep_expired_keys


@click.group()
def idempotency() -> None:
    """Idempotency-Keys of the API and one-time tokens of the page forms."""


@idempotency.command("sweep")
@database_option
def sweep(database_url: str | None) -> None:
    """Delete the keys older than SOGLASIE_IDEMPOTENCY_KEY_HOURS (24 by default)."""
    engine = open_engine(settings(database_url))
    try:
        removed = sweep_expired_keys(engine)
    finally:
        engine.dispose()
    click.echo(f"{removed} expired idempotency key(s) removed")
