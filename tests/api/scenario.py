"""Driving the API as several people, each with her own token.

    api = ApiClient(client, tokens)
    case = api.as_("ta_ini").post("/agreements", json={...}).ok(201)
    api.as_("mfa").fire(case["id"], "start_review")

Each call checks its status and returns the JSON body, so a walk reads as a list of steps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.domain.walking import AGREEMENT_DATA, PLAN_DATA, agreement_fields

PREFIX = "/api/v1"


class Reply:
    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.json = response.get_json(silent=True)

    def ok(self, status: int = 200) -> Any:
        assert self.status == status, (self.status, self.json)
        return self.json

    def refused(self, status: int) -> dict[str, Any]:
        assert self.status == status, (self.status, self.json)
        shape = {"status", "code", "message", "errors"}
        # ``messages``: the field errors worded for people, present when there are any.
        assert set(self.json) in (shape, shape | {"messages"}), self.json
        assert self.json["status"] == status
        return self.json


class As:
    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, headers=None, **kwargs) -> Reply:
        response = self.client.open(
            PREFIX + path, method=method, headers={**self.headers, **(headers or {})}, **kwargs
        )
        return Reply(response)

    def get(self, path: str, **kwargs) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Reply:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> Reply:
        return self.call("PATCH", path, **kwargs)

    def fire(
        self, case_id: int, trigger: str, *, prefix: str = "/agreements", **body: Any
    ) -> dict[str, Any]:
        """Fire ``trigger`` after checking the transitions list offers it (as allowed, unless
        the call brings the data it still misses)."""
        offered = {t["trigger"]: t for t in self.get(f"{prefix}/{case_id}/transitions").ok()}
        assert trigger in offered, (trigger, offered)
        assert offered[trigger]["allowed"] or body.get("data"), offered[trigger]
        return self.post(f"{prefix}/{case_id}/transitions", json={"trigger": trigger, **body}).ok()


class ApiClient:
    def __init__(self, client, tokens: dict[str, str]):
        self.client, self.tokens = client, tokens

    def as_(self, username: str | None) -> As:
        return As(self.client, self.tokens[username] if username else None)


def regional_fields(today: dt.date) -> dict[str, Any]:
    return agreement_fields(today, twin=False, states=set())


def trigger_data(trigger: str, today: dt.date) -> dict[str, Any]:
    data = {**AGREEMENT_DATA, **PLAN_DATA}
    if trigger == "enter_into_force":
        return {"in_force_from": today.isoformat()}
    return data[trigger](today) if trigger in data else {}
