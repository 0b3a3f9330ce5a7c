"""schemathesis against the app's own OpenAPI document: every operation, authenticated (an
administrator's token, so no route is skipped for lack of rights), positive and negative data,
on SQLite and PostgreSQL. No 5xx, and every response conforms to the document (status, content
type, headers, body).

schemathesis' pytest loader cannot take a function-scoped app under pytest 9, so the test
drives its Hypothesis strategies itself: per operation, one ``@given`` run with positive data,
one with negative data, and (for operations with path parameters) one with ids that exist, so
the views behind the lookups are reached too. Every failure is collected and reported together
with the figures (operations, cases, failures, statuses seen).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select, update

from tests.api.conftest import bearer
from tests.api.scenario import regional_fields
from workflow.clock import MOSCOW
from workflow.persistence.integrations import ApiToken
from workflow.persistence.models import Task
from workflow.services.tokens import create_token, issue_token
from workflow.services.webhook_subscriptions import create_subscription

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
# Examples per operation and pass; FUZZ_EXAMPLES=100 for a deeper run by hand.
EXAMPLES = {"sqlite": 12, "postgres": 6}


class Caller:
    """Sends each case as the administrator; re-issues her token if a case revoked it."""

    def __init__(self, engine, admin_id: int, token: str):
        self.engine, self.admin_id, self.token = engine, admin_id, token
        self.statuses: Counter[int] = Counter()

    def __call__(self, case) -> None:
        response = case.call_and_validate(headers=bearer(self.token), checks=CHECKS)
        self.statuses[response.status_code] += 1
        if case.method.upper() == "DELETE" and "/tokens/" in case.path:
            with self.engine.uow() as uow:
                # Make room under the cap of active tokens the fuzzing may have filled.
                uow.session.execute(
                    update(ApiToken)
                    .where(ApiToken.user_id == self.admin_id)
                    .values(revoked_at=self.engine.clock.now())
                )
                _info, self.token = issue_token(uow.session, self.engine.clock, self.admin_id, "z")
                uow.commit()


def known_ids(engine, world) -> dict[str, object]:
    """Path values that exist, so the third pass reaches the views behind the lookups."""
    today = engine.today()
    ini, coord, admin = world.actor("ta_ini"), world.actor("coord"), world.actor("admin")
    agreement = engine.create_case(ini, "regional_agreement", fields=regional_fields(today))
    engine.add_document(agreement.id, ini, "ru", "Текст соглашения")
    plan = engine.create_case(
        ini,
        "activity_plan",
        fields={"title": "План", "period_start": today.isoformat()},
        parent_case_id=agreement.id,
    )
    item = engine.add_plan_item(
        plan.id,
        ini,
        title="Дни культуры",
        area="cultural",
        responsible_org_id=world.org_id("RU-TA"),
        due_quarter=f"{today.year}-Q4",
    )
    starts = dt.datetime.combine(today + dt.timedelta(days=60), dt.time(10), tzinfo=MOSCOW)
    meeting = engine.schedule_meeting(
        coord,
        year=today.year,
        title_ru="Координационное совещание",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        participant_org_ids=[world.org_id("RU-TA")],
    )
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(select(Task.id).where(Task.case_id == agreement.id))
    subscription, _secret = create_subscription(
        engine, admin, "http://127.0.0.1:9/hook", ["task.created"]
    )
    spare, _plaintext = create_token(engine, admin, "spare")
    return {
        "case_id": agreement.id,
        "case_id:/api/v1/plans": plan.id,
        "case_id:/api/v1/cycles": meeting.case_id,
        "meeting_id": meeting.meeting_id,
        "item_id": item.id,
        "decision_id": 1,
        "language": "ru",
        "number": 1,
        "party": "russian",
        "task_id": task_id,
        "org_id": world.org_id("RU-TA"),
        "user_id": world.user_id("ta_ini"),
        "code": "RU-TA",
        "key": "regional_agreement",
        "substitution_id": engine.set_substitution(admin, world.user_id("coord"), today, today),
        "subscription_id": subscription.id,
        "token_id": spare.id,
    }


def path_values(known: dict[str, object], path: str) -> dict[str, object]:
    names = re.findall(r"{(\w+)}", path)
    prefix = "/".join(path.split("/")[:4])  # /api/v1/<resource>
    return {n: known.get(f"{n}:{prefix}", known[n]) for n in names}


def test_every_operation_answers_within_its_schema(app, engine, world, tokens, backend):
    known = known_ids(engine, world)
    # ignored_auth sends bad credentials on purpose; keep them 401 (the 429 has its own test).
    app.config["API_AUTH_FAILURE_LIMIT"] = 10**9
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    caller = Caller(engine, world.user_id("admin"), tokens["admin"])
    operations, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        passes = [(mode, None) for mode in schemathesis.GenerationMode]
        if values := path_values(known, operation.path):  # and once more with ids that exist
            passes.append((schemathesis.GenerationMode.POSITIVE, values))
        for mode, path_parameters in passes:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @given(case=strategy)
            @settings(
                max_examples=int(os.environ.get("FUZZ_EXAMPLES") or EXAMPLES[backend]),
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case):
                caller(case)

            try:
                run()
            except Exception as exc:  # every failure is collected, then reported at once
                where = "known ids" if path_parameters else mode.value
                failures.append(f"{operation.label} [{where}]: {exc}"[:3000])
    cases = sum(caller.statuses.values())
    print(
        f"\nschemathesis ({backend}): {operations} operations, {cases} cases, "
        f"{len(failures)} failures; statuses {sorted(caller.statuses.items())}"
    )
    assert operations >= 30
    assert caller.statuses[200] + caller.statuses[201] > cases // 10  # it reached the views
    assert caller.statuses[429] == 0
    assert not failures, "\n\n".join(failures)
