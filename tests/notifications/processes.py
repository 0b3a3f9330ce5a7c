"""Running ``soglasie worker`` as real processes against a test database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from itertools import cycle
from pathlib import Path

from alembic import command
from sqlalchemy import insert

from tests.conftest import VALID_DEFINITIONS
from tests.integration.helpers import drafted_case
from tests.notifications.conftest import BASE_URL
from tests.notifications.helpers import tasks
from workflow.persistence.models import Reminder
from workflow.persistence.schema import alembic_config


def stamp_current(url: str) -> None:
    """Mark a schema built from the models as current, so the CLI's schema check accepts it."""
    command.stamp(alembic_config(url), "head")


def soglasie_command() -> list[str]:
    script = shutil.which("soglasie") or str(Path(sys.executable).parent / "soglasie")
    return [script]


def spawn_worker(
    url: str,
    smtp_port: int,
    worker_id: str,
    *,
    lease: float,
    timeout: float,
    log: Path,
    env_extra: dict[str, str] | None = None,
) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOGLASIE_")}
    env.update(
        SOGLASIE_DATABASE_URL=url,
        SOGLASIE_DEFINITIONS_DIR=str(VALID_DEFINITIONS),
        SOGLASIE_SMTP_HOST="127.0.0.1",
        SOGLASIE_SMTP_PORT=str(smtp_port),
        SOGLASIE_SMTP_TIMEOUT=str(timeout),
        SOGLASIE_BASE_URL=BASE_URL,
        SOGLASIE_WORKER_ID=worker_id,
        SOGLASIE_SECRET_KEY="worker-tests-" + "x7Kq2pL9vR4mN8wT3zY6bC1dF5gH0jAe",
    )
    env.update(env_extra or {})
    args = [
        *soglasie_command(),
        "worker",
        "--deliver-every=0.2",
        "--sweep-every=0.2",
        "--batch-size=25",
        f"--lease-seconds={lease}",
        "--backoff=1",
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def wait_started(proc: subprocess.Popen, limit: float = 30.0) -> None:
    """Until the worker has installed its signal handlers (its "started" log line): a SIGTERM
    earlier than that finds a process still importing, which simply dies."""
    deadline = time.monotonic() + limit
    while b" started (channels" not in Path(proc.log).read_bytes():  # type: ignore[attr-defined]
        if proc.poll() is not None or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def seed_reminders(engine, world, count: int, due_at: dt.datetime) -> None:
    """``count`` reminders of one open task, all due at ``due_at``, spread over the people."""
    case_id = drafted_case(engine, world)
    (task,) = tasks(engine, case_id=case_id, status="open")
    people = cycle(sorted(world.users.values()))
    rows = [
        dict(
            key=f"load:{i}",
            case_id=case_id,
            task_id=task.id,
            kind="reminder",
            due_at=due_at,
            deadline_on=task.due_on,
            role=None,
            org_id=None,
            user_id=next(people),
            rule="load test",
            data={},
            status="pending",
            created_at=due_at,
        )
        for i in range(count)
    ]
    with engine.uow() as uow:
        uow.session.execute(insert(Reminder.__table__), rows)
        uow.commit()
