"""``soglasie worker``: reminders, escalations, digests and email delivery, on a clock."""

from __future__ import annotations

import logging

import click

from web.cli.common import database_option, fail, open_engine, settings
from workflow.services.deadlines import recount_provisional


@click.command("worker")
@database_option
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron or a check).")
@click.option("--deliver-every", type=float, default=10.0, show_default=True, help="Seconds.")
@click.option("--sweep-every", type=float, default=30.0, show_default=True, help="Seconds.")
@click.option("--batch-size", type=int, default=50, show_default=True, help="Emails per batch.")
@click.option(
    "--lease-seconds",
    type=float,
    default=30.0,
    show_default=True,
    help="How long a batch is reserved for this worker (renewed while it works); a killed "
    "worker's rows are taken over within this time.",
)
@click.option(
    "--retry-days",
    type=float,
    default=None,
    help="How long an email is retried before it is given up [default: SOGLASIE_MAIL_RETRY_DAYS"
    ", 3].",
)
@click.option(
    "--backoff", type=float, default=60.0, show_default=True, help="First retry delay, seconds."
)
def worker(
    database_url, once, deliver_every, sweep_every, batch_size, lease_seconds, retry_days, backoff
) -> None:
    """Send reminders and email (SMTP from SOGLASIE_SMTP_*; without a host, the demo mailbox).

    Any number of workers may run against PostgreSQL. Stop with SIGTERM: the current batch is
    finished and unsent messages are released for the next worker.
    """
    from notifications.worker import Worker, WorkerConfig, policy_from, run_worker
    from workflow.settings import UnsafeSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # "skipped: maximum number of running instances" is the normal case for a delivery run
    # that outlasts its interval, not a warning.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    s = settings(database_url)
    try:
        s.require_service_secret()
    except UnsafeSettings as exc:
        fail(str(exc))
    try:
        if retry_days is not None:
            s = s.with_overrides(mail_retry_days=retry_days)
        policy = policy_from(
            s, batch_size=batch_size, lease_seconds=lease_seconds, backoff_base=backoff
        )
    except ValueError as exc:
        fail(f"{exc} (set --lease-seconds or SOGLASIE_SMTP_TIMEOUT)")
    config = WorkerConfig(sweep_every=sweep_every, deliver_every=deliver_every, policy=policy)
    engine = open_engine(s)
    try:
        # The calendar files may have learned a year since the last start (a new decree in
        # ru.yaml): provisional deadlines of that year are recounted before anything is sent.
        recount_provisional(engine)
        if once:
            result = Worker(engine, s, config=config).run_once()
            click.echo(
                "reminders fired: {reminders}, escalations: {escalations}, digests: {digests}, "
                "delivery: {delivery}".format(**result)
            )
            return
        run_worker(engine, s, config=config)
    finally:
        engine.dispose()
