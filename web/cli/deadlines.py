"""``soglasie deadlines recompute``: recount the provisional deadlines whose year the calendar
files now know (``workflow.services.deadlines``). The worker does the same at every start."""

from __future__ import annotations

import click

from web.cli.common import database_option, open_engine, settings
from workflow.services.deadlines import recount_provisional


@click.group()
def deadlines() -> None:
    """Deadlines counted on the production calendars."""


@deadlines.command("recompute")
@database_option
def recompute(database_url: str | None) -> None:
    """Recount open tasks whose due date was provisional (in a year the calendar files did not
    know yet) once the files know it: due dates and their reminders move, in the audit trail."""
    engine = open_engine(settings(database_url))
    try:
        done = recount_provisional(engine)
    finally:
        engine.dispose()
    for r in done:
        if r.moved:
            click.echo(f"task {r.task_id} (case {r.case_id}): {r.was} -> {r.now} on {r.calendar}")
    moved = sum(r.moved for r in done)
    click.echo(f"{len(done)} provisional deadline(s) recounted, {moved} moved")
