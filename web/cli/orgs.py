"""``soglasie orgs import FILE.csv``."""

from __future__ import annotations

from pathlib import Path

import click

from web.cli.common import (
    database_option,
    fail,
    require_current_schema,
    require_sound_definitions,
    settings,
)
from workflow.definitions.catalog import Catalog
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork
from workflow.services.orgs import ImportRefused, calendar_codes, import_organizations


@click.group()
def orgs() -> None:
    """Organizations: regions, municipalities, federal bodies, foreign partners."""


@orgs.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
def import_(csv_file: Path, database_url: str | None) -> None:
    """Import organizations from a CSV file (all or nothing).

    Columns: code, kind, name_ru, name_en, name_native, parent_code, country, level,
    calendar_code, timezone (see the README). A bad line is reported with its number and
    nothing is imported. An organization's kind is never changed, and a calendar_code must
    name a calendar of SOGLASIE_DEFINITIONS_DIR (or a region).
    """
    s = settings(database_url)
    calendars = calendar_codes(Catalog(require_sound_definitions(s.definitions_dir)))
    require_current_schema(s.database_url)
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        fail(f"{csv_file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    engine = make_engine(s.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            summary = import_organizations(uow.session, text, str(csv_file), calendars=calendars)
            uow.commit()
    except ImportRefused as exc:
        for error in exc.errors:
            click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
        fail(f"nothing imported: {len(exc.errors)} problem(s) in {csv_file}")
    finally:
        engine.dispose()
    click.echo(f"imported {csv_file}: {summary.created} created, {summary.updated} updated")
