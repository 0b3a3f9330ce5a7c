"""``soglasie search reindex``: rebuild the full-text search index from the current data."""

from __future__ import annotations

import click

from web.cli.common import database_option, require_current_schema, settings
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork
from workflow.search.index import reindex_all


@click.group()
def search() -> None:
    """Full-text search."""


@search.command("reindex")
@database_option
def reindex(database_url: str | None) -> None:
    """Rebuild every search entry (after the migration that adds search, or to repair it).

    One transaction: searches see the old index until it commits."""
    s = settings(database_url)
    require_current_schema(s.database_url)
    engine = make_engine(s.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            cases = reindex_all(uow.session)
            uow.commit()
    finally:
        engine.dispose()
    click.echo(f"{cases} case(s) indexed")
