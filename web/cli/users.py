"""``soglasie users create``."""

from __future__ import annotations

import sys

import click

from web.cli.common import database_option, fail, require_current_schema, settings
from workflow.clock import SystemClock
from workflow.errors import WorkflowError
from workflow.persistence.db import make_engine, make_session_factory
from workflow.persistence.uow import UnitOfWork


@click.group()
def users() -> None:
    """People and their roles."""


@users.command("create")
@click.argument("username")
@click.option("--org", "org_code", required=True, help="Organization code, e.g. RU-TA.")
@click.option("--role", "roles", multiple=True, required=True, help="Role (repeatable).")
@click.option("--email")
@click.option("--full-name", default="")
@click.option("--language", type=click.Choice(["ru", "en"]), default="ru", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@database_option
def create(
    username, org_code, roles, email, full_name, language, password_stdin, database_url
) -> None:
    """Create USERNAME in an organization with one or more roles."""
    from workflow.services.people import create_user

    s = settings(database_url)
    require_current_schema(s.database_url)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    engine = make_engine(s.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            user = create_user(
                uow.session,
                SystemClock(),
                username,
                org_code,
                roles,
                email=email,
                password=password,
                full_name=full_name,
                language=language,
            )
            uow.commit()
            click.echo(
                f"created user {user.username} (id {user.id}) in {org_code} "
                f"with roles {', '.join(sorted(roles))}"
            )
    except WorkflowError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
