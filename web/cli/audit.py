"""``soglasie audit verify``."""

from __future__ import annotations

import click

from web.cli.common import database_option, require_current_schema, settings
from workflow.audit import verify_chains
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--case", "case_ids", type=int, multiple=True, help="Only these cases.")
@database_option
def verify(case_ids: tuple[int, ...], database_url: str | None) -> None:
    """Recompute every case's hash chain; report the first broken link of each. Exit 1 if any."""
    s = settings(database_url)
    require_current_schema(s.database_url)
    engine = make_engine(s.database_url)
    try:
        with UnitOfWork(make_session_factory(engine), write=False) as uow:
            report = verify_chains(uow.session, list(case_ids) or None)
    finally:
        engine.dispose()
    for link in report.broken:
        click.echo(f"BROKEN {link}")
    click.echo(
        f"{report.cases} case(s), {report.events} event(s) checked, "
        f"{len(report.broken)} broken chain(s)"
    )
    if report.broken:
        raise SystemExit(1)
