"""Webhooks end to end: an organization subscribes through the API, the engine queues a delivery
in the transaction of each event, and the notifications worker's delivery loop POSTs it through
the registered ``webhook`` transport to a receiver on loopback — signed, once per delivery, and
again after the receiver comes back when it was down."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from notifications.delivery import DeliveryPolicy, deliver_batch
from notifications.transports import TransportContext, channels, make_transport
from tests.api.conftest import SECRET
from tests.api.scenario import ApiClient, regional_fields
from web.app import create_app
from workflow.persistence.models import OutboxMessage, Reminder
from workflow.reminders import fire_due_reminders
from workflow.settings import Settings


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST (headers and raw body)."""

    def __init__(self, port: int = 0, status: int = 200):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/soglasie"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def valid_signature(secret: str, headers: dict[str, str], body: bytes, now: dt.datetime) -> bool:
    """The receiver's check, written out independently of the sender's code."""
    parts = dict(p.split("=", 1) for p in headers["X-Soglasie-Signature"].split(","))
    signed = f"{parts['t']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(int(now.timestamp()) - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def deliver(engine, db_url):
    """One delivery round of the ``webhook`` channel, as the worker runs it."""
    assert "webhook" in channels()
    context = TransportContext(engine, Settings(env="test", database_url=db_url), {"timeout": 5})
    policy = DeliveryPolicy(send_timeout=5, lease_seconds=60)

    def run():
        return deliver_batch(
            engine, "webhook", lambda ch: make_transport(ch, context), "test-worker", policy
        )

    return run


def _subscribe(api, username: str, url: str, events: list[str]) -> dict:
    return api.as_(username).post("/webhooks", json={"url": url, "events": events}).ok(201)


def _webhook_rows(engine, subscription_id: int) -> list[OutboxMessage]:
    with engine.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.idempotency_key.like(f"webhook:{subscription_id}:%"))
                .order_by(OutboxMessage.id)
            )
        )


def _new_agreement(api: ApiClient, engine) -> dict:
    """A regional agreement created through the API by the initiator of RU-TA."""
    return (
        api.as_("ta_ini")
        .post(
            "/agreements",
            json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
        )
        .ok(201)
    )


def test_receiver_gets_each_event_once_per_delivery_with_a_valid_signature(
    client, tokens, engine, deliver
):
    api = ApiClient(client, tokens)
    with Receiver() as receiver:
        sub = _subscribe(api, "ta_ini", receiver.url, ["agreement.state_changed", "task.created"])
        ini = api.as_("ta_ini")
        case = _new_agreement(api, engine)
        ini.fire(case["id"], "notify_negotiations")
        rows = _webhook_rows(engine, sub["id"])
        assert [r.template for r in rows] == [
            "task.created",  # the initiator's first task
            "task.created",  # the next task, opened by the transition
            "agreement.state_changed",
        ]
        first = deliver()
        again = deliver()  # nothing left: every row was delivered once

    assert (first.sent, again.claimed) == (3, 0)
    assert len(receiver.received) == 3
    ids = [headers["X-Soglasie-Delivery"] for headers, _ in receiver.received]
    assert sorted(ids) == sorted(r.message_id for r in rows)
    for headers, body in receiver.received:
        assert valid_signature(sub["secret"], headers, body, engine.clock.now())
        assert not valid_signature("whsec_wrong", headers, body, engine.clock.now())
        document = json.loads(body)
        assert document["id"] == headers["X-Soglasie-Delivery"]
        assert document["event"] == headers["X-Soglasie-Event"]
    moved = json.loads(receiver.received[2][1])["data"]
    assert (moved["case_id"], moved["from_state"], moved["to_state"]) == (
        case["id"],
        "initiated",
        "negotiations_notified",
    )
    log = api.as_("ta_ini").get(f"/webhooks/{sub['id']}/deliveries").ok()["items"]
    assert [(d["status"], d["attempts"]) for d in log] == [("sent", 1)] * 3


