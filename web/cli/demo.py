"""``soglasie demo``: the whole system in one process on an embedded SQLite database.

    soglasie demo [--host 127.0.0.1] [--port 5000] [--db instance/soglasie.db]
                  [--speed 60] [--now 2027-01-10]

Creates (or upgrades) the database, seeds it with the demo data the first time, starts the web
app and ONE worker thread (reminders and email; without an SMTP server the email lands in the
local mailbox page), and prints the address and the demo logins. A second run reuses the
database; delete the file to start over. Stop with Ctrl+C.

Links in the demo's email use the address the server actually listens on (``--port 0`` picks a
free one). ``--speed`` and ``--now`` start the simulated clock (``workflow.demo_clock``): time
passes N times faster, from the given moment, so a reminder, an escalation and a digest arrive
while a person watches; an administrator can also move it forward at ``/admin/clock``.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import click

DEFAULT_DB = Path("instance") / "soglasie.db"


@dataclass
class Demo:
    app: object
    engine: object
    settings: object
    seeded: bool


def prepare(
    db_path: Path, host: str, port: int, *, speed: float | None = None, now: str | None = None
) -> Demo:
    """Schema, data and app, ready to serve (no threads started); ``port`` is the one the
    server listens on, for the links in email. Raises ``ValueError`` for a bad ``speed`` or
    ``now``."""
    from web.app import create_app
    from workflow import audit_key, demo_clock
    from workflow.definitions.directory import load_verified
    from workflow.engine import Engine
    from workflow.errors import Conflict
    from workflow.persistence.schema import upgrade
    from workflow.seed.dataset import DEMO_PARAMETERS
    from workflow.seed.demo import seed_demo
    from workflow.settings import from_env

    db_path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db_path.resolve()}"
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    overrides = {"demo_speed": speed, "demo_now": now}
    settings = from_env(
        database_url=url,
        env="demo",
        base_url=f"http://{shown_host}:{port}",
        **{name: value for name, value in overrides.items() if value is not None},
    ).check_safe()
    if settings.demo_speed is not None:
        demo_clock.check_speed(settings.demo_speed)
    if settings.demo_now:
        demo_clock.parse_start(settings.demo_now)
    upgrade(url)
    # The demo's example overrides (Tatarstan, Saint Petersburg) are demo data: only here.
    engine = Engine.create(url, load_verified(settings.definitions_dir, DEMO_PARAMETERS))
    audit_key.configure(engine.audit_key, settings)  # the seeded history is sealed with it
    try:
        seed_demo(engine)
        seeded = True
    except Conflict:
        seeded = False  # an existing demo database: keep what people did in it
    # After seeding: the sample data is made at real time, and the simulated clock runs on
    # from there (or from --now), so its reminders come due while a person watches.
    demo_clock.install(engine, settings)
    return Demo(create_app(settings, engine=engine), engine, settings, seeded)


def logins_text() -> str:
    from workflow.seed.dataset import DEMO_PASSWORD, DEMO_USERS

    rows = [(u, org, ", ".join(roles), name) for u, org, roles, name, _pos in DEMO_USERS]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"Demo logins (the password of every one: {DEMO_PASSWORD}):"]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  " + "  ".join([*cells, row[3]]))
    return "\n".join(lines)


def _not_ready(environ, start_response):
    """The app until the database is prepared (the socket is bound first)."""
    start_response(
        "503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "5")]
    )
    return [b"soglasie is starting\n"]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--db",
    "db_path",
    default=str(DEFAULT_DB),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file (created if missing).",
)
@click.option(
    "--speed",
    type=float,
    default=None,
    help="Simulated time runs this many times faster (60: an hour a minute) [default: "
    "SOGLASIE_DEMO_SPEED, or as it was].",
)
@click.option(
    "--now",
    "start",
    default=None,
    help="Start the simulated clock at this moment (2027-01-10, 2027-01-10T14:30; Moscow time) "
    "[default: SOGLASIE_DEMO_NOW, or where it was].",
)
def demo(host: str, port: int, db_path: Path, speed: float | None, start: str | None) -> None:
    """Run the demo: web app and worker in one process, on SQLite, with sample data."""
    from werkzeug.serving import make_server

    from notifications.worker import start_worker_thread
    from web.cli.common import fail

    # The socket first, so the links in email name the port it really got (--port 0).
    server = make_server(host, port, _not_ready, threaded=True)
    click.echo(f"Preparing {db_path} …")
    try:
        prepared = prepare(db_path, host, server.server_port, speed=speed, now=start)
    except ValueError as exc:
        server.server_close()
        fail(str(exc))
    server.app = prepared.app
    actual = f"http://{host}:{server.server_port}"
    worker = start_worker_thread(prepared.engine, prepared.settings)
    click.echo("Seeded the demo data." if prepared.seeded else "Using the existing demo data.")
    click.echo(f"\nsoglasie is running at {actual}/  (public pages: {actual}/public)")
    click.echo(f"Email goes to the demo mailbox: {actual}/admin/mailbox (sign in as admin)\n")
    state = prepared.engine.clock.state() if hasattr(prepared.engine.clock, "state") else None
    if state is not None:
        click.echo(
            f"Simulated clock: {prepared.engine.clock.now():%Y-%m-%d %H:%M} UTC, running "
            f"{state.speed:g}× (move it at {actual}/admin/clock)\n"
        )
    click.echo(logins_text())
    click.echo("\nPress Ctrl+C to stop.")

    # Ctrl+C and SIGTERM both stop the server. shutdown() waits for serve_forever() to return,
    # so it must run in another thread: called in the handler, it would wait for itself. The
    # handlers are installed explicitly, as a process started with SIGINT ignored inherits that.
    def stop(*_):
        threading.Thread(target=server.shutdown, name="demo-shutdown").start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo("Stopping …")
        worker.stop()
        server.server_close()
        prepared.engine.dispose()
