"""``soglasie worker``: reminders, escalations, digests and email delivery, on a clock."""

from __future__ import annotations

import logging

import click

from web.cli.common import database_option, fail, open_engine, settings


@click.command("worker")
@database_option
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron or a check).")
@click.option("--deliver-every", type=float, default=10.0, show_default=True, help="Seconds.")
@click.option("--sweep-every", type=float, default=30.0, show_default=True, help="Seconds.")
@click.option("--batch-size", type=int, default=50, show_default=True, help="Emails per batch.")
@click.option(
    "--lease-seconds",
    type=float,
    default=300.0,
    show_default=True,
    help="How long a batch is reserved for this worker; a killed worker's rows wait this long.",
)
@click.option("--max-attempts", type=int, default=8, show_default=True)
@click.option(
    "--backoff", type=float, default=60.0, show_default=True, help="First retry delay, seconds."
)
def worker(
    database_url, once, deliver_every, sweep_every, batch_size, lease_seconds, max_attempts, backoff
) -> None:
    """Send reminders and email (SMTP from SOGLASIE_SMTP_*; without a host, the demo mailbox).

    Any number of workers may run against PostgreSQL. Stop with SIGTERM: the current batch is
    finished and unsent messages are released for the next worker.
    """
    from notifications.delivery import DeliveryPolicy
    from notifications.worker import Worker, WorkerConfig, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # "skipped: maximum number of running instances" is the normal case for a delivery run
    # that outlasts its interval, not a warning.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    s = settings(database_url)
    try:
        policy = DeliveryPolicy(
            batch_size=batch_size,
            lease_seconds=lease_seconds,
            send_timeout=s.smtp_timeout,
            max_attempts=max_attempts,
            backoff_base=backoff,
        )
    except ValueError as exc:
        fail(f"{exc} (set --lease-seconds or SOGLASIE_SMTP_TIMEOUT)")
    config = WorkerConfig(sweep_every=sweep_every, deliver_every=deliver_every, policy=policy)
    engine = open_engine(s)
    try:
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