def test_a_receiver_that_was_down_gets_the_delivery_after_it_recovers(
    client, tokens, engine, clock, deliver
):
    api = ApiClient(client, tokens)
    port = free_port()
    sub = _subscribe(api, "ta_ini", f"http://127.0.0.1:{port}/hook", ["agreement.state_changed"])
    ini = api.as_("ta_ini")
    case = _new_agreement(api, engine)
    ini.fire(case["id"], "notify_negotiations")

    down = deliver()
    (row,) = _webhook_rows(engine, sub["id"])
    assert (down.sent, down.retried) == (0, 1)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "cannot reach" in row.last_error
    assert deliver().claimed == 0  # not before its backoff

    clock.set(row.next_attempt_at + dt.timedelta(seconds=1))
    with Receiver(port) as receiver:
        up = deliver()
    assert up.sent == 1
    ((headers, body),) = receiver.received
    assert headers["X-Soglasie-Delivery"] == row.message_id
    assert headers["X-Soglasie-Attempt"] == "2"
    assert valid_signature(sub["secret"], headers, body, clock.now())
    (row,) = _webhook_rows(engine, sub["id"])
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_only_organizations_that_may_see_the_case_are_told(client, tokens, engine):
    api = ApiClient(client, tokens)
    events = ["agreement.state_changed"]
    own = _subscribe(api, "ta_ini", "http://127.0.0.1:9/own", events)
    other_region = _subscribe(api, "spe_ini", "http://127.0.0.1:9/spe", events)
    ministry = _subscribe(api, "mfa", "http://127.0.0.1:9/mfa", events)
    ini = api.as_("ta_ini")
    case = _new_agreement(api, engine)
    ini.fire(case["id"], "notify_negotiations")
    assert len(_webhook_rows(engine, own["id"])) == 1
    assert len(_webhook_rows(engine, ministry["id"])) == 1  # federal bodies see every case
    assert _webhook_rows(engine, other_region["id"]) == []


def test_a_refused_transition_queues_no_delivery(client, tokens, engine):
    api = ApiClient(client, tokens)
    sub = _subscribe(api, "ta_ini", "http://127.0.0.1:9/hook", ["agreement.state_changed"])
    ini = api.as_("ta_ini")
    case = ini.post(
        "/agreements", json={"kind": "regional_agreement", "fields": {"title": "Без партнёра"}}
    ).ok(201)
    ini.post(
        f"/agreements/{case['id']}/transitions", json={"trigger": "notify_negotiations"}
    ).refused(409)
    assert _webhook_rows(engine, sub["id"]) == []


def test_a_deleted_subscription_dead_letters_what_was_queued_for_it(
    client, tokens, engine, deliver
):
    api = ApiClient(client, tokens)
    sub = _subscribe(api, "ta_ini", "http://127.0.0.1:9/hook", ["task.created"])
    api.as_("ta_ini").post(
        "/agreements", json={"kind": "regional_agreement", "fields": {"title": "Проект"}}
    ).ok(201)
    assert api.as_("ta_ini").call("DELETE", f"/webhooks/{sub['id']}").status == 204
    assert deliver().dead == 1
    (row,) = _webhook_rows(engine, sub["id"])
    assert (row.status, row.last_error) == ("dead", "the subscription was deleted")


def test_a_missed_deadline_is_announced_once_when_its_escalation_fires(
    client, tokens, engine, clock, deliver
):
    api = ApiClient(client, tokens)
    with Receiver() as receiver:
        sub = _subscribe(api, "ta_ini", receiver.url, ["deadline.breached"])
        case = _new_agreement(api, engine)
        with engine.uow(write=False) as uow:
            escalation = uow.session.scalar(
                select(Reminder).where(
                    Reminder.case_id == case["id"], Reminder.kind == "escalation"
                )
            )
        assert fire_due_reminders(engine, kinds=("escalation",)).fired == 0
        clock.set(escalation.due_at)
        assert fire_due_reminders(engine, kinds=("escalation",)).fired == 1
        assert fire_due_reminders(engine, kinds=("escalation",)).fired == 0
        assert deliver().sent == 1
    ((headers, body),) = receiver.received
    assert headers["X-Soglasie-Event"] == "deadline.breached"
    assert valid_signature(sub["secret"], headers, body, clock.now())
    data = json.loads(body)["data"]
    assert (data["case_id"], data["state"], data["deadline_on"]) == (
        case["id"],
        "initiated",
        escalation.deadline_on.isoformat(),
    )


def test_production_accepts_only_https_webhook_urls(engine, db_url, tokens):
    settings = Settings(
        env="production",
        database_url=db_url,
        secret_key=SECRET,
        base_url="https://soglasie.test",
        audit_key="audit-test-key-Qw7eR4tY1uI9oP3aS6dF2gH8jK5lZ0x",
    )
    client = create_app(settings, engine=engine).test_client()
    api = ApiClient(client, tokens)
    plain = api.as_("ta_ini").post(
        "/webhooks", json={"url": "http://crm.example.ru/in", "events": ["task.created"]}
    )
    assert plain.refused(422)["errors"] == {"url": "Use an https:// address."}
    _subscribe(api, "ta_ini", "https://crm.example.ru/in", ["task.created"])
