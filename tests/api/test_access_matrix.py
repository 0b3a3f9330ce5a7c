"""Every API route × every kind of caller → the expected HTTP status.

The routes come from ``app.url_map`` (everything under ``/api/``); a route missing from
``EXPECTED`` fails the test, so no endpoint ships without someone deciding who may call it.
Each (route, caller) request gets fresh objects where the request changes something, so one
caller's success never changes the next caller's answer. Bodies are valid, so the status shows
the permission decision, not a validation error.

Callers, as in the pages' matrix: anonymous; ``same`` is the initiator of the case's region
(Tatarstan); ``other`` the initiator of another region (Saint Petersburg); ``federal`` an MFA
reviewer; ``admin`` an administrator. Each calls with her own token.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from tests.api.scenario import regional_fields
from tests.domain.walking import walk_to
from workflow.persistence.integrations import WebhookSubscription
from workflow.persistence.models import Task
from workflow.services.meeting_minutes import DecisionInput
from workflow.services.people import create_user
from workflow.services.tokens import create_token
from workflow.services.webhook_subscriptions import create_subscription

PERSONAS = ("anonymous", "same", "other", "federal", "admin")
SIGNED_TEXT = "Подписанный экземпляр соглашения".encode()
USERNAMES = {"same": "ta_ini", "other": "spe_ini", "federal": "mfa", "admin": "admin"}


class Seed:
    """Builds the objects a request needs, fresh on every call."""

    def __init__(self, engine, world):
        self.engine, self.world = engine, world
        self.today = engine.today()
        self._serial = itertools.count(1)

    def serial(self) -> int:
        return next(self._serial)

    def agreement(self) -> int:
        ini = self.world.actor("ta_ini")
        case = self.engine.create_case(
            ini, "regional_agreement", fields=regional_fields(self.today)
        )
        for number in (1, 2):
            self.engine.add_document(case.id, ini, "ru", f"Текст, редакция {number}")
        return case.id

    def plan(self) -> tuple[int, int]:
        ini = self.world.actor("ta_ini")
        plan = self.engine.create_case(
            ini,
            "activity_plan",
            fields={
                "title": "План мероприятий",
                "period_start": self.today.isoformat(),
                "period_end": (self.today + dt.timedelta(days=365)).isoformat(),
            },
            parent_case_id=self.agreement(),
        )
        item = self.engine.add_plan_item(
            plan.id,
            ini,
            title="Дни культуры",
            area="cultural",
            responsible_org_id=self.world.org_id("RU-TA"),
            due_quarter=f"{self.today.year}-Q4",
        )
        return plan.id, item.id

    def cycle(self, target: str = "planning_opened"):
        definition = self.engine.catalog.current("coordination_cycle").definition
        return walk_to(self.world, definition, target)

    def decision(self) -> int:
        walk = self.cycle("meeting_held")
        (decision_id,) = self.engine.record_minutes(
            walk.meeting_id,
            self.world.actor("coord"),
            "Протокол",
            [DecisionInput("Провести дни культуры", self.world.org_id("RU-TA"))],
        )
        return decision_id

    def signed_copy(self) -> int:
        case_id = self.signing()
        self.engine.add_signed_original(
            case_id, self.world.actor("ta_ini"), "russian", SIGNED_TEXT, "signed.txt"
        )
        return case_id

    def signing(self) -> int:
        """An agreement approved and waiting for its signing (signed copies may be added)."""
        definition = self.engine.catalog.current("regional_agreement").definition
        return walk_to(self.world, definition, "signing_scheduled").case_id

    def task(self) -> int:
        case_id = self.agreement()
        with self.engine.uow(write=False) as uow:
            return uow.session.scalar(select(Task.id).where(Task.case_id == case_id))

    def substitution(self) -> int:
        day = self.today + dt.timedelta(days=10 * self.serial())
        return self.engine.set_substitution(
            self.world.actor("ta_ini"), self.world.user_id("ta_legal"), day, day
        )

    def user(self) -> int:
        with self.engine.uow() as uow:
            user = create_user(
                uow.session, self.engine.clock, f"temp{self.serial()}", "RU-TA", ["initiator"]
            )
            uow.commit()
            return user.id

    def token(self) -> int:
        return create_token(self.engine, self.world.actor("ta_ini"), "spare")[0].id

    def subscription(self) -> int:
        with self.engine.uow() as uow:  # stay under the per-organization cap
            uow.session.execute(delete(WebhookSubscription))
            uow.commit()
        info, _secret = create_subscription(
            self.engine, self.world.actor("ta_ini"), "http://127.0.0.1:9/hook", ["task.created"]
        )
        return info.id


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    form: dict[str, Any] | None = None  # sent as multipart/form-data (a file upload)


Build = Callable[[Seed, str], Call]


def at(path: str, **objects: Callable[[Seed], Any]) -> Build:
    """A request to ``path`` with its placeholders filled by fresh objects."""

    def build(seed: Seed, _persona: str) -> Call:
        return Call(path.format(**{name: make(seed) for name, make in objects.items()}))

    return build


def with_form(path: str, form: Callable[[], dict[str, Any]], **objects) -> Build:
    def build(seed: Seed, persona: str) -> Call:
        return Call(at(path, **objects)(seed, persona).path, form=form())

    return build


def with_body(path: str, body: Callable[[Seed, str], Any], **objects) -> Build:
    def build(seed: Seed, persona: str) -> Call:
        return Call(at(path, **objects)(seed, persona).path, body(seed, persona))

    return build


AGREEMENT = {"case_id": Seed.agreement}
PLAN = {"case_id": lambda s: s.plan()[0]}
CYCLE = {"case_id": lambda s: s.cycle().case_id}
MEETING = {"meeting_id": lambda s: s.cycle().meeting_id}

ALL = lambda code: (401, *(code,) * 4)  # noqa: E731
PUBLIC = (200,) * 5
CASE_READ = (401, 200, 404, 200, 200)
CASE_WRITE = (401, 200, 404, 403, 403)
CYCLE_READ = (401, 404, 404, 200, 200)
# Meetings are changed by the coordinating agency only; none of the five callers is it (an
# administrator runs the system but does not speak for the agency).
ORGANIZER = (401, 403, 403, 403, 403)
ADMIN_ONLY = (401, 403, 403, 403, 200)
OWN_ORG = (401, 200, 404, 404, 200)


def _when(seed: Seed) -> dict[str, str]:
    starts = dt.datetime.combine(seed.today + dt.timedelta(days=90), dt.time(7), tzinfo=dt.UTC)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
    }


def _substitute(seed: Seed, persona: str) -> dict[str, Any]:
    colleague = {"same": "ta_legal", "other": "ta_legal", "federal": "minec", "admin": "coord"}
    day = (seed.today + dt.timedelta(days=500 + seed.serial())).isoformat()
    return {
        "substitute_id": seed.world.user_id(colleague.get(persona, "ta_legal")),
        "starts_on": day,
        "ends_on": day,
    }


EXPECTED: dict[tuple[str, str], tuple[Build, tuple[int, ...]]] = {
    ("GET", "/api/v1/openapi.json"): (at("/api/v1/openapi.json"), PUBLIC),
    ("GET", "/api/v1/search"): (at("/api/v1/search?q=соглашение"), ALL(200)),
    ("GET", "/api/v1/docs"): (at("/api/v1/docs"), PUBLIC),
    # agreements
    ("GET", "/api/v1/agreements"): (at("/api/v1/agreements"), ALL(200)),
    ("POST", "/api/v1/agreements"): (
        with_body(
            "/api/v1/agreements",
            lambda s, _p: {"kind": "regional_agreement", "fields": regional_fields(s.today)},
        ),
        (401, 201, 201, 403, 403),
    ),
    ("GET", "/api/v1/agreements/{case_id}"): (
        at("/api/v1/agreements/{case_id}", **AGREEMENT),
        CASE_READ,
    ),
    ("PATCH", "/api/v1/agreements/{case_id}"): (
        with_body(
            "/api/v1/agreements/{case_id}", lambda s, p: {"fields": {"notes": p}}, **AGREEMENT
        ),
        CASE_WRITE,
    ),
    ("GET", "/api/v1/agreements/{case_id}/approval-sheet.pdf"): (
        at("/api/v1/agreements/{case_id}/approval-sheet.pdf", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/annual-report.docx"): (
        at("/api/v1/agreements/{case_id}/annual-report.docx", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/register.xlsx"): (
        at("/api/v1/agreements/register.xlsx"),
        ALL(200),
    ),
    ("GET", "/api/v1/agreements/{case_id}/diagram"): (
        at("/api/v1/agreements/{case_id}/diagram", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/documents"): (
        at("/api/v1/agreements/{case_id}/documents", **AGREEMENT),
        CASE_READ,
    ),
    ("POST", "/api/v1/agreements/{case_id}/documents"): (
        with_body(
            "/api/v1/agreements/{case_id}/documents",
            lambda s, _p: {"language": "zh", "text": "合作协议"},
            **AGREEMENT,
        ),
        (401, 201, 404, 403, 403),
    ),
    ("GET", "/api/v1/agreements/{case_id}/documents/{language}/{number}"): (
        at("/api/v1/agreements/{case_id}/documents/ru/2", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/documents/{language}/{number}/file"): (
        at("/api/v1/agreements/{case_id}/documents/ru/2/file", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/signed-originals"): (
        at("/api/v1/agreements/{case_id}/signed-originals", **AGREEMENT),
        CASE_READ,
    ),
    ("POST", "/api/v1/agreements/{case_id}/signed-originals"): (
        with_form(
            "/api/v1/agreements/{case_id}/signed-originals",
            lambda: {"party": "russian", "file": (io.BytesIO(SIGNED_TEXT), "signed.txt")},
            case_id=Seed.signing,
        ),
        (401, 201, 404, 403, 403),
    ),
    ("GET", "/api/v1/agreements/{case_id}/signed-originals/{party}/{number}/file"): (
        at(
            "/api/v1/agreements/{case_id}/signed-originals/russian/1/file",
            case_id=Seed.signed_copy,
        ),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/documents/{language}/diff"): (
        at("/api/v1/agreements/{case_id}/documents/ru/diff", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/history"): (
        at("/api/v1/agreements/{case_id}/history", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/timeline"): (
        at("/api/v1/agreements/{case_id}/timeline", **AGREEMENT),
        CASE_READ,
    ),
    ("GET", "/api/v1/agreements/{case_id}/transitions"): (
        at("/api/v1/agreements/{case_id}/transitions", **AGREEMENT),
        CASE_READ,
    ),
    ("POST", "/api/v1/agreements/{case_id}/transitions"): (
        with_body(
            "/api/v1/agreements/{case_id}/transitions",
            lambda s, _p: {"trigger": "notify_negotiations"},
            **AGREEMENT,
        ),
        CASE_WRITE,
    ),
    # plans and their items
    ("GET", "/api/v1/plans"): (at("/api/v1/plans"), ALL(200)),
    ("POST", "/api/v1/plans"): (
        with_body(
            "/api/v1/plans",
            lambda s, _p: {
                "kind": "activity_plan",
                "parent_case_id": s.agreement(),
                "fields": {"title": "План", "period_start": s.today.isoformat()},
            },
        ),
        (401, 201, 404, 403, 403),
    ),
    ("GET", "/api/v1/plans/{case_id}"): (at("/api/v1/plans/{case_id}", **PLAN), CASE_READ),
    ("PATCH", "/api/v1/plans/{case_id}"): (
        with_body("/api/v1/plans/{case_id}", lambda s, _p: {"fields": {"title": "Новый"}}, **PLAN),
        (401, 200, 404, 403, 403),
    ),
    ("GET", "/api/v1/plans/{case_id}/diagram"): (
        at("/api/v1/plans/{case_id}/diagram", **PLAN),
        CASE_READ,
    ),
    ("GET", "/api/v1/plans/{case_id}/history"): (
        at("/api/v1/plans/{case_id}/history", **PLAN),
        CASE_READ,
    ),
    ("GET", "/api/v1/plans/{case_id}/timeline"): (
        at("/api/v1/plans/{case_id}/timeline", **PLAN),
        CASE_READ,
    ),
    ("GET", "/api/v1/plans/{case_id}/transitions"): (
        at("/api/v1/plans/{case_id}/transitions", **PLAN),
        CASE_READ,
    ),
    ("POST", "/api/v1/plans/{case_id}/transitions"): (
        with_body(
            "/api/v1/plans/{case_id}/transitions", lambda s, _p: {"trigger": "submit_plan"}, **PLAN
        ),
        CASE_WRITE,
    ),
    ("GET", "/api/v1/plans/{case_id}/items"): (
        at("/api/v1/plans/{case_id}/items", **PLAN),
        CASE_READ,
    ),
    ("POST", "/api/v1/plans/{case_id}/items"): (
        with_body(
            "/api/v1/plans/{case_id}/items",
            lambda s, _p: {
                "title": "Выставка",
                "area": "cultural",
                "responsible_org_id": s.world.org_id("RU-TA"),
                "due_quarter": f"{s.today.year}-Q4",
            },
            **PLAN,
        ),
        (401, 201, 404, 403, 201),
    ),
    ("PATCH", "/api/v1/plans/{case_id}/items/{item_id}"): (
        lambda s, p: (
            lambda ids: Call(
                f"/api/v1/plans/{ids[0]}/items/{ids[1]}", {"expected_version": 1, "venue": "Харбин"}
            )
        )(s.plan()),
        (401, 200, 404, 403, 200),
    ),
    # the meeting cycles' workflow
    ("GET", "/api/v1/cycles/{case_id}"): (at("/api/v1/cycles/{case_id}", **CYCLE), CYCLE_READ),
    ("GET", "/api/v1/cycles/{case_id}/diagram"): (
        at("/api/v1/cycles/{case_id}/diagram", **CYCLE),
        CYCLE_READ,
    ),
    ("GET", "/api/v1/cycles/{case_id}/history"): (
        at("/api/v1/cycles/{case_id}/history", **CYCLE),
        CYCLE_READ,
    ),
    ("GET", "/api/v1/cycles/{case_id}/timeline"): (
        at("/api/v1/cycles/{case_id}/timeline", **CYCLE),
        CYCLE_READ,
    ),
    ("GET", "/api/v1/cycles/{case_id}/transitions"): (
        at("/api/v1/cycles/{case_id}/transitions", **CYCLE),
        CYCLE_READ,
    ),
    ("POST", "/api/v1/cycles/{case_id}/transitions"): (
        with_body(
            "/api/v1/cycles/{case_id}/transitions",
            lambda s, _p: {"trigger": "close_proposals"},
            **CYCLE,
        ),
        (401, 404, 404, 403, 403),
    ),
    # meetings
    ("GET", "/api/v1/meetings"): (at("/api/v1/meetings"), ALL(200)),
    ("POST", "/api/v1/meetings"): (
        with_body(
            "/api/v1/meetings",
            lambda s, _p: {"year": s.today.year, "title_ru": "Совещание", **_when(s)},
        ),
        (401, 403, 403, 403, 403),
    ),
    ("GET", "/api/v1/meetings/{meeting_id}"): (
        at("/api/v1/meetings/{meeting_id}", **MEETING),
        ALL(200),
    ),
    ("GET", "/api/v1/meetings/{meeting_id}/minutes.docx"): (
        at("/api/v1/meetings/{meeting_id}/minutes.docx", **MEETING),
        ALL(200),
    ),
    ("GET", "/api/v1/meetings/{meeting_id}/minutes.pdf"): (
        at("/api/v1/meetings/{meeting_id}/minutes.pdf", **MEETING),
        ALL(200),
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/cancel"): (
        with_body(
            "/api/v1/meetings/{meeting_id}/cancel", lambda s, _p: {"reason": "Перенос"}, **MEETING
        ),
        ORGANIZER,
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/held"): (
        with_body(
            "/api/v1/meetings/{meeting_id}/held",
            lambda s, _p: {},
            meeting_id=lambda s: s.cycle("invitations_sent").meeting_id,
        ),
        ORGANIZER,
    ),
    ("PUT", "/api/v1/meetings/{meeting_id}/minutes"): (
        with_body(
            "/api/v1/meetings/{meeting_id}/minutes",
            lambda s, _p: {"text": "Протокол"},
            meeting_id=lambda s: s.cycle("meeting_held").meeting_id,
        ),
        ORGANIZER,
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/participants"): (
        with_body(
            "/api/v1/meetings/{meeting_id}/participants",
            lambda s, _p: {"add": [s.world.org_id("RU-PRI")]},
            **MEETING,
        ),
        ORGANIZER,
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/reschedule"): (
        with_body("/api/v1/meetings/{meeting_id}/reschedule", lambda s, _p: _when(s), **MEETING),
        ORGANIZER,
    ),
    ("GET", "/api/v1/meetings/{meeting_id}/submissions"): (
        at("/api/v1/meetings/{meeting_id}/submissions", **MEETING),
        ALL(200),
    ),
    ("POST", "/api/v1/meetings/{meeting_id}/submissions"): (
        with_body(
            "/api/v1/meetings/{meeting_id}/submissions",
            lambda s, _p: {"kind": "proposal", "title": "Предложение", "text": "Текст"},
            **MEETING,
        ),
        (401, 201, 201, 403, 403),  # Tatarstan and Saint Petersburg are invited
    ),
    ("GET", "/api/v1/meetings/{meeting_id}/timeline"): (
        at("/api/v1/meetings/{meeting_id}/timeline", **MEETING),
        ALL(200),
    ),
    ("POST", "/api/v1/meetings/decisions/{decision_id}/complete"): (
        with_body(
            "/api/v1/meetings/decisions/{decision_id}/complete",
            lambda s, _p: {},
            decision_id=Seed.decision,
        ),
        (401, 200, 403, 403, 403),  # the responsible organization (or the coordinating agency)
    ),
    # tasks
    ("GET", "/api/v1/tasks"): (at("/api/v1/tasks"), ALL(200)),
    ("POST", "/api/v1/tasks/{task_id}/claim"): (
        at("/api/v1/tasks/{task_id}/claim", task_id=Seed.task),
        (401, 200, 404, 403, 403),
    ),
    ("POST", "/api/v1/tasks/{task_id}/release"): (
        at("/api/v1/tasks/{task_id}/release", task_id=Seed.task),
        (401, 200, 404, 403, 403),
    ),
    ("POST", "/api/v1/tasks/{task_id}/reassign"): (
        with_body(
            "/api/v1/tasks/{task_id}/reassign",
            lambda s, _p: {"assignee_id": s.world.user_id("ta_ini")},
            task_id=Seed.task,
        ),
        (401, 403, 404, 403, 200),
    ),
    # definitions, directory, regions
    ("GET", "/api/v1/definitions"): (at("/api/v1/definitions"), ALL(200)),
    ("GET", "/api/v1/definitions/{key}"): (at("/api/v1/definitions/regional_agreement"), ALL(200)),
    ("GET", "/api/v1/definitions/{key}/fields"): (
        at("/api/v1/definitions/twin_city_agreement/fields"),
        ALL(200),
    ),
    ("GET", "/api/v1/definitions/{key}/diagram"): (
        at("/api/v1/definitions/activity_plan/diagram"),
        ALL(200),
    ),
    ("GET", "/api/v1/organizations"): (at("/api/v1/organizations"), ALL(200)),
    ("GET", "/api/v1/organizations/{org_id}"): (
        at("/api/v1/organizations/{org}", org=lambda s: s.world.org_id("RU-TA")),
        ALL(200),
    ),
    ("GET", "/api/v1/regions/{code}/status"): (
        at("/api/v1/regions/RU-TA/status"),
        (401, 200, 403, 200, 200),
    ),
    ("GET", "/api/v1/users"): (at("/api/v1/users"), ADMIN_ONLY),
    ("POST", "/api/v1/users"): (
        with_body(
            "/api/v1/users",
            lambda s, _p: {
                "username": f"new{s.serial()}",
                "org_code": "RU-TA",
                "roles": ["initiator"],
            },
        ),
        (401, 403, 403, 403, 201),
    ),
    ("PATCH", "/api/v1/users/{user_id}"): (
        with_body(
            "/api/v1/users/{user}", lambda s, _p: {"roles": ["legal_office"]}, user=Seed.user
        ),
        ADMIN_ONLY,
    ),
    ("POST", "/api/v1/organizations/import"): (
        with_body(
            "/api/v1/organizations/import",
            lambda s, _p: {"csv": f"code,kind,name_ru\nRU-X{s.serial()},region,Новый регион\n"},
        ),
        ADMIN_ONLY,
    ),
    ("GET", "/api/v1/users/me"): (at("/api/v1/users/me"), ALL(200)),
    ("GET", "/api/v1/users/{user_id}"): (
        at("/api/v1/users/{user}", user=lambda s: s.world.user_id("ta_ini")),
        (401, 200, 403, 403, 200),  # herself, or an administrator
    ),
    # substitutions
    ("GET", "/api/v1/substitutions"): (at("/api/v1/substitutions"), ALL(200)),
    ("POST", "/api/v1/substitutions"): (
        with_body("/api/v1/substitutions", _substitute),
        # only colleagues of the same organization: Saint Petersburg's and the MFA's have none
        (401, 201, 400, 400, 201),
    ),
    ("DELETE", "/api/v1/substitutions/{substitution_id}"): (
        at("/api/v1/substitutions/{sub}", sub=Seed.substitution),
        (401, 200, 404, 404, 200),
    ),
    # tokens
    ("GET", "/api/v1/tokens"): (at("/api/v1/tokens"), ALL(200)),
    ("POST", "/api/v1/tokens"): (
        with_body("/api/v1/tokens", lambda s, _p: {"name": "ci"}),
        ALL(201),
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): (
        at("/api/v1/tokens/{token}", token=Seed.token),
        OWN_ORG,  # the owner, or an administrator
    ),
    # webhooks
    ("GET", "/api/v1/webhooks"): (at("/api/v1/webhooks"), ALL(200)),
    ("POST", "/api/v1/webhooks"): (
        with_body(
            "/api/v1/webhooks",
            lambda s, _p: {"url": "https://hooks.example.test/in", "events": ["task.created"]},
        ),
        ALL(201),
    ),
    ("GET", "/api/v1/webhooks/{subscription_id}"): (
        at("/api/v1/webhooks/{sub}", sub=Seed.subscription),
        OWN_ORG,
    ),
    ("PATCH", "/api/v1/webhooks/{subscription_id}"): (
        with_body(
            "/api/v1/webhooks/{sub}", lambda s, _p: {"is_active": False}, sub=Seed.subscription
        ),
        OWN_ORG,
    ),
    ("DELETE", "/api/v1/webhooks/{subscription_id}"): (
        at("/api/v1/webhooks/{sub}", sub=Seed.subscription),
        (401, 204, 404, 404, 204),
    ),
    ("POST", "/api/v1/webhooks/{subscription_id}/secret"): (
        at("/api/v1/webhooks/{sub}/secret", sub=Seed.subscription),
        OWN_ORG,
    ),
    ("GET", "/api/v1/webhooks/{subscription_id}/deliveries"): (
        at("/api/v1/webhooks/{sub}/deliveries", sub=Seed.subscription),
        OWN_ORG,
    ),
}


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.update((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_every_api_route_has_an_expected_status_for_every_caller(app):
    routes = api_routes(app)
    assert routes - set(EXPECTED) == set(), "routes nobody decided about"
    assert set(EXPECTED) - routes == set(), "expectations for routes that no longer exist"


def test_each_caller_gets_the_expected_status_on_every_api_route(client, engine, world, tokens):
    seed = Seed(engine, world)
    wrong = []
    for (method, route), (build, expected) in sorted(EXPECTED.items()):
        for persona, status in zip(PERSONAS, expected, strict=True):
            call = build(seed, persona)
            headers = {}
            if persona != "anonymous":
                headers["Authorization"] = f"Bearer {tokens[USERNAMES[persona]]}"
            if call.form is not None:
                response = client.open(
                    call.path,
                    method=method,
                    data=call.form,
                    content_type="multipart/form-data",
                    headers=headers,
                )
            else:
                response = client.open(call.path, method=method, json=call.json, headers=headers)
            if response.status_code != status:
                wrong.append(
                    f"{method} {route} as {persona}: {response.status_code}, expected {status} "
                    f"({(response.get_json(silent=True) or {}).get('message')})"
                )
    assert not wrong, "\n".join(wrong)
