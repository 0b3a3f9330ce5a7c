"""Fixtures for the notification tests: a real SMTP server on loopback, settings pointing at it,
and workers whose clock is the test's ``FixedClock``."""

from __future__ import annotations

import random

import pytest

from notifications.delivery import DeliveryPolicy
from notifications.worker import Worker, WorkerConfig
from tests.notifications.smtp_server import MailServer
from workflow.settings import Settings

BASE_URL = "https://soglasie.example"


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(mail_server) -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-for-unsubscribe-links-0123456789",
        base_url=BASE_URL,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_timeout=5.0,
        mail_from="soglasie <noreply@soglasie.example>",
        digest_hour=8,
    )


@pytest.fixture
def policy() -> DeliveryPolicy:
    return DeliveryPolicy(
        batch_size=20,
        lease_seconds=60,
        send_timeout=5,
        retry_window=3 * 3600,
        backoff_base=60,
        probe_every=15,
    )


@pytest.fixture
def make_worker(engine, settings, policy):
    """``make_worker("w1")``: a worker on the test's engine and clock, with a seeded jitter."""

    def make(worker_id: str = "w1", **overrides) -> Worker:
        config = WorkerConfig(policy=overrides.pop("policy", policy))
        return Worker(
            engine,
            overrides.pop("settings", settings),
            config=config,
            worker_id=worker_id,
            rng=random.Random(5),
            **overrides,
        )

    return make
