"""schemathesis against the app's own OpenAPI document: every operation, authenticated (an
administrator's token, so no route is skipped for lack of rights), positive and negative data,
on SQLite and PostgreSQL. No 5xx, and every response conforms to the document (status, content
type, headers, body).

schemathesis' pytest loader cannot take a function-scoped app under pytest 9, so the test
drives its Hypothesis strategies itself: one ``@given`` run per operation and generation mode,
every failure collected and reported together with the figures (operations, cases, failures).
"""

from __future__ import annotations

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
from tests.integration.helpers import drafted_case
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
EXAMPLES = {"sqlite": 25, "postgres": 15}


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


def known_ids(engine, world, tokens) -> dict[str, object]:
    """Path values that exist, so the second pass reaches the views behind the lookups."""
    case_id = drafted_case(engine, world)
    admin = world.actor("admin")
    with engine.uow(write=False) as uow:
        task_id = uow.session.scalar(select(Task.id).where(Task.case_id == case_id))
    subscription, _secret = create_subscription(
        engine, admin, "http://127.0.0.1:9/hook", ["task.created"]
    )
    spare, _plaintext = create_token(engine, admin, "spare")
    return {
        "case_id": case_id,
        "language": "ru",
        "number": 1,
        "task_id": task_id,
        "org_id": world.org_id("RU-TST"),
        "user_id": world.user_id("ini"),
        "code": "RU-TST",
        "key": "review_loop",
        "substitution_id": engine.set_substitution(
            admin, world.user_id("coord"), engine.today(), engine.today()
        ),
        "subscription_id": subscription.id,
        "token_id": spare.id,
    }


def test_every_operation_answers_within_its_schema(app, engine, world, tokens, backend):
    known = known_ids(engine, world, tokens)
    # ignored_auth sends bad credentials on purpose; keep them 401 (the 429 has its own test).
    app.config["API_AUTH_FAILURE_LIMIT"] = 10**9
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    caller = Caller(engine, world.user_id("admin"), tokens["admin"])
    operations, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = re.findall(r"{(\w+)}", operation.path)
        passes = [(mode, None) for mode in schemathesis.GenerationMode]
        if names:  # and once more with ids that exist
            passes.append((schemathesis.GenerationMode.POSITIVE, {n: known[n] for n in names}))
        for mode, path_parameters in passes:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES[backend],
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
