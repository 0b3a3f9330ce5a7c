"""Idempotency-Key on the API (web.api.idempotency), on SQLite and PostgreSQL: a repeat gets the
first answer and decides nothing; another request under the key is 422; concurrent repeats
decide once; expired keys are swept; the OpenAPI document names the header."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from notifications.worker import Worker
from tests.api.scenario import ApiClient, regional_fields
from tests.support.databases import stamp_head
from web.cli import main
from workflow.persistence import idempotency
from workflow.persistence.models import AuditEvent, Case
from workflow.settings import Settings

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _count(engine, statement) -> int:
    with engine.uow(write=False) as uow:
        return uow.session.scalar(statement)


def cases(engine) -> int:
    return _count(engine, select(func.count()).select_from(Case))


def transitions(engine, case_id: int) -> int:
    return _count(
        engine,
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == "transition"),
    )


def keys(engine) -> int:
    return _count(engine, select(func.count()).select_from(idempotency.IdempotencyKey))


@pytest.fixture
def ini(client, tokens):
    return ApiClient(client, tokens).as_("ta_ini")


def create(ini, engine, key: str | None = KEY, title: str | None = None, today=None):
    fields = regional_fields(today or engine.today())
    if title:
        fields["title"] = title
    headers = {"Idempotency-Key": key} if key else {}
    return ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": fields},
        headers=headers,
    )


def test_a_repeat_gets_the_first_answer_and_creates_nothing(ini, engine):
    before = cases(engine)
    first = create(ini, engine)
    assert first.status == 201
    assert "Idempotent-Replayed" not in first.response.headers
    again = create(ini, engine, key=f'"{KEY}"')  # the draft's quoted form is the same key
    assert again.status == 201
    assert again.response.headers["Idempotent-Replayed"] == "true"
    assert again.response.get_data() == first.response.get_data()
    for header in ("Location", "ETag", "Content-Type"):
        assert again.response.headers.get(header) == first.response.headers.get(header)
    assert cases(engine) == before + 1
    # Without the key the same request is a new one.
    assert create(ini, engine, key=None).status == 201
    assert cases(engine) == before + 2


def test_a_repeated_transition_is_decided_once(ini, engine):
    case_id = create(ini, engine, key=None).ok(201)["id"]
    fire = {"trigger": "notify_negotiations"}
    path = f"/agreements/{case_id}/transitions"
    first = ini.post(path, json=fire, headers={"Idempotency-Key": "fire-1"}).ok()
    again = ini.post(path, json=fire, headers={"Idempotency-Key": "fire-1"})
    assert again.ok() == first and again.response.headers["Idempotent-Replayed"] == "true"
    assert transitions(engine, case_id) == 1
    # The same trigger under a new key is a new decision: the engine refuses it (wrong state),
    # and that refusal is the key's answer from then on.
    refused = ini.post(path, json=fire, headers={"Idempotency-Key": "fire-2"}).refused(409)
    replayed = ini.post(path, json=fire, headers={"Idempotency-Key": "fire-2"})
    assert replayed.refused(409) == refused
    assert replayed.response.headers["Idempotent-Replayed"] == "true"
    assert transitions(engine, case_id) == 1


def test_the_same_key_with_another_request_is_422(ini, engine):
    create(ini, engine).ok(201)
    other = create(ini, engine, title="Другое соглашение").refused(422)
    assert other["code"] == "idempotency_key_reused"
    # The JSON's key order and spacing are not the request: the fingerprint is canonical.
    fields = regional_fields(engine.today())
    reordered = ini.post(
        "/agreements",
        data='{"fields": ' + _json(fields) + ', "kind": "regional_agreement"}',
        headers={"Idempotency-Key": KEY, "Content-Type": "application/json"},
    )
    assert reordered.status == 201 and reordered.response.headers["Idempotent-Replayed"]


def _json(value) -> str:
    return json.dumps(dict(reversed(list(value.items()))), ensure_ascii=False, indent=2)


@pytest.mark.parametrize("key", ["", "a b", "ключ", "x" * 256, '"unterminated'])
def test_a_malformed_key_is_400_and_nothing_is_done(ini, engine, key):
    before = cases(engine)
    answer = ini.post(
        "/agreements",
        json={"kind": "regional_agreement", "fields": regional_fields(engine.today())},
        headers={"Idempotency-Key": key},
    ).refused(400)
    assert answer["code"] == "idempotency_key_invalid"
    assert cases(engine) == before


def test_schema_errors_and_server_errors_are_not_kept(ini, engine):
    bad = ini.post(
        "/agreements", json={"kind": "regional_agreement"}, headers={"Idempotency-Key": "k-1"}
    ).refused(422)
    assert bad["code"] != "idempotency_key_reused"
    assert keys(engine) == 0
    # Corrected, under the same key: it runs (a schema error was not an answer to keep).
    assert create(ini, engine, key="k-1").status == 201
    assert keys(engine) == 1


def test_keys_are_the_callers_own(client, tokens, engine):
    api = ApiClient(client, tokens)
    before = cases(engine)
    create(api.as_("ta_ini"), engine).ok(201)
    second = create(api.as_("ta_legal"), engine)  # another person, the same key: her own
    assert "Idempotent-Replayed" not in second.response.headers
    assert cases(engine) == before + (2 if second.status == 201 else 1)


def test_concurrent_repeats_decide_once(app, tokens, engine, backend):
    before = cases(engine)
    barrier = threading.Barrier(4)
    answers: list = []

    def send():
        api = ApiClient(app.test_client(), tokens).as_("ta_ini")
        barrier.wait()
        answers.append(create(api, engine))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(a.status for a in answers)
    assert statuses == [201, 201, 201, 201], [(a.status, a.json) for a in answers]
    assert len({a.json["id"] for a in answers}) == 1
    assert sum(a.response.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
    assert cases(engine) == before + 1


def test_a_key_still_being_decided_is_409_on_postgres(app, ini, engine, world, backend):
    if backend != "postgres":
        pytest.skip("SQLite serializes writers: the repeat waits for the first and replays")
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.2
    scope = f"api:user:{world.users['ta_ini']}"
    with engine.bind.connect() as first:  # the first request, mid-decision
        first.begin()
        taken = idempotency.claim(first, scope, KEY, "f" * 64, engine.clock.now(), _day())
        assert taken is None
        busy = create(ini, engine).refused(409)
        first.rollback()
    assert busy["code"] == "idempotency_key_in_use"
    assert busy["status"] == 409
    # The first rolled back: the key is free again.
    assert create(ini, engine).status == 201


def _day():
    return dt.timedelta(hours=24)


def test_expired_keys_are_swept_and_the_key_is_new_again(ini, engine, clock):
    before, today = cases(engine), engine.today()
    create(ini, engine).ok(201)
    clock.advance(hours=23)
    repeat = create(ini, engine, today=today)  # the same request (its dates as on the first day)
    assert repeat.response.headers["Idempotent-Replayed"] == "true"
    worker = Worker(engine, Settings(env="test"), worker_id="test")
    assert worker.sweep_idempotency_keys() == 0
    clock.advance(hours=2)
    assert worker.sweep_idempotency_keys() == 1
    assert keys(engine) == 0
    again = create(ini, engine, today=today)
    assert again.status == 201 and "Idempotent-Replayed" not in again.response.headers
    assert cases(engine) == before + 2


def test_the_lifetime_is_a_setting(app, ini, engine, clock):
    app.extensions["soglasie.settings"] = app.extensions["soglasie.settings"].with_overrides(
        idempotency_key_hours=1.0
    )
    today = engine.today()
    create(ini, engine).ok(201)
    clock.advance(minutes=59)
    assert create(ini, engine, today=today).response.headers["Idempotent-Replayed"] == "true"
    clock.advance(minutes=2)
    expired = create(ini, engine, today=today)  # expired, not yet swept: a new key
    assert expired.status == 201 and "Idempotent-Replayed" not in expired.response.headers


def test_the_openapi_document_names_the_header_on_every_mutating_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    unsafe = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            unsafe += 1
            names = [p.get("name") for p in operation.get("parameters", [])]
            assert "Idempotency-Key" in names, (method, path)
            assert {"409", "422"} <= set(operation["responses"]), (method, path)
            successes = [r for code, r in operation["responses"].items() if code.startswith("2")]
            assert successes, (method, path)
            for response in successes:
                assert "Idempotent-Replayed" in response.get("headers", {}), (method, path)
        for method in ("get",):
            if method in item:
                names = [p.get("name") for p in item[method].get("parameters", [])]
                assert "Idempotency-Key" not in names, path
    assert unsafe >= 20


def test_the_command_line_sweeps_expired_keys(ini, engine, db_url):
    create(ini, engine).ok(201)  # made on the tests' clock (March 2026): long expired by now
    stamp_head(db_url)
    result = CliRunner().invoke(
        main, ["idempotency", "sweep", "--database-url", db_url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "1 expired idempotency key(s) removed" in result.output
    assert keys(engine) == 0
