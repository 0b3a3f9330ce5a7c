"""``soglasie serve``: production serving with gunicorn.

The settings come from ``SOGLASIE_*`` variables and are checked before gunicorn starts (a
production server refuses the demo secret), and so are the schema and the definitions (with the
production calendar checked against the decrees' figures: a wrong ``holidays`` release refuses
here, with the year, the month and both counts, rather than in every gunicorn worker).
gunicorn then imports the app factory in each worker process. The worker (reminders, email)
is a separate process: ``soglasie worker``.
"""

from __future__ import annotations

import os
import sys

import click

from web.cli.common import fail, require_current_schema, require_sound_definitions, settings


def gunicorn_argv(bind: str, workers: int, timeout: int, extra: tuple[str, ...]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--no-control-socket",  # gunicorn 27 otherwise opens ~/.gunicorn/gunicorn.ctl
        "--access-logfile",
        "-",
        *extra,
        "web.app:create_app()",
    ]


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("--bind", default="0.0.0.0:8000", show_default=True, help="Address:port.")
@click.option("--workers", default=3, show_default=True, type=int)
@click.option("--timeout", default=60, show_default=True, type=int, help="Seconds per request.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str, workers: int, timeout: int, gunicorn_args: tuple[str, ...]) -> None:
    """Serve the web app with gunicorn (extra arguments are passed to gunicorn)."""
    from workflow.settings import UnsafeSettings

    s = settings()
    try:
        s.require_service_secret()
    except UnsafeSettings as exc:
        fail(str(exc))
    require_sound_definitions(s.definitions_dir)
    require_current_schema(s.database_url)
    argv = gunicorn_argv(bind, workers, timeout, gunicorn_args)
    click.echo(" ".join(argv[2:]))
    os.execv(argv[0], argv)
