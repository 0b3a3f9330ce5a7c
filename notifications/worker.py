"""The worker: APScheduler 3 as a clock that runs a few idempotent sweeps.

Jobs (fixed ids, in-memory job store, one instance of each at a time):

- ``sweep-reminders``: fire due reminder rows into the outbox (``workflow.reminders``);
- ``escalate-overdue``: fire due escalation rows (tasks past their deadline);
- ``deliver-outbox``: deliver pending outbox rows of every channel, batch after batch;
- ``send-digests``: queue the daily digests once ``digest_hour`` (each person's local time) has
  passed; once per cluster (an advisory lock, ``notifications.cluster``), one digest per person
  per day;
- ``audit-checkpoint``: hourly, a checkpoint of every audit head appended to
  ``SOGLASIE_AUDIT_CHECKPOINT_FILE`` once a day (``notifications.audit_checkpoints``).
- ``sweep-idempotency-keys``: delete expired Idempotency-Keys and form tokens, hourly, once
  per cluster (``workflow.services.idempotency``).

All state is in table rows, so any number of workers may run against PostgreSQL and a worker
may be stopped or killed at any moment: nothing is kept in the scheduler. There is never a
persistent job store, never a job per reminder, and never a scheduler inside a web process —
except the one worker thread ``soglasie demo`` starts in its single process
(``start_worker_thread``).

SIGTERM / SIGINT stop the worker gracefully: running jobs finish their current batch (a
delivery releases the rows it has not sent yet), then the process exits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import random
import signal
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from notifications.audit_checkpoints import checkpoint_daily
from notifications.cluster import once_per_cluster
from notifications.delivery import (
    ONE_SERVER_CHANNELS,
    BatchResult,
    DeliveryPolicy,
    deliver_batch,
)
from notifications.digests import send_digests
from notifications.render import load_templates
from notifications.transports import TransportContext, channels, make_transport
from workflow.reminders import fire_due_reminders
from workflow.services.idempotency import sweep_expired_keys

if TYPE_CHECKING:
    from workflow.engine import Engine
    from workflow.settings import Settings

log = logging.getLogger("soglasie.worker")


@dataclass(frozen=True)
class WorkerConfig:
    sweep_every: float = 30.0
    escalate_every: float = 300.0
    deliver_every: float = 10.0
    digest_every: float = 300.0
    idempotency_sweep_every: float = 3600.0
    sweep_batch: int = 200
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)


def policy_from(settings: Settings, **overrides) -> DeliveryPolicy:
    """The delivery policy the settings ask for (retry window, the SMTP timeout)."""
    values = dict(
        retry_window=settings.mail_retry_days * 86400.0, send_timeout=settings.smtp_timeout
    )
    values.update(overrides)
    return DeliveryPolicy(**values)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """The jobs, callable directly (tests, ``soglasie worker --once``) or from a scheduler."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        config: WorkerConfig | None = None,
        email_sender=None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.config = config or WorkerConfig(policy=policy_from(settings))
        self.worker_id = worker_id or settings.worker_id or default_worker_id()
        self.stop_event = threading.Event()
        self.rng = rng or random.Random()
        options = {"email_sender": email_sender} if email_sender is not None else {}
        self._transports = TransportContext(engine, settings, options)
        self.channels = channels()
        self._idle = threading.Condition()
        self._running = 0
        self._last_probe: dict[str, dt.datetime] = {}

    # --- jobs ---------------------------------------------------------------------------

    def sweep_reminders(self) -> int:
        return self._sweep(exclude_kinds=("escalation",))

    def escalate_overdue(self) -> int:
        return self._sweep(kinds=("escalation",))

    def _sweep(self, **kinds) -> int:
        fired = 0
        with self._busy():
            while not self.stop_event.is_set():
                result = fire_due_reminders(
                    self.engine, batch_size=self.config.sweep_batch, **kinds
                )
                fired += result.fired
                if result.claimed < self.config.sweep_batch:
                    break
        return fired

    def deliver_outbox(self) -> BatchResult:
        total = BatchResult()
        with self._busy():
            while not self.stop_event.is_set():
                round_claimed = 0
                for channel in self.channels:
                    result = self._batch(channel)
                    total.add(result)
                    round_claimed += result.claimed
                    if result.unreachable:
                        self._last_probe[channel] = self.engine.clock.now()
                if round_claimed == 0:
                    break
            for channel in ONE_SERVER_CHANNELS.intersection(self.channels):
                if not self.stop_event.is_set() and self._probe_due(channel):
                    total.add(self._probe(channel))
        return total

    def _batch(self, channel: str, probe: bool = False) -> BatchResult:
        return deliver_batch(
            self.engine,
            channel,
            self._transport,
            self.worker_id,
            self.config.policy,
            stop=self.stop_event,
            rng=self.rng,
            probe=probe,
        )

    def _probe_due(self, channel: str) -> bool:
        last = self._last_probe.get(channel)
        now = self.engine.clock.now()
        return last is None or (now - last).total_seconds() >= self.config.policy.probe_every

    def _probe(self, channel: str) -> BatchResult:
        """Rows wait for an unreachable server: try the earliest one now. Its success makes
        them all due (``delivery.recover``); then they go out batch after batch."""
        self._last_probe[channel] = self.engine.clock.now()
        result = self._batch(channel, probe=True)
        if result.recovered:
            again = self.deliver_outbox_channel(channel)
            result.add(again)
        return result

    def deliver_outbox_channel(self, channel: str) -> BatchResult:
        total = BatchResult()
        while not self.stop_event.is_set():
            result = self._batch(channel)
            total.add(result)
            if result.claimed == 0:
                break
        return total

    def send_digests(self) -> int:
        with self._busy():
            return send_digests(
                self.engine, hour=self.settings.digest_hour, timezone=self.settings.timezone
            )

    def checkpoint_audit(self) -> bool:
        """Today's audit checkpoint, if SOGLASIE_AUDIT_CHECKPOINT_FILE names a file."""
        if not self.settings.audit_checkpoint_file:
            return False
        with self._busy():
            return checkpoint_daily(
                self.engine, Path(self.settings.audit_checkpoint_file), self.engine.clock.now()
            )

    def sweep_idempotency_keys(self) -> int:
        """Expired Idempotency-Keys and form tokens; once per cluster (the deletes would only
        wait on each other)."""
        with self._busy(), once_per_cluster(self.engine, "sweep-idempotency-keys") as mine:
            return sweep_expired_keys(self.engine) if mine else 0

    def run_once(self) -> dict[str, object]:
        """Every job once, in order: what a worker does in one tick."""
        return {
            "reminders": self.sweep_reminders(),
            "escalations": self.escalate_overdue(),
            "digests": self.send_digests(),
            "delivery": self.deliver_outbox(),
        }

    def _transport(self, channel: str):
        return make_transport(channel, self._transports)

    # --- stopping ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _busy(self):
        with self._idle:
            self._running += 1
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the jobs to finish their batch, and wait for them; True if all stopped."""
        self.stop_event.set()
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)


def _schedule(scheduler, worker: Worker) -> None:
    config = worker.config
    start = dt.datetime.now(dt.UTC)  # the scheduler's own clock: when to look, not what is due
    jobs = (
        ("sweep-reminders", worker.sweep_reminders, config.sweep_every),
        ("escalate-overdue", worker.escalate_overdue, config.escalate_every),
        ("deliver-outbox", worker.deliver_outbox, config.deliver_every),
        ("send-digests", worker.send_digests, config.digest_every),
        ("audit-checkpoint", worker.checkpoint_audit, 3600.0),
        ("sweep-idempotency-keys", worker.sweep_idempotency_keys, config.idempotency_sweep_every),
    )
    for job_id, func, seconds in jobs:
        scheduler.add_job(
            _guarded(job_id, func),
            "interval",
            seconds=seconds,
            id=job_id,
            name=job_id,
            next_run_time=start,
            replace_existing=True,
        )


def _guarded(job_id: str, func):
    """Log a failed run and keep the schedule (the next run starts from the rows again)."""

    def run():
        try:
            func()
        except Exception:
            log.exception("job %s failed; it will run again at its next interval", job_id)

    run.__name__ = job_id.replace("-", "_")
    return run


def _scheduler_options() -> dict:
    return dict(
        timezone="UTC",
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )


def run_worker(
    engine: Engine,
    settings: Settings,
    *,
    config: WorkerConfig | None = None,
    email_sender=None,
) -> None:
    """Run the worker in this process until SIGTERM or SIGINT (blocking)."""
    load_templates()
    worker = Worker(engine, settings, config=config, email_sender=email_sender)
    scheduler = BlockingScheduler(**_scheduler_options())
    _schedule(scheduler, worker)

    def on_signal(signum, _frame):
        log.info(
            "worker %s: %s received, finishing the current batch",
            worker.worker_id,
            signal.Signals(signum).name,
        )
        worker.stop_event.set()
        # shutdown() from another thread: the signal handler must not block the main loop.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": False}).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("worker %s started (channels: %s)", worker.worker_id, ", ".join(worker.channels))
    try:
        scheduler.start()
    finally:
        worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("worker %s stopped", worker.worker_id)


@dataclass
class WorkerHandle:
    worker: Worker
    scheduler: BackgroundScheduler

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the running batch, release unsent rows, stop the scheduler thread."""
        self.worker.stop_event.set()
        self.scheduler.shutdown(wait=False)
        self.worker.stop(timeout)


def start_worker_thread(
    engine: Engine,
    settings: Settings,
    transport=None,
    *,
    config: WorkerConfig | None = None,
) -> WorkerHandle:
    """The worker in a background thread of this process: for ``soglasie demo`` only, which runs
    everything in one process. ``transport`` replaces the email sender (default: SMTP when
    configured, else the demo mailbox table)."""
    worker = Worker(engine, settings, config=config, email_sender=transport)
    scheduler = BackgroundScheduler(**_scheduler_options())
    _schedule(scheduler, worker)
    scheduler.start()
    return WorkerHandle(worker, scheduler)
