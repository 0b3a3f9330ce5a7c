"""``soglasie demo``: the whole system in one process on an embedded SQLite database.

    soglasie demo [--host 127.0.0.1] [--port 5000] [--db instance/soglasie.db]

Creates (or upgrades) the database, seeds it with the demo data the first time, starts the web
app and ONE worker thread (reminders and email; without an SMTP server the email lands in the
local mailbox page), and prints the address and the demo logins. A second run reuses the
database; delete the file to start over. Stop with Ctrl+C.
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


def prepare(db_path: Path, host: str, port: int) -> Demo:
    """Schema, data and app, ready to serve (no threads started)."""
    from web.app import create_app
    from workflow import audit_key
    from workflow.definitions.directory import load_verified
    from workflow.engine import Engine
    from workflow.errors import Conflict
    from workflow.persistence.schema import upgrade
    from workflow.seed.dataset import DEMO_PARAMETERS
    from workflow.seed.demo import seed_demo
    from workflow.settings import from_env

    db_path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{db_path.resolve()}"
    upgrade(url)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    settings = from_env(
        database_url=url, env="demo", base_url=f"http://{shown_host}:{port}"
    ).check_safe()
    # The demo's example overrides (Tatarstan, Saint Petersburg) are demo data: only here.
    engine = Engine.create(url, load_verified(settings.definitions_dir, DEMO_PARAMETERS))
    audit_key.configure(engine.audit_key, settings)  # the seeded history is sealed with it
    try:
        seed_demo(engine)
        seeded = True
    except Conflict:
        seeded = False  # an existing demo database: keep what people did in it
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
def demo(host: str, port: int, db_path: Path) -> None:
    """Run the demo: web app and worker in one process, on SQLite, with sample data."""
    from werkzeug.serving import make_server

    from notifications.worker import start_worker_thread

    click.echo(f"Preparing {db_path} …")
    prepared = prepare(db_path, host, port)
    server = make_server(host, port, prepared.app, threaded=True)
    actual = f"http://{host}:{server.server_port}"
    worker = start_worker_thread(prepared.engine, prepared.settings)
    click.echo("Seeded the demo data." if prepared.seeded else "Using the existing demo data.")
    click.echo(f"\nsoglasie is running at {actual}/  (public pages: {actual}/public)")
    click.echo(f"Email goes to the demo mailbox: {actual}/admin/mailbox (sign in as admin)\n")
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
