"""The ``soglasie`` command line.

Each area registers its commands from its own module; add a new module's group or command to
``main`` below.
"""

from __future__ import annotations

import click

from web.cli.audit import audit
from web.cli.db import db
from web.cli.deadlines import deadlines
from web.cli.definitions import definitions
from web.cli.demo import demo
from web.cli.idempotency import idempotency
from web.cli.orgs import orgs
from web.cli.search import search
from web.cli.serve import serve
from web.cli.tokens import tokens
from web.cli.users import users
from web.cli.worker import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """soglasie: the approval workflow for international cooperation agreements."""


main.add_command(db)
main.add_command(definitions)
main.add_command(deadlines)
main.add_command(users)
main.add_command(orgs)
main.add_command(audit)
main.add_command(worker)
main.add_command(tokens)
main.add_command(demo)
main.add_command(serve)
main.add_command(search)
main.add_command(idempotency)
